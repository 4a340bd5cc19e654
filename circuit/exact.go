package circuit

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// stepRelTol is the relative difference below which two step lengths share
// a cached propagator. Times on a grid t_k = k·h differ from k·h by a few
// ulps, so t_k − t_{k−1} wanders by ≈ k·ε·h; 1e-9 absorbs that for grids of
// up to ~10⁶ steps while changing each step by at most 1e-9 relative. The
// clock itself is set exactly to the requested time, so the error does not
// accumulate.
const stepRelTol = 1e-9

// exactCacheSize is the number of step lengths whose propagators an [Exact]
// keeps (least recently used is replaced).
const exactCacheSize = 4

// Exact advances a [Model] by its exact transition law: over any step h,
//
//	x ← x̄ + e^{−Ah}(x − x̄) + F ξ,   F Fᵀ = Q(h),   ξ ~ N(0, I),
//
// with x̄ = A⁻¹Bu the stationary mean for the current inputs and Q(h) the
// exact transition covariance (see [Model.Transition]). There is no
// discretization error for any h, symmetric or non-symmetric drift; inputs
// are held constant over each step. F is a pivoted Cholesky factor, so a
// singular Q (noise on some nodes only) is fine.
//
// The propagator (e^{−Ah} and F) is computed on first use of a step length
// (O(r³)) and cached for the last four lengths; steps with a cached length
// cost O(r²) and allocate nothing. Create with [NewExact].
type Exact struct {
	process
	cache [exactCacheSize]propagator
	tick  uint64
}

type propagator struct {
	h    float64
	e    []float64 // r×r, e^{−Ah}
	f    *noiseFactor
	used uint64
}

// NewExact returns an exact stepper for m at time 0, with state 0 and the
// model's default inputs. src supplies all randomness; it may be nil only
// for a model without noise (it panics otherwise, and if m is nil). The
// stepper keeps m and src.
func NewExact(m *Model, src rand.Source) *Exact {
	s := &Exact{}
	s.init(m, src)
	return s
}

// SetModel replaces the model (for instance after reprogramming the
// circuit), keeping the time and the state; the inputs are reset to the new
// model's defaults and cached propagators are dropped. It panics if the new
// model has a different number of states, or has noise and the stepper no
// random source.
func (s *Exact) SetModel(m *Model) {
	s.setModel(m)
	s.cache = [exactCacheSize]propagator{}
}

// Step advances the state by h seconds (h ≥ 0, finite; it panics
// otherwise).
func (s *Exact) Step(h float64) {
	checkStep(h)
	if h == 0 {
		return
	}
	s.apply(s.propagator(h))
	s.t += h
	s.check()
}

// AdvanceTo advances the state to time t in one exact transition. It panics
// if t is before the current time or not finite. A step length within
// 1e-9 (relative) of a cached one reuses it, so that a uniform grid of
// times computed as k·h does not recompute the propagator at every step.
func (s *Exact) AdvanceTo(t float64) {
	if !(t >= s.t) || math.IsInf(t, 0) {
		panic(fmt.Sprintf("circuit: AdvanceTo(%g) before current time %g", t, s.t))
	}
	if t == s.t {
		return
	}
	s.apply(s.propagator(t - s.t))
	s.t = t
	s.check()
}

func (s *Exact) propagator(h float64) *propagator {
	s.tick++
	slot := 0
	for i := range s.cache {
		c := &s.cache[i]
		if c.e != nil && math.Abs(c.h-h) <= stepRelTol*h {
			c.used = s.tick
			return c
		}
		if c.used < s.cache[slot].used {
			slot = i
		}
	}
	r := s.m.Dim()
	e, q := transition(s.m.a.d, s.m.d.d, r, h)
	if e == nil {
		e = []float64{}
	}
	s.cache[slot] = propagator{h: h, e: e, f: newNoiseFactor(q, r), used: s.tick}
	return &s.cache[slot]
}

func (s *Exact) apply(p *propagator) {
	r := len(s.x)
	if r == 0 {
		return
	}
	for i := range r {
		s.dx[i] = s.x[i] - s.bar[i]
		s.x[i] = s.bar[i]
	}
	blas64.Gemv(blas.NoTrans, 1, blas64.General{Rows: r, Cols: r, Stride: r, Data: p.e},
		blas64.Vector{N: r, Inc: 1, Data: s.dx}, 1, blas64.Vector{N: r, Inc: 1, Data: s.x})
	if p.f.rank > 0 {
		p.f.addTo(s.x, 1, s.draw(p.f.rank))
	}
}
