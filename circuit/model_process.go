package circuit

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Stepper evolves the state of a [Model] in simulated time under
// piecewise-constant inputs. [Exact] and [EulerMaruyama] implement it; both
// satisfy the AdvanceTo hook of the events package, so an events.Scheduler
// can advance the analog state to the time of each event.
//
// A Stepper is not safe for concurrent use.
type Stepper interface {
	// Model returns the model being evolved.
	Model() *Model
	// Time returns the simulated time in seconds.
	Time() float64
	// SetTime sets the clock without touching the state.
	SetTime(t float64)
	// State returns the state vector (volts, length Dim). The slice is
	// owned by the stepper and changes on every step: copy it to keep it.
	State() []float64
	// SetState copies x into the state.
	SetState(x []float64)
	// Inputs returns the current inputs (owned by the stepper; do not
	// modify, use SetInputs).
	Inputs() []float64
	// SetInputs sets every input (copied; it panics on a length
	// mismatch); they stay constant until the next call. If the model has an input jump (Model.InputJump), the
	// state jumps accordingly.
	SetInputs(u []float64)
	// SetInput sets input i, like SetInputs; it panics if i is out of
	// range.
	SetInput(i int, v float64)
	// NodeVoltagesTo stores every node voltage at the current state and
	// inputs into dst (see Model.NodeVoltagesTo).
	NodeVoltagesTo(dst []float64)
	// Step advances by h ≥ 0 seconds.
	Step(h float64)
	// AdvanceTo advances to time t ≥ Time().
	AdvanceTo(t float64)
	// Err returns the first error met while stepping (a state that became
	// NaN or infinite, as a *NonFiniteError), or nil. Once it is non-nil
	// the state is meaningless.
	Err() error
}

// process is the state shared by the steppers: time, state, inputs and the
// quantities derived from the inputs.
type process struct {
	m   *Model
	rng *rand.Rand
	ns  *NormalStream // when set, the source of the normal draws
	t   float64
	x   []float64 // state
	u   []float64 // inputs
	b   []float64 // B u
	bar []float64 // A⁻¹ B u, the stationary mean
	dx  []float64 // workspace, length r
	du  []float64 // workspace, length nu
	xi  []float64 // standard normal draws
	err error
}

func (p *process) init(m *Model, src rand.Source) {
	if m == nil {
		panic("circuit: nil model")
	}
	r := m.Dim()
	p.m = m
	if src != nil {
		p.rng = rand.New(src)
	}
	p.x = make([]float64, r)
	p.b = make([]float64, r)
	p.bar = make([]float64, r)
	p.dx = make([]float64, r)
	p.xi = make([]float64, r)
	p.u = make([]float64, len(m.inputs))
	p.du = make([]float64, len(m.inputs))
	p.checkSource()
	copy(p.u, m.values)
	p.inputsChanged()
}

func (p *process) checkSource() {
	if p.rng == nil && p.m.noisy() {
		panic("circuit: nil random source for a model with noise")
	}
}

// setModel replaces the model, keeping time and state; the inputs are reset
// to the new model's defaults.
func (p *process) setModel(m *Model) {
	if m == nil {
		panic("circuit: nil model")
	}
	if m.Dim() != len(p.x) {
		panic(fmt.Sprintf("circuit: SetModel: new model has %d states, stepper has %d", m.Dim(), len(p.x)))
	}
	p.m = m
	p.checkSource()
	p.u = make([]float64, len(m.inputs))
	p.du = make([]float64, len(m.inputs))
	copy(p.u, m.values)
	p.inputsChanged()
}

func (p *process) Model() *Model        { return p.m }
func (p *process) Time() float64        { return p.t }
func (p *process) State() []float64     { return p.x }
func (p *process) Inputs() []float64    { return p.u }
func (p *process) Err() error           { return p.err }
func (p *process) SetTime(t float64)    { p.t = t }
func (p *process) SetState(x []float64) { checkLen("state", x, len(p.x)); copy(p.x, x) }

func (p *process) SetInputs(u []float64) {
	checkLen("inputs", u, len(p.u))
	if p.m.jumps {
		for i := range u {
			p.du[i] = u[i] - p.u[i]
		}
		gemvTo(p.x, p.m.jump, p.du, true)
	}
	copy(p.u, u)
	p.inputsChanged()
}

func (p *process) SetInput(i int, v float64) {
	if i < 0 || i >= len(p.u) {
		panic(fmt.Sprintf("circuit: SetInput(%d): model has %d inputs", i, len(p.u)))
	}
	if p.m.jumps {
		d := v - p.u[i]
		for k := range p.x {
			p.x[k] += p.m.jump.at(k, i) * d
		}
	}
	p.u[i] = v
	p.inputsChanged()
}

func (p *process) inputsChanged() {
	gemvTo(p.b, p.m.b, p.u, false)
	gemvTo(p.bar, p.m.ainvB, p.u, false)
}

func (p *process) NodeVoltagesTo(dst []float64) { p.m.NodeVoltagesTo(dst, p.x, p.u) }

// check records the first non-finite state.
func (p *process) check() {
	if p.err != nil {
		return
	}
	for i, v := range p.x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			p.err = &NonFiniteError{Time: p.t, State: p.m.states[i]}
			return
		}
	}
}

// draw fills p.xi[:k] with standard normal variates.
func (p *process) draw(k int) []float64 {
	xi := p.xi[:k]
	if p.ns != nil {
		p.ns.Fill(xi)
		return xi
	}
	for i := range xi {
		xi[i] = p.rng.NormFloat64()
	}
	return xi
}

func checkStep(h float64) {
	if !(h >= 0) || math.IsInf(h, 0) {
		panic(fmt.Sprintf("circuit: step %g s must be finite and non-negative", h))
	}
}
