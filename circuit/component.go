package circuit

import (
	"fmt"
	"math"
	"strings"
)

// Ground is the name of the reference node. The names "0" and "gnd" (any
// case) both denote ground; see [IsGround].
const Ground = "0"

// IsGround reports whether the node name denotes the ground (reference)
// node: "0" or "gnd" in any case.
func IsGround(node string) bool { return node == Ground || strings.EqualFold(node, "gnd") }

// Element is a circuit component. The concrete types are [Resistor],
// [Capacitor], [CurrentSource], [VoltageSource], [VCCS], [VCVS],
// [Integrator], [Nullor] and [NoiseCurrent]; a netlist writer can switch on
// them. Elements are plain values: a [Circuit] keeps a copy of each.
//
// Sign conventions follow SPICE: a two-terminal element has a positive node
// P and a negative node N, and a branch current is positive when it flows
// from P through the element to N.
type Element interface {
	// ElementName returns the element's name, unique within a circuit.
	ElementName() string
	// Terminals returns the element's node names, in the order of its
	// struct fields (e.g. P, N, CP, CN for a VCCS).
	Terminals() []string
	// stamp validates the element's values and adds its contribution to
	// the MNA stamps.
	stamp(s *stamper) error
}

// Resistor is a linear resistor of R ohms between P and N. Unless Noiseless
// is set (or the circuit has NoThermalNoise), it carries Johnson–Nyquist
// current noise with one-sided PSD 4kT/R in A²/Hz across its terminals.
// R must be positive and finite: an active (negative) conductance is a
// [VCCS] controlled by its own terminals.
type Resistor struct {
	Name string
	P, N string
	R    float64 // resistance in ohms, > 0
	// Noiseless removes this resistor's thermal noise, for resistors that
	// are a modelling device rather than a physical part.
	Noiseless bool
}

// Conductance returns a [Resistor] of g siemens (R = 1/g).
func Conductance(name, p, n string, g float64) Resistor {
	return Resistor{Name: name, P: p, N: n, R: 1 / g}
}

func (e Resistor) ElementName() string { return e.Name }
func (e Resistor) Terminals() []string { return []string{e.P, e.N} }

func (e Resistor) stamp(s *stamper) error {
	if !(e.R > 0) || math.IsInf(e.R, 0) {
		return s.bad(e.Name, "resistance %g Ω must be positive and finite", e.R)
	}
	g := 1 / e.R
	p, n := s.node(e.P), s.node(e.N)
	stampPair(s.g, s.n, p, n, g)
	if s.thermal && !e.Noiseless {
		stampPair(s.noise, s.n, p, n, Intensity(JohnsonPSD(g, s.temperature)))
	}
	return nil
}

// Capacitor is a linear capacitor of C farads between P and N (to ground
// when one of them is ground, or between two nodes, e.g. as the feedback
// capacitor of an op-amp built from a [Nullor]). C must be non-negative and
// finite; C = 0 contributes nothing.
type Capacitor struct {
	Name string
	P, N string
	C    float64 // capacitance in farads, ≥ 0
}

func (e Capacitor) ElementName() string { return e.Name }
func (e Capacitor) Terminals() []string { return []string{e.P, e.N} }

func (e Capacitor) stamp(s *stamper) error {
	if !(e.C >= 0) || math.IsInf(e.C, 0) {
		return s.bad(e.Name, "capacitance %g F must be non-negative and finite", e.C)
	}
	stampPair(s.c, s.n, s.node(e.P), s.node(e.N), e.C)
	return nil
}

// CurrentSource is an independent DC current source of I amperes flowing
// from P through the source to N (SPICE convention: it draws I out of P and
// pushes it into N). It is an input of the assembled [Model], named after
// the element, with default value I.
type CurrentSource struct {
	Name string
	P, N string
	I    float64 // current in amperes
}

func (e CurrentSource) ElementName() string { return e.Name }
func (e CurrentSource) Terminals() []string { return []string{e.P, e.N} }

func (e CurrentSource) stamp(s *stamper) error {
	if math.IsNaN(e.I) || math.IsInf(e.I, 0) {
		return s.bad(e.Name, "current %g A must be finite", e.I)
	}
	k := s.addInput(e.Name, e.I)
	if p := s.node(e.P); p >= 0 {
		s.inj = append(s.inj, entry{p, k, -1})
	}
	if n := s.node(e.N); n >= 0 {
		s.inj = append(s.inj, entry{n, k, +1})
	}
	return nil
}

