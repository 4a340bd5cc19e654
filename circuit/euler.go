package circuit

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// EulerMaruyama advances a [Model] with the Euler–Maruyama scheme, the
// method of the TNGD paper (with its sign typo corrected):
//
//	x ← x − h (A x − B u) + √h L ξ,   L Lᵀ = D,   ξ ~ N(0, I).
//
// It is first-order accurate in the mean (weak order 1): its stationary
// covariance is biased by O(h·‖A‖), and it is unstable for h above
// 2/ρ(A)-ish. It serves as the reference against which [Exact] is checked
// and as a model of how the paper simulated the device. Each step costs
// O(r²) and allocates nothing. Create with [NewEulerMaruyama].
type EulerMaruyama struct {
	process
	maxStep float64
	f       *noiseFactor
	ax      []float64
}

// NewEulerMaruyama returns an Euler–Maruyama stepper for m at time 0, with
// state 0 and the model's default inputs. AdvanceTo splits an interval into
// equal steps of at most maxStep seconds. src supplies all randomness; it
// may be nil only for a model without noise. It panics if m is nil, maxStep
// is not positive and finite, or src is nil for a noisy model. The stepper
// keeps m and src.
func NewEulerMaruyama(m *Model, maxStep float64, src rand.Source) *EulerMaruyama {
	if !(maxStep > 0) || math.IsInf(maxStep, 0) {
		panic(fmt.Sprintf("circuit: NewEulerMaruyama: maximum step %g must be positive and finite", maxStep))
	}
	s := &EulerMaruyama{maxStep: maxStep}
	s.init(m, src)
	s.ax = make([]float64, m.Dim())
	s.f = newNoiseFactor(m.d.d, m.Dim())
	return s
}

// MaxStep returns the largest step AdvanceTo takes, in seconds.
func (s *EulerMaruyama) MaxStep() float64 { return s.maxStep }

// SetModel replaces the model, keeping the time and the state; the inputs
// are reset to the new model's defaults. It panics as NewEulerMaruyama does
// or if the new model has a different number of states.
func (s *EulerMaruyama) SetModel(m *Model) {
	s.setModel(m)
	s.f = newNoiseFactor(m.d.d, m.Dim())
}

// Step takes one Euler–Maruyama step of h seconds (h ≥ 0, finite; it
// panics otherwise), whatever MaxStep is.
func (s *EulerMaruyama) Step(h float64) {
	checkStep(h)
	if h == 0 {
		return
	}
	s.step(h)
	s.t += h
	s.check()
}

// AdvanceTo advances to time t by ⌈(t − Time)/MaxStep⌉ equal steps. It
// panics if t is before the current time or not finite.
func (s *EulerMaruyama) AdvanceTo(t float64) {
	if !(t >= s.t) || math.IsInf(t, 0) {
		panic(fmt.Sprintf("circuit: AdvanceTo(%g) before current time %g", t, s.t))
	}
	if t == s.t {
		return
	}
	span := t - s.t
	// The 1e-9 slack keeps a span of exactly k·MaxStep (up to rounding)
	// at k steps.
	n := max(1, int(math.Ceil(span/s.maxStep*(1-1e-9))))
	h := span / float64(n)
	for range n {
		s.step(h)
	}
	s.t = t
	s.check()
}

func (s *EulerMaruyama) step(h float64) {
	r := len(s.x)
	if r == 0 {
		return
	}
	blas64.Gemv(blas.NoTrans, 1, s.m.a.general(), blas64.Vector{N: r, Inc: 1, Data: s.x}, 0, blas64.Vector{N: r, Inc: 1, Data: s.ax})
	for i := range r {
		s.x[i] -= h * (s.ax[i] - s.b[i])
	}
	if s.f.rank > 0 {
		s.f.addTo(s.x, math.Sqrt(h), s.draw(s.f.rank))
	}
}
