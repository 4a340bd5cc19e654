package netlist

import (
	"github.com/tngd/tngd/circuit"
	"gonum.org/v1/gonum/mat"
)

// assembleModel returns the model of [Assemble] for callers that need no
// circuit.Circuit ([Simulate]): the common deck of resistors, capacitors
// and current sources (with TRNOISE) is stamped straight from its cards
// (assembleDirect); any other deck, and any deck that the direct path
// cannot assemble, goes through Assemble, which gives the verdict and
// positions its errors.
func assembleModel(n *Netlist, opt *BuildOptions) (*circuit.Model, error) {
	if m := assembleDirect(n, opt); m != nil {
		return m, nil
	}
	m, _, err := Assemble(n, opt)
	return m, err
}

// assembleDirect stamps a valid deck made only of R (positive), C and I
// cards as [Build] and [circuit.Circuit.MNA] would (the same elements in the
// same order, so the same numbers) and reduces the stamps with
// [circuit.MNA.Assemble]: the same model as Assemble, without an element
// value per card, interface calls or a name map per element. It returns
// nil when the deck is outside that subset, not shown valid by
// quickValid, or not assemblable (the caller then runs Assemble).
func assembleDirect(n *Netlist, opt *BuildOptions) *circuit.Model {
	if opt == nil {
		opt = &BuildOptions{}
	}
	for i := range n.Elements {
		e := &n.Elements[i]
		switch {
		case e.Kind == Resistor && e.Value > 0, e.Kind == Capacitor && e.Value >= 0, e.Kind == CurrentSource:
		default:
			return nil
		}
	}
	if !n.quickValid() {
		return nil
	}
	// Node indices of each card's terminals (−1: ground), nodes by first
	// appearance (the order of circuit.Circuit.Nodes), inputs in card order.
	term := make([]int32, 2*len(n.Elements))
	idx := make(map[string]int32)
	var nodes, inputs []string
	var values []float64
	var last [2]string
	var lastI [2]int32
	node := func(s string) int32 {
		switch {
		case s == last[0]:
			return lastI[0]
		case s == last[1]:
			return lastI[1]
		}
		k := int32(-1)
		if !IsGround(s) {
			var ok bool
			if k, ok = idx[s]; !ok {
				k = int32(len(nodes))
				idx[s] = k
				nodes = append(nodes, s)
			}
		}
		last[1], lastI[1] = last[0], lastI[0]
		last[0], lastI[0] = s, k
		return k
	}
	for i := range n.Elements {
		e := &n.Elements[i]
		term[2*i], term[2*i+1] = node(e.Plus), node(e.Minus)
		if e.Kind == CurrentSource && isInput(e) {
			inputs = append(inputs, e.Name)
			values = append(values, e.Value)
		}
	}
	nn, nu := len(nodes), len(inputs)
	if nn == 0 {
		return nil
	}
	temp := n.Kelvin()
	if temp == 0 {
		temp = circuit.DefaultTemperature // as circuit.Circuit reads a zero Temperature
	}
	c := make([]float64, nn*nn)
	g := make([]float64, nn*nn)
	noise := make([]float64, nn*nn)
	inj := make([]float64, nn*nu)
	k := 0
	for i := range n.Elements {
		e := &n.Elements[i]
		p, q := int(term[2*i]), int(term[2*i+1])
		switch e.Kind {
		case Resistor:
			gv := 1 / e.Value
			stampPair(g, nn, p, q, gv)
			if opt.Johnson {
				stampPair(noise, nn, p, q, circuit.Intensity(circuit.JohnsonPSD(gv, temp)))
			}
		case Capacitor:
			stampPair(c, nn, p, q, e.Value)
		case CurrentSource:
			if isInput(e) {
				if p >= 0 {
					inj[p*nu+k] += -1
				}
				if q >= 0 {
					inj[q*nu+k] += +1
				}
				k++
			}
			if !e.Noise.IsZero() {
				stampPair(noise, nn, p, q, circuit.Intensity(e.Noise.PSD()))
			}
		}
	}
	st := &circuit.MNA{
		Nodes:       nodes,
		Inputs:      inputs,
		InputValues: values,
		Capacitance: mat.NewSymDense(nn, c),
		Conductance: mat.NewDense(nn, nn, g),
		Noise:       mat.NewSymDense(nn, noise),
		Temperature: temp,
	}
	if nu > 0 {
		st.Injection = mat.NewDense(nn, nu, inj)
	}
	m, err := st.Assemble()
	if err != nil {
		return nil
	}
	return m
}

// stampPair adds v·(e_p − e_q)(e_p − e_q)ᵀ to the n×n row-major m,
// skipping ground (−1), in the order of the circuit package's stamps.
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

// isInput reports whether the current source e is an input of the circuit
// [Build] makes: without TRNOISE, or with a non-zero DC value beside it.
func isInput(e *Element) bool { return e.Noise.IsZero() || e.Value != 0 }
