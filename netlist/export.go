package netlist

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/tngd/tngd/circuit"
)

// DefaultOpAmpGain is the gain of the VCVS that stands for an ideal op-amp
// ([circuit.Nullor], [circuit.Integrator]) in an exported netlist, since
// SPICE has no infinite-gain element: 1e9 moves the time constants of an
// integrator cell by about 1e-9 relative, far below what a comparison with
// ngspice resolves, and is still well conditioned in ngspice's solver.
const DefaultOpAmpGain = 1e9

// ExportOptions tune [Export]. A nil *ExportOptions means the zero value.
type ExportOptions struct {
	// Title is the first line of the deck; empty means "tngd circuit".
	Title string
	// NoiseStep is the sample interval NT of the TRNOISE sources, in
	// seconds. Zero means τ_min/10, with τ_min = 1/max|λ(A)| the fastest
	// time constant of the assembled circuit (see [TRNoise] for what NT
	// does to the noise).
	NoiseStep float64
	// OpAmpGain is the gain of the VCVS written for each ideal op-amp; zero
	// means [DefaultOpAmpGain].
	OpAmpGain float64
}

// Export writes circuit c as a deck that ngspice simulates as the same
// circuit, and that [Build] reads back into the same assembled model (up to
// the finite gain of ideal op-amps and rounding of the noise amplitudes at
// 1e-15):
//
//   - Resistor, Capacitor, CurrentSource, VoltageSource, VCCS, VCVS: the
//     R, C, I, V, G and E cards;
//   - the Johnson noise of each noisy resistor (4kT/R at the circuit's
//     temperature) and the excess noise of each VCCS with a noise factor
//     γ (γ·4kT·|Gm|) as a current source "DC 0 TRNOISE(NA NT 0 0)" across
//     the element, NA = √(2kT/(R·NT)) (see [JohnsonTRNoise]), unless the
//     circuit has NoThermalNoise;
//   - each NoiseCurrent of PSD S as "DC 0 TRNOISE(√(S/(2NT)) NT 0 0)",
//     unless the circuit has NoInjectedNoise;
//   - a Nullor as a VCVS "E Out 0 InP InN gain", an Integrator as its
//     feedback capacitor from In to Out and a VCVS "E Out 0 0 In gain",
//     with gain opt.OpAmpGain;
//   - a .temp card with the circuit's temperature.
//
// Names are kept when they are valid SPICE fields (and, for elements,
// start with their card's letter); otherwise invalid characters become
// '_', elements get their card's letter and "_" in front, and clashes
// (SPICE names are case-insensitive) get a suffix "_2", "_3", …. The
// returned map takes each circuit node name to its name in the deck.
// The deck has no .tran, .ic or control block: set n.Tran and n.ICs, and
// use [WriteOptions], before [Write].
//
// It returns the error of c.Assemble when NT must be derived and the
// circuit does not assemble, and an error wrapping [ErrInvalid] for an
// element type it cannot write or a circuit with noise but no dynamic
// node (no τ_min). It panics if c is nil.
func Export(c *circuit.Circuit, opt *ExportOptions) (*Netlist, map[string]string, error) {
	if opt == nil {
		opt = &ExportOptions{}
	}
	gain := opt.OpAmpGain
	if gain == 0 {
		gain = DefaultOpAmpGain
	}
	temp := c.Temperature
	if temp == 0 {
		temp = circuit.DefaultTemperature
	}
	title := opt.Title
	if title == "" {
		title = "tngd circuit"
	}
	n := &Netlist{Title: title, Temp: temp - 273.15, HasTemp: true}
	nm := newNamer()
	nodes := make(map[string]string)
	node := func(s string) string {
		if circuit.IsGround(s) {
			return "0"
		}
		if out, ok := nodes[s]; ok {
			return out
		}
		out := nm.unique(sanitize(s), true)
		nodes[s] = out
		return out
	}
	// Nodes are named in the circuit's order, so that first appearance
	// decides clashes the same way every time.
	for _, s := range c.Nodes() {
		node(s)
	}
	var nt float64
	noiseStep := func() (float64, error) {
		if nt > 0 {
			return nt, nil
		}
		if opt.NoiseStep > 0 {
			nt = opt.NoiseStep
			return nt, nil
		}
		tmin, err := fastestTimeConstant(c)
		if err != nil {
			return 0, err
		}
		nt = tmin / 10
		return nt, nil
	}
	elem := func(k Kind, name string) string {
		s := sanitize(name)
		if lowerASCII(s[:1]) != lowerASCII(k.letter()) {
			s = k.letter() + "_" + s
		}
		return nm.unique(s, false)
	}
	// noise appends a TRNOISE current source named after name.
	noise := func(name, p, q string, psd float64) error {
		if !(psd > 0) {
			return nil
		}
		step, err := noiseStep()
		if err != nil {
			return err
		}
		n.Elements = append(n.Elements, Element{Kind: CurrentSource, Name: elem(CurrentSource, name),
			Plus: node(p), Minus: node(q), Noise: TRNoiseForPSD(psd, step)})
		return nil
	}
	thermal := !c.NoThermalNoise
	for _, ce := range c.Elements() {
		var err error
		switch e := ce.(type) {
		case circuit.Resistor:
			n.Elements = append(n.Elements, Element{Kind: Resistor, Name: elem(Resistor, e.Name), Plus: node(e.P), Minus: node(e.N), Value: e.R})
			if thermal && !e.Noiseless && e.R > 0 {
				err = noise("Inoise_"+e.Name, e.P, e.N, circuit.JohnsonPSD(1/e.R, temp))
			}
		case circuit.Capacitor:
			n.Elements = append(n.Elements, Element{Kind: Capacitor, Name: elem(Capacitor, e.Name), Plus: node(e.P), Minus: node(e.N), Value: e.C})
		case circuit.CurrentSource:
			n.Elements = append(n.Elements, Element{Kind: CurrentSource, Name: elem(CurrentSource, e.Name), Plus: node(e.P), Minus: node(e.N), Value: e.I})
		case circuit.VoltageSource:
			n.Elements = append(n.Elements, Element{Kind: VoltageSource, Name: elem(VoltageSource, e.Name), Plus: node(e.P), Minus: node(e.N), Value: e.V})
		case circuit.VCCS:
			n.Elements = append(n.Elements, Element{Kind: VCCS, Name: elem(VCCS, e.Name), Plus: node(e.P), Minus: node(e.N),
				CtrlPlus: node(e.CP), CtrlMinus: node(e.CN), Value: e.Gm})
			if thermal && e.NoiseFactor > 0 {
				err = noise("Inoise_"+e.Name, e.P, e.N, e.NoiseFactor*circuit.JohnsonPSD(math.Abs(e.Gm), temp))
			}
		case circuit.VCVS:
			n.Elements = append(n.Elements, Element{Kind: VCVS, Name: elem(VCVS, e.Name), Plus: node(e.P), Minus: node(e.N),
				CtrlPlus: node(e.CP), CtrlMinus: node(e.CN), Value: e.Gain})
		case circuit.Nullor:
			n.Elements = append(n.Elements, Element{Kind: VCVS, Name: elem(VCVS, e.Name), Plus: node(e.Out), Minus: "0",
				CtrlPlus: node(e.InP), CtrlMinus: node(e.InN), Value: gain})
		case circuit.Integrator:
			n.Elements = append(n.Elements,
				Element{Kind: Capacitor, Name: elem(Capacitor, e.Name), Plus: node(e.In), Minus: node(e.Out), Value: e.C},
				Element{Kind: VCVS, Name: elem(VCVS, e.Name), Plus: node(e.Out), Minus: "0", CtrlPlus: "0", CtrlMinus: node(e.In), Value: gain})
		case circuit.NoiseCurrent:
			if !c.NoInjectedNoise {
				err = noise(e.Name, e.P, e.N, e.PSD)
			}
		default:
			err = fmt.Errorf("%w: element %s of type %T cannot be written as SPICE", ErrInvalid, ce.ElementName(), ce)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return n, nodes, nil
}

// fastestTimeConstant returns 1/max|λ(A)| of c's assembled drift, in
// seconds.
func fastestTimeConstant(c *circuit.Circuit) (float64, error) {
	m, err := c.Assemble()
	if err != nil {
		return 0, fmt.Errorf("netlist: choosing the TRNOISE step: %w", err)
	}
	if m.Dim() == 0 {
		return 0, fmt.Errorf("%w: the circuit has noise but no capacitive node: set ExportOptions.NoiseStep", ErrInvalid)
	}
	var eig mat.Eigen
	if !eig.Factorize(m.Drift(), mat.EigenNone) {
		return 0, fmt.Errorf("%w: eigenvalues of the drift did not converge: set ExportOptions.NoiseStep", ErrInvalid)
	}
	fast := 0.0
	for _, l := range eig.Values(nil) {
		fast = math.Max(fast, math.Hypot(real(l), imag(l)))
	}
	return 1 / fast, nil
}

// sanitize turns s into a valid SPICE field: invalid bytes become '_'.
func sanitize(s string) string {
	if s == "" {
		return "_"
	}
	b := []byte(s)
	for i, c := range b {
		if isBlank(c) || c == '\n' || c == '(' || c == ')' || c == '=' || c == ';' || c < ' ' || c == 0x7f {
			b[i] = '_'
		}
	}
	if b[0] == '$' {
		b[0] = '_'
	}
	return string(b)
}

// namer hands out names unique up to ASCII case, separately for nodes and
// elements.
type namer struct {
	used map[string]bool // "n:" or "e:" + lower-case name
}

func newNamer() *namer { return &namer{used: make(map[string]bool)} }

func (m *namer) unique(s string, isNode bool) string {
	prefix := "e:"
	if isNode {
		prefix = "n:"
	}
	out := s
	for k := 2; m.used[prefix+lowerASCII(out)]; k++ {
		out = s + "_" + strconv.Itoa(k)
	}
	m.used[prefix+lowerASCII(out)] = true
	return out
}
