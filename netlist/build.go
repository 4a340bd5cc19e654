package netlist

import (
	"errors"
	"fmt"

	"github.com/tngd/tngd/circuit"
)

// BuildOptions tune [Build] and [Assemble]. A nil *BuildOptions means the
// zero value: the deck means what it means to ngspice.
type BuildOptions struct {
	// Johnson adds Johnson–Nyquist noise (4kT/R at the deck's temperature)
	// to every resistor. ngspice has no resistor noise in a transient
	// analysis, so by default resistors are noiseless and a deck carries
	// its noise as explicit TRNOISE sources, as [Export] writes it; set
	// Johnson for hand-written decks that have none.
	Johnson bool
}

// noiseSuffix names the noise part of a current source that has both a DC
// value and TRNOISE; it cannot collide with a SPICE name, which never
// contains parentheses.
const noiseSuffix = "(trnoise)"

// Build returns the circuit described by n, element for element, in order,
// at the deck's temperature ([Netlist.Kelvin]):
//
//   - R: a [circuit.Resistor], noiseless unless opt.Johnson; a negative
//     resistance becomes the equivalent [circuit.VCCS] of transconductance
//     1/R controlled by its own terminals (the engine's resistors are
//     passive);
//   - C: a [circuit.Capacitor] (IC= is not part of the circuit: see
//     [InitialNodeVoltages]);
//   - I: a [circuit.CurrentSource] of the DC value, and for TRNOISE a
//     [circuit.NoiseCurrent] of one-sided PSD 2·NA²·NT ([TRNoise.PSD])
//     between the same nodes, named after the source with the suffix
//     "(trnoise)". A source with TRNOISE and a DC value of exactly 0 is the
//     noise current alone, under the source's own name, and is no input of
//     the model;
//   - V, G, E: [circuit.VoltageSource], [circuit.VCCS], [circuit.VCVS].
//
// .tran, .ic and IC= are analysis data, not circuit elements; they are left
// to the caller. Values are checked when the circuit is assembled (see
// [Assemble], which positions the errors). Build returns an error wrapping
// [ErrInvalid] if n does not pass [Netlist.Validate]. It panics if n is nil.
func Build(n *Netlist, opt *BuildOptions) (*circuit.Circuit, error) {
	if opt == nil {
		opt = &BuildOptions{}
	}
	if err := n.validate(); err != nil {
		return nil, err
	}
	c := &circuit.Circuit{Temperature: n.Kelvin()}
	for i := range n.Elements {
		e := &n.Elements[i]
		switch e.Kind {
		case Resistor:
			if e.Value < 0 {
				c.Add(circuit.VCCS{Name: e.Name, P: e.Plus, N: e.Minus, CP: e.Plus, CN: e.Minus, Gm: 1 / e.Value})
				continue
			}
			c.Add(circuit.Resistor{Name: e.Name, P: e.Plus, N: e.Minus, R: e.Value, Noiseless: !opt.Johnson})
		case Capacitor:
			c.Add(circuit.Capacitor{Name: e.Name, P: e.Plus, N: e.Minus, C: e.Value})
		case CurrentSource:
			if e.Noise.IsZero() {
				c.Add(circuit.CurrentSource{Name: e.Name, P: e.Plus, N: e.Minus, I: e.Value})
				continue
			}
			name := e.Name
			if e.Value != 0 {
				c.Add(circuit.CurrentSource{Name: e.Name, P: e.Plus, N: e.Minus, I: e.Value})
				name += noiseSuffix
			}
			c.Add(circuit.NoiseCurrent{Name: name, P: e.Plus, N: e.Minus, PSD: e.Noise.PSD()})
		case VoltageSource:
			c.Add(circuit.VoltageSource{Name: e.Name, P: e.Plus, N: e.Minus, V: e.Value})
		case VCCS:
			c.Add(circuit.VCCS{Name: e.Name, P: e.Plus, N: e.Minus, CP: e.CtrlPlus, CN: e.CtrlMinus, Gm: e.Value})
		case VCVS:
			c.Add(circuit.VCVS{Name: e.Name, P: e.Plus, N: e.Minus, CP: e.CtrlPlus, CN: e.CtrlMinus, Gain: e.Value})
		}
	}
	return c, nil
}

// Assemble builds n ([Build]) and reduces it to its stochastic state-space
// model ([circuit.Circuit.Assemble]). An error of the engine that names an
// element or a node of n is returned as a *[CircuitError] carrying the
// position of that element's card (of the first card that uses the node),
// still wrapping the engine's error: errors.Is(err, circuit.ErrSingular)
// and errors.As(err, new(*circuit.NodeError)) work.
func Assemble(n *Netlist, opt *BuildOptions) (*circuit.Model, *circuit.Circuit, error) {
	c, err := Build(n, opt)
	if err != nil {
		return nil, nil, err
	}
	m, err := c.Assemble()
	if err != nil {
		return nil, nil, n.locate(err)
	}
	return m, c, nil
}

// CircuitError is an error of the circuit engine placed at the card it
// concerns.
type CircuitError struct {
	At  Position
	Err error // the engine's error
}

// Error returns "file:line:col: " followed by the engine's message.
func (e *CircuitError) Error() string { return e.At.String() + ": " + e.Err.Error() }

// Unwrap returns the engine's error.
func (e *CircuitError) Unwrap() error { return e.Err }