// VoltageSource is an independent DC voltage source: V(P) − V(N) = V volts.
// Its branch current flows from P through the source to N. It is an input of
// the assembled [Model], named after the element, with default value V.
type VoltageSource struct {
	Name string
	P, N string
	V    float64 // voltage in volts
}

func (e VoltageSource) ElementName() string { return e.Name }
func (e VoltageSource) Terminals() []string { return []string{e.P, e.N} }

func (e VoltageSource) stamp(s *stamper) error {
	if math.IsNaN(e.V) || math.IsInf(e.V, 0) {
		return s.bad(e.Name, "voltage %g V must be finite", e.V)
	}
	p, n := s.node(e.P), s.node(e.N)
	b := s.addBranch(e.Name, firstNode(p, n), firstNode(p, n))
	s.branchTwo(b, p, n)
	s.constraint(b, p, 1)
	s.constraint(b, n, -1)
	k := s.addInput(e.Name, e.V)
	s.cinj = append(s.cinj, entry{b, k, 1})
	return nil
}

// VCCS is a voltage-controlled current source (SPICE G element): a current
// Gm·(V(CP) − V(CN)) flows from P through the source to N. Gm (siemens) may
// have either sign and the coupling is not reciprocal, so a VCCS makes the
// drift non-symmetric. With NoiseFactor γ > 0 it carries white current noise
// across P–N with one-sided PSD γ·4kT·|Gm| (the excess-noise factor of a
// transconductor; γ = 2/3 for a long-channel MOSFET in saturation); the zero
// value is an ideal, noiseless VCCS. That noise is thermal noise: it follows
// [Circuit.Temperature] and [Circuit.NoThermalNoise].
type VCCS struct {
	Name         string
	P, N, CP, CN string
	Gm           float64 // transconductance in siemens
	NoiseFactor  float64 // excess-noise factor γ ≥ 0 (0: noiseless)
}

func (e VCCS) ElementName() string { return e.Name }
func (e VCCS) Terminals() []string { return []string{e.P, e.N, e.CP, e.CN} }

func (e VCCS) stamp(s *stamper) error {
	if math.IsNaN(e.Gm) || math.IsInf(e.Gm, 0) {
		return s.bad(e.Name, "transconductance %g S must be finite", e.Gm)
	}
	if !(e.NoiseFactor >= 0) || math.IsInf(e.NoiseFactor, 0) {
		return s.bad(e.Name, "noise factor %g must be non-negative and finite", e.NoiseFactor)
	}
	p, n, cp, cn := s.node(e.P), s.node(e.N), s.node(e.CP), s.node(e.CN)
	for _, o := range [2]struct {
		row  int
		sign float64
	}{{p, 1}, {n, -1}} {
		if o.row < 0 {
			continue
		}
		if cp >= 0 {
			s.g[o.row*s.n+cp] += o.sign * e.Gm
		}
		if cn >= 0 {
			s.g[o.row*s.n+cn] -= o.sign * e.Gm
		}
	}
	if s.thermal && e.NoiseFactor > 0 {
		stampPair(s.noise, s.n, p, n, Intensity(e.NoiseFactor*JohnsonPSD(math.Abs(e.Gm), s.temperature)))
	}
	return nil
}

// VCVS is a voltage-controlled voltage source (SPICE E element):
// V(P) − V(N) = Gain·(V(CP) − V(CN)), with its branch current flowing from P
// through the source to N. A finite-gain op-amp is a VCVS with P the output,
// N ground, CP the non-inverting and CN the inverting input.
type VCVS struct {
	Name         string
	P, N, CP, CN string
	Gain         float64 // dimensionless voltage gain
}

func (e VCVS) ElementName() string { return e.Name }
func (e VCVS) Terminals() []string { return []string{e.P, e.N, e.CP, e.CN} }

func (e VCVS) stamp(s *stamper) error {
	if math.IsNaN(e.Gain) || math.IsInf(e.Gain, 0) {
		return s.bad(e.Name, "gain %g must be finite", e.Gain)
	}
	p, n, cp, cn := s.node(e.P), s.node(e.N), s.node(e.CP), s.node(e.CN)
	b := s.addBranch(e.Name, firstNode(p, n), firstNode(p, n))
	s.branchTwo(b, p, n)
	s.constraint(b, p, 1)
	s.constraint(b, n, -1)
	s.constraint(b, cp, -e.Gain)
	s.constraint(b, cn, e.Gain)
	return nil
}

