package netlist

import (
	"fmt"
	"math"
)

// Netlist is a SPICE deck: the circuit as a list of elements on named nodes,
// plus the analysis cards tngd understands. The zero value is an empty deck.
//
// Node names are canonical: the reader maps every spelling of a node to the
// first one it saw (SPICE names are case-insensitive) and every ground alias
// to "0", so two elements share a node exactly when their strings are equal.
type Netlist struct {
	// Title is the first line of the file (SPICE convention), trimmed.
	Title string
	// Elements in file order.
	Elements []Element
	// ICs holds the .ic cards' node voltages in file order.
	ICs []InitialCondition
	// Tran is the .tran card; nil when there is none.
	Tran *Tran
	// Temp is the .temp card in degrees Celsius, as SPICE writes it;
	// meaningful only when HasTemp is set. See [Netlist.Kelvin].
	Temp    float64
	HasTemp bool
	// Notes are what the reader skipped or assumed (unsupported dot-cards,
	// .control blocks, sources without a value). The writer ignores them.
	Notes []Note
}

// DefaultTemp is ngspice's circuit temperature without a .temp card, 27 °C,
// in kelvin.
const DefaultTemp = 300.15

// Kelvin returns the circuit temperature in K: Temp + 273.15, or
// [DefaultTemp] without a .temp card.
func (n *Netlist) Kelvin() float64 {
	if !n.HasTemp {
		return DefaultTemp
	}
	return n.Temp + 273.15
}

// Kind is the type of an element, the first letter of its name in SPICE.
type Kind byte

// The element kinds of the SPICE subset.
const (
	Resistor      Kind = 'R' // R name n+ n- ohms
	Capacitor     Kind = 'C' // C name n+ n- farads [IC=volts]
	CurrentSource Kind = 'I' // I name n+ n- [DC] amps [TRNOISE(NA NT 0 0)]
	VoltageSource Kind = 'V' // V name n+ n- [DC] volts
	VCCS          Kind = 'G' // G name n+ n- nc+ nc- siemens
	VCVS          Kind = 'E' // E name n+ n- nc+ nc- gain
)

// String returns the kind's name, such as "resistor".
func (k Kind) String() string {
	switch k {
	case Resistor:
		return "resistor"
	case Capacitor:
		return "capacitor"
	case CurrentSource:
		return "current source"
	case VoltageSource:
		return "voltage source"
	case VCCS:
		return "VCCS"
	case VCVS:
		return "VCVS"
	}
	return fmt.Sprintf("Kind(%q)", byte(k))
}

// known reports whether k is one of the kinds above.
func (k Kind) known() bool {
	switch k {
	case Resistor, Capacitor, CurrentSource, VoltageSource, VCCS, VCVS:
		return true
	}
	return false
}

// Element is one element card. Which fields are used depends on Kind.
//
// SPICE sign conventions hold: a current source of value I drives I amperes
// from Plus through the source to Minus (it draws I out of node Plus and
// pushes it into node Minus); a VCCS drives Value·(V(CtrlPlus) − V(CtrlMinus))
// the same way; a voltage source and a VCVS hold V(Plus) − V(Minus) at Value,
// respectively Value·(V(CtrlPlus) − V(CtrlMinus)).
type Element struct {
	Kind Kind
	// Name is the element's name as written, type letter included ("R1").
	Name string
	// Plus and Minus are the nodes n+ and n−.
	Plus, Minus string
	// CtrlPlus and CtrlMinus are the controlling nodes of a VCCS or VCVS;
	// empty for other kinds.
	CtrlPlus, CtrlMinus string
	// Value is the resistance in Ω, capacitance in F, DC current in A, DC
	// voltage in V, transconductance in S or voltage gain in V/V.
	Value float64
	// IC is a capacitor's initial voltage V(Plus) − V(Minus) in volts, used
	// with .tran … uic; meaningful only when HasIC is set.
	IC    float64
	HasIC bool
	// Noise is the TRNOISE white noise of a current source; the zero value
	// means none.
	Noise TRNoise
	// At is where the card starts in the source; zero for elements that were
	// not read from a file.
	At Position
}

// InitialCondition is one node voltage of a .ic card: V(Node) = Volts.
type InitialCondition struct {
	Node  string
	Volts float64
	At    Position
}

// Tran is a .tran card: .tran TSTEP TSTOP [TSTART [TMAX]] [uic].
// All times are in seconds.
type Tran struct {
	// Step is the output grid spacing TSTEP (> 0).
	Step float64
	// Stop is the final time TSTOP (> 0).
	Stop float64
	// Start is TSTART, the time of the first output point (the analysis
	// still starts at 0); 0 when not given.
	Start float64
	// MaxStep is TMAX, ngspice's largest internal step; 0 when not given.
	MaxStep float64
	// UIC is set by the uic keyword: start from the initial conditions
	// instead of the DC operating point.
	UIC bool
	At  Position
}

// Points returns the number of points of the output grid TSTART,
// TSTART + TSTEP, …, up to TSTOP inclusive: ⌊(Stop − Start)/Step⌋ + 1, where
// a ratio within 1e-9 (relative) of an integer counts as that integer, so
// that .tran 1u 100u has 101 points and .tran 0.1 1 has 11. This is the grid
// of ngspice's linearize, except that ngspice may add one point past TSTOP
// when TSTOP − TSTART is not a multiple of TSTEP. It panics if t is nil.
func (t *Tran) Points() int {
	r := (t.Stop - t.Start) / t.Step
	n := math.Round(r)
	if math.Abs(r-n) <= 1e-9*math.Max(1, r) {
		return int(n) + 1
	}
	return int(math.Floor(r)) + 1
}

// Time returns the time of grid point i, Start + i·Step, in seconds,
// clamped to Stop so that rounding never carries the last point past the
// end.
func (t *Tran) Time(i int) float64 {
	return math.Min(t.Start+float64(i)*t.Step, t.Stop)
}

// Position is a place in a source file; Line and Col count from 1, Col in
// bytes.
type Position struct {
	File      string
	Line, Col int
}

// String returns "file:line:col", or "line:col" when File is empty.
func (p Position) String() string {
	if p.File == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Note is something the reader skipped or assumed, with where it happened.
type Note struct {
	At  Position
	Msg string
}

// String returns "file:line:col: msg".
func (n Note) String() string { return n.At.String() + ": " + n.Msg }

// IsGround reports whether a node name denotes ground: "0" or "gnd" in any
// case.
func IsGround(node string) bool {
	return node == "0" || (len(node) == 3 && lowerASCII(node) == "gnd")
}

// Nodes returns the non-ground nodes of n in order of first appearance in
// the elements (n+, n−, then controlling nodes of each element). It returns
// nil for a deck without nodes.
func (n *Netlist) Nodes() []string {
	var nodes []string
	seen := make(map[string]bool)
	add := func(s string) {
		if s == "" || IsGround(s) || seen[s] {
			return
		}
		seen[s] = true
		nodes = append(nodes, s)
	}
	for i := range n.Elements {
		e := &n.Elements[i]
		add(e.Plus)
		add(e.Minus)
		add(e.CtrlPlus)
		add(e.CtrlMinus)
	}
	return nodes
}

// lowerASCII lowers ASCII letters only, leaving other bytes (including
// invalid UTF-8) unchanged, so that it is a total function on byte strings.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