// locate wraps err in a CircuitError when it names an element or node of n
// that has a position.
func (n *Netlist) locate(err error) error {
	var at Position
	var ee *circuit.ElementError
	var ne *circuit.NodeError
	var ue *circuit.UnstableError
	switch {
	case errors.As(err, &ee):
		at = n.elementAt(ee.Element)
	case errors.As(err, &ne):
		at = n.nodeAt(ne.Node)
	case errors.As(err, &ue):
		at = n.nodeAt(ue.Node)
	}
	if at.Line == 0 {
		return err
	}
	return &CircuitError{At: at, Err: err}
}

func (n *Netlist) elementAt(name string) Position {
	if len(name) > len(noiseSuffix) && name[len(name)-len(noiseSuffix):] == noiseSuffix {
		name = name[:len(name)-len(noiseSuffix)]
	}
	for i := range n.Elements {
		if n.Elements[i].Name == name {
			return n.Elements[i].At
		}
	}
	return Position{}
}

func (n *Netlist) nodeAt(node string) Position {
	for i := range n.Elements {
		e := &n.Elements[i]
		if e.Plus == node || e.Minus == node || e.CtrlPlus == node || e.CtrlMinus == node {
			return e.At
		}
	}
	return Position{}
}

// InitialNodeVoltages returns the node voltages (volts, in the order of
// m.Nodes()) at which a .tran … uic analysis of n starts, as ngspice reads
// them: every node at 0 V, then each capacitor with IC= sets the voltage of
// its non-ground terminal (V(Plus) − V(Minus) = IC, the Plus side moved when
// both are non-ground, in card order), then each .ic card sets its node.
// Map them to the state with m.StateFromNodesTo; node voltages that the
// state does not carry (capacitor-free nodes) have no effect there. It
// returns an error if an .ic or IC= names a node that m does not have,
// which cannot happen when m was assembled from n. It panics if n or m is
// nil.
func InitialNodeVoltages(n *Netlist, m *circuit.Model) ([]float64, error) {
	v := make([]float64, len(m.Nodes()))
	idx := func(node string) (int, error) {
		if IsGround(node) {
			return -1, nil
		}
		i := m.NodeIndex(node)
		if i < 0 {
			return 0, fmt.Errorf("%w: node %s is not in the model", ErrInvalid, node)
		}
		return i, nil
	}
	for i := range n.Elements {
		e := &n.Elements[i]
		if e.Kind != Capacitor || !e.HasIC {
			continue
		}
		p, err := idx(e.Plus)
		if err != nil {
			return nil, err
		}
		q, err := idx(e.Minus)
		if err != nil {
			return nil, err
		}
		switch {
		case p >= 0 && q >= 0:
			v[p] = v[q] + e.IC
		case p >= 0:
			v[p] = e.IC
		case q >= 0:
			v[q] = -e.IC
		}
	}
	for _, ic := range n.ICs {
		i, err := idx(ic.Node)
		if err != nil {
			return nil, err
		}
		if i >= 0 {
			v[i] = ic.Volts
		}
	}
	return v, nil
}

// InitialState returns the state x(0) of model m (assembled from n with
// opt) at which n's .tran analysis starts, with ngspice's rules:
//
//   - with uic: the node voltages of [InitialNodeVoltages], mapped to the
//     state by m.StateFromNodesTo;
//   - without uic: the DC operating point, where the nodes named by .ic
//     cards are held at their values (the circuit is solved with a DC
//     voltage source from each such node to ground) and then released;
//     capacitor IC= values are ignored, as in ngspice.
//
// Without a .tran card it returns the operating point. Errors: those of
// [InitialNodeVoltages], and, for .ic without uic, a *[CircuitError] when
// the held circuit cannot be solved (an .ic on a node already fixed by a
// voltage source). It panics if n or m is nil.
func InitialState(n *Netlist, m *circuit.Model, opt *BuildOptions) ([]float64, error) {
	x := make([]float64, m.Dim())
	if n.Tran != nil && n.Tran.UIC {
		v, err := InitialNodeVoltages(n, m)
		if err != nil {
			return nil, err
		}
		m.StateFromNodesTo(x, v)
		return x, nil
	}
	if len(n.ICs) == 0 {
		m.StationaryMeanTo(x, nil)
		return x, nil
	}
	c, err := Build(n, opt)
	if err != nil {
		return nil, err
	}
	for _, ic := range n.ICs {
		c.Add(circuit.VoltageSource{Name: "(ic)" + ic.Node, P: ic.Node, N: "0", V: ic.Volts})
	}
	held, err := c.Assemble()
	if err != nil {
		var at Position
		var ee *circuit.ElementError
		if errors.As(err, &ee) && len(ee.Element) > 4 && ee.Element[:4] == "(ic)" {
			for _, ic := range n.ICs {
				if "(ic)"+ic.Node == ee.Element {
					at = ic.At
				}
			}
			if at.Line > 0 {
				return nil, &CircuitError{At: at, Err: fmt.Errorf(".ic cannot hold node %s during the DC operating point: %w", ee.Element[4:], err)}
			}
		}
		return nil, n.locate(err)
	}
	v := make([]float64, len(held.Nodes()))
	held.NodeVoltagesTo(v, held.OperatingPoint(), nil)
	// The held model has one input more per .ic; the original's inputs are
	// its defaults.
	if len(v) != len(m.Nodes()) {
		return nil, fmt.Errorf("%w: held circuit has %d nodes, model %d", ErrInvalid, len(v), len(m.Nodes()))
	}
	m.StateFromNodesTo(x, v)
	return x, nil
}