// Nullor is an ideal operational amplifier (infinite gain, bandwidth and
// input impedance, zero output impedance): its inputs are held at equal
// voltage, V(InP) = V(InN), draw no current, and its output Out sources
// whatever current that takes (returned through ground). With InP grounded,
// InN is a virtual ground. Out must not be ground.
type Nullor struct {
	Name     string
	InP, InN string
	Out      string
}

func (e Nullor) ElementName() string { return e.Name }
func (e Nullor) Terminals() []string { return []string{e.InP, e.InN, e.Out} }

func (e Nullor) stamp(s *stamper) error {
	ip, in, out := s.node(e.InP), s.node(e.InN), s.node(e.Out)
	if out < 0 {
		return s.bad(e.Name, "output must not be ground")
	}
	if ip == in {
		return s.bad(e.Name, "inputs are the same node")
	}
	b := s.addBranch(e.Name, firstNode(in, ip), out)
	s.bj = append(s.bj, entry{out, b, 1})
	s.constraint(b, ip, 1)
	s.constraint(b, in, -1)
	return nil
}

// Integrator is an ideal op-amp inverting integrator cell: a [Nullor] whose
// non-inverting input is grounded, so that In is a virtual ground
// (V(In) = 0), and a feedback capacitor of C farads from In to Out. The
// output voltage V(Out) is the cell's state: Kirchhoff's law at In gives
// C·dV(Out)/dt = −(sum of the currents that the other elements push into
// In). Resistors from sources to In are its inputs, a resistor from Out back
// to In makes it a leaky (damped) integrator. In and Out must be distinct,
// non-ground nodes and C positive and finite.
type Integrator struct {
	Name    string
	In, Out string
	C       float64 // feedback capacitance in farads, > 0
}

func (e Integrator) ElementName() string { return e.Name }
func (e Integrator) Terminals() []string { return []string{e.In, e.Out} }

func (e Integrator) stamp(s *stamper) error {
	if !(e.C > 0) || math.IsInf(e.C, 0) {
		return s.bad(e.Name, "feedback capacitance %g F must be positive and finite", e.C)
	}
	in, out := s.node(e.In), s.node(e.Out)
	if in < 0 || out < 0 {
		return s.bad(e.Name, "input and output must not be ground")
	}
	if in == out {
		return s.bad(e.Name, "input and output are the same node")
	}
	stampPair(s.c, s.n, in, out, e.C)
	b := s.addBranch(e.Name, in, out)
	s.bj = append(s.bj, entry{out, b, 1})
	s.constraint(b, in, 1)
	return nil
}

// NoiseCurrent is a white current-noise source between P and N with
// one-sided power spectral density PSD in A²/Hz (SDE intensity PSD/2, see
// [Intensity]). It is an injected noise source: [Circuit.NoInjectedNoise]
// switches it off, the temperature does not affect it. PSD must be
// non-negative and finite.
type NoiseCurrent struct {
	Name string
	P, N string
	PSD  float64 // one-sided PSD in A²/Hz, ≥ 0
}

func (e NoiseCurrent) ElementName() string { return e.Name }
func (e NoiseCurrent) Terminals() []string { return []string{e.P, e.N} }

func (e NoiseCurrent) stamp(s *stamper) error {
	if !(e.PSD >= 0) || math.IsInf(e.PSD, 0) {
		return s.bad(e.Name, "noise PSD %g A²/Hz must be non-negative and finite", e.PSD)
	}
	if s.injected {
		stampPair(s.noise, s.n, s.node(e.P), s.node(e.N), Intensity(e.PSD))
	}
	return nil
}

// Circuit is a list of elements on named nodes, the input of [Circuit.MNA]
// and [Circuit.Assemble]. The zero value is an empty circuit at
// [DefaultTemperature] with all noise on. A Circuit is not safe for
// concurrent mutation.
type Circuit struct {
	// Temperature of every resistor and transconductor, in kelvin; zero
	// means DefaultTemperature (300.15 K).
	Temperature float64
	// NoThermalNoise switches off the Johnson–Nyquist noise of every
	// resistor and the excess noise of every VCCS.
	NoThermalNoise bool
	// NoInjectedNoise switches off every NoiseCurrent source.
	NoInjectedNoise bool

	elements []Element
}

