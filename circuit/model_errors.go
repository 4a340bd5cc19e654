package circuit

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them; test
// with errors.Is, and use errors.As with [ElementError], [NodeError],
// [UnstableError] or [NonFiniteError] for the details.
var (
	// ErrInvalid: an element has an invalid value or terminal, a name is
	// empty or used twice, or a matrix given to NewModel is unusable.
	ErrInvalid = errors.New("circuit: invalid circuit")
	// ErrSingular: the algebraic part of the circuit (capacitor-free nodes,
	// voltage constraints, branch currents) has no unique solution.
	ErrSingular = errors.New("circuit: singular algebraic part")
	// ErrUnstable: the drift has an eigenvalue with non-negative real part
	// (including zero: a node with no DC path), so there is no stationary
	// law.
	ErrUnstable = errors.New("circuit: drift is not stable")
	// ErrImpulsive: a step of a voltage source would move charge
	// instantaneously onto a capacitor-free node, which the linear model
	// cannot represent.
	ErrImpulsive = errors.New("circuit: source drives capacitors impulsively")
	// ErrNonFinite: a state variable became NaN or infinite during
	// stepping (e.g. Euler–Maruyama with a step above its stability
	// limit, or a non-finite input).
	ErrNonFinite = errors.New("circuit: non-finite state")
)

// ElementError reports trouble attributed to one element.
type ElementError struct {
	Element string // the element's name
	Err     error  // the sentinel: ErrInvalid, ErrSingular or ErrImpulsive
	Detail  string // what is wrong, in words
}

func (e *ElementError) Error() string {
	return fmt.Sprintf("%v: element %q: %s", e.Err, e.Element, e.Detail)
}

func (e *ElementError) Unwrap() error { return e.Err }

// NodeError reports trouble attributed to one node.
type NodeError struct {
	Node   string // the node's name
	Err    error  // the sentinel, usually ErrSingular
	Detail string // what is wrong, in words
}

func (e *NodeError) Error() string {
	return fmt.Sprintf("%v: node %q: %s", e.Err, e.Node, e.Detail)
}

func (e *NodeError) Unwrap() error { return e.Err }

// UnstableError reports a drift matrix A with an eigenvalue whose real part
// is not positive (dx = −Ax dt + … does not decay). Node is the state (node
// name) with the largest component in the corresponding eigenvector: for a
// capacitor without a DC path to ground it is that capacitor's node.
type UnstableError struct {
	Node string
	// Rate is the offending eigenvalue of A in 1/s (the mode decays as
	// e^{−Rate·t}, so Re(Rate) ≤ 0 means it does not).
	Rate complex128
}

func (e *UnstableError) Error() string {
	return fmt.Sprintf("%v: mode at node %q has rate %.6g%+.6gi 1/s (no decay; a node without a DC path, or positive feedback)",
		ErrUnstable, e.Node, real(e.Rate), imag(e.Rate))
}

func (e *UnstableError) Unwrap() error { return ErrUnstable }

// NonFiniteError reports the first state variable found NaN or infinite at
// the end of a step.
type NonFiniteError struct {
	Time  float64 // simulated time in seconds at the end of the step
	State string  // label of the offending state (see Model.States)
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("%v: state %q at t = %g s", ErrNonFinite, e.State, e.Time)
}

func (e *NonFiniteError) Unwrap() error { return ErrNonFinite }