// Add appends elements to the circuit, in order; element order fixes the
// order of nodes (by first appearance), inputs and branches in the assembled
// matrices. Values are checked by [Circuit.MNA] and [Circuit.Assemble], not
// here. Add panics if an element is nil.
func (c *Circuit) Add(elements ...Element) {
	for _, e := range elements {
		if e == nil {
			panic("circuit: Add: nil element")
		}
		c.elements = append(c.elements, e)
	}
}

// Elements returns the circuit's elements in the order they were added. The
// slice is a copy; the elements are values.
func (c *Circuit) Elements() []Element { return append([]Element(nil), c.elements...) }

// Len returns the number of elements.
func (c *Circuit) Len() int { return len(c.elements) }

// Nodes returns the names of the non-ground nodes in order of first
// appearance among the elements' terminals. This is the node order of
// [MNA] and of [Model.Nodes].
func (c *Circuit) Nodes() []string {
	names, _ := c.nodeIndex()
	return names
}

func (c *Circuit) nodeIndex() ([]string, map[string]int) {
	idx := make(map[string]int)
	var names []string
	for _, e := range c.elements {
		for _, t := range e.Terminals() {
			if IsGround(t) {
				continue
			}
			if _, ok := idx[t]; !ok {
				idx[t] = len(names)
				names = append(names, t)
			}
		}
	}
	return names, idx
}

// temperature returns the effective temperature in kelvin.
func (c *Circuit) temperature() float64 {
	if c.Temperature == 0 {
		return DefaultTemperature
	}
	return c.Temperature
}

// entry is one non-zero of a sparse stamp: row, column, value.
type entry struct {
	i, j int
	v    float64
}

// stamper accumulates the node-space stamps of a circuit. Node indices are
// 0-based over the non-ground nodes; ground is −1 and is skipped.
type stamper struct {
	n           int
	idx         map[string]int
	temperature float64
	thermal     bool
	injected    bool

	c, g, noise []float64 // n×n row-major

	inputs []string
	values []float64
	inj    []entry // current injection: node, input, value (KCL right-hand side)

	branches []string
	pivV     []int   // preferred node to eliminate with each constraint
	pivI     []int   // preferred KCL row to solve for each branch current
	bj       []entry // branch current incidence: node, branch, value
	kc       []entry // constraint rows: branch, node, value
	cinj     []entry // constraint right-hand side: branch, input, value
}

func (s *stamper) node(name string) int {
	if IsGround(name) {
		return -1
	}
	return s.idx[name]
}

func (s *stamper) bad(name, format string, args ...any) error {
	return &ElementError{Element: name, Err: ErrInvalid, Detail: fmt.Sprintf(format, args...)}
}

func (s *stamper) addInput(name string, v float64) int {
	s.inputs = append(s.inputs, name)
	s.values = append(s.values, v)
	return len(s.inputs) - 1
}

func (s *stamper) addBranch(name string, pivV, pivI int) int {
	s.branches = append(s.branches, name)
	s.pivV = append(s.pivV, pivV)
	s.pivI = append(s.pivI, pivI)
	return len(s.branches) - 1
}

// branchTwo stamps a branch current leaving p and entering n.
func (s *stamper) branchTwo(b, p, n int) {
	if p >= 0 {
		s.bj = append(s.bj, entry{p, b, 1})
	}
	if n >= 0 {
		s.bj = append(s.bj, entry{n, b, -1})
	}
}

func (s *stamper) constraint(b, node int, v float64) {
	if node >= 0 && v != 0 {
		s.kc = append(s.kc, entry{b, node, v})
	}
}

// stampPair adds the two-terminal pattern v·(e_p − e_n)(e_p − e_n)ᵀ to the
// n×n row-major m, skipping ground (−1).
func stampPair(m []float64, n, p, q int, v float64) {
	if p >= 0 {
		m[p*n+p] += v
	}
	if q >= 0 {
		m[q*n+q] += v
	}
	if p >= 0 && q >= 0 {
		m[p*n+q] -= v
		m[q*n+p] -= v
	}
}

func firstNode(a, b int) int {
	if a >= 0 {
		return a
	}
	return b
}
