package solver

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// DefaultEulerStep is the Euler–Maruyama step of an [EulerDevice] whose
// Step is zero, in units of τ: the step of the paper's MNIST simulations
// (Donatella et al., arXiv:2405.13817).
const DefaultEulerStep = 0.1

// EulerDevice is the same ideal device as [IdealDevice], simulated by the
// Euler–Maruyama scheme the paper used,
//
//	x ← x − h(Ax − g) + √(2κ₀h)·ξ,  ξ ~ N(0, I),  A = JᵀHJ + λI,
//
// (with the sign of the paper's printed update corrected). It is the
// reference for tests and for timing the exact device: each step costs one
// J product, one H product and one Jᵀ product, so a window of t costs
// t/h of them. The scheme is stable for h·λ_max(A) < 2 and biased by
// O(h): its stationary covariance is κ₀(A − hA²/2)⁻¹ instead of κ₀A⁻¹.
//
// Each interval of the [Window] (burn-in, each of the K sample intervals,
// the delay) is split into ⌈length/Step⌉ equal steps, so sample times are
// hit exactly and the step is at most Step.
//
// The zero value uses DefaultEulerStep and a zero-length window. Rand must
// be non-nil when Kappa0 > 0; it supplies N normals per step, in step
// order. Like IdealDevice, an EulerDevice keeps its state between calls
// (warm start) and is not safe for concurrent use.
type EulerDevice struct {
	// Window is the analog window, in units of τ.
	Window Window `toml:"window"`

	// Kappa0 is the noise level κ₀ ≥ 0.
	Kappa0 float64 `toml:"kappa0"`

	// Step is the time step h in units of τ; zero means DefaultEulerStep.
	Step float64 `toml:"step"`

	// Rand is the source of the device noise; required if Kappa0 > 0.
	Rand *rand.Rand `toml:"-"`

	x, ax, sum, g []float64 // length N: state, JᵀHJ·x, sum of samples, g
	u, w          []float64 // length r
	warm          bool
	stats         Stats
}

// Reset forgets the warm state: the next call with a nil start begins
// from g.
func (dv *EulerDevice) Reset() { dv.warm = false }

// Stats returns the analog time, sample count and number of steps of the
// last call.
func (dv *EulerDevice) Stats() Stats { return dv.stats }

// State returns a copy of the device state, or nil before the first call.
func (dv *EulerDevice) State() []float64 {
	if !dv.warm {
		return nil
	}
	return append([]float64(nil), dv.x...)
}

// SolveTo runs one window and writes the readout (final sample or sample
// mean) into dst, like [IdealDevice.SolveTo]. It panics on mismatched
// dimensions, lambda ≤ 0, an invalid Window, a negative Kappa0 or Step,
// or a nil Rand with Kappa0 > 0. It returns an error wrapping
// ErrNotFinite if the state overflows (h beyond the stability limit) or
// the input holds NaN; the device state is then unusable and is reset.
func (dv *EulerDevice) SolveTo(dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error {
	r, n := checkProblem("EulerDevice", dst, J, H, lambda, g, start)
	w := dv.Window
	if err := w.Validate(); err != nil {
		panic(err.Error())
	}
	if !(dv.Kappa0 >= 0) || math.IsInf(dv.Kappa0, 1) {
		panic(fmt.Sprintf("solver: EulerDevice: Kappa0 = %v, want a finite value ≥ 0", dv.Kappa0))
	}
	if dv.Kappa0 > 0 && dv.Rand == nil {
		panic("solver: EulerDevice: nil Rand with Kappa0 > 0")
	}
	h := dv.Step
	if h == 0 {
		h = DefaultEulerStep
	}
	if !(h > 0) || math.IsInf(h, 1) {
		panic(fmt.Sprintf("solver: EulerDevice: Step = %v, want a finite value > 0", dv.Step))
	}
	if len(dv.x) != n {
		dv.warm = false
	}
	dv.x = grow(dv.x, n)
	dv.ax = grow(dv.ax, n)
	dv.sum = grow(dv.sum, n)
	dv.g = grow(dv.g, n)
	dv.u = grow(dv.u, r)
	dv.w = grow(dv.w, r)
	copyVec(dv.g, g)
	switch {
	case start != nil:
		copyVec(dv.x, start)
	case !dv.warm:
		copy(dv.x, dv.g)
	}
	dv.warm = false // until this call succeeds
	dv.stats = Stats{AnalogTime: w.Time + w.Delay, Samples: w.samples()}

	jm, hm := J.RawMatrix(), H.RawSymmetric()
	k := w.samples()
	if k == 1 {
		dv.evolve(jm, hm, lambda, w.Time, h)
		copy(dv.sum, dv.x)
	} else {
		dv.evolve(jm, hm, lambda, w.BurnIn, h)
		clear(dv.sum)
		dt := (w.Time - w.BurnIn) / float64(k)
		for range k {
			dv.evolve(jm, hm, lambda, dt, h)
			for i, xi := range dv.x {
				dv.sum[i] += xi
			}
		}
		for i := range dv.sum {
			dv.sum[i] /= float64(k)
		}
	}
	dv.evolve(jm, hm, lambda, w.Delay, h)
	if !allFinite(dv.x) || !allFinite(dv.sum) {
		return fmt.Errorf("solver: EulerDevice: after %d steps: %w", dv.stats.Steps, ErrNotFinite)
	}
	dv.warm = true
	setVec(dst, dv.sum)
	return nil
}

// evolve advances the state over length (in τ) by ⌈length/h⌉ equal
// Euler–Maruyama steps.
func (dv *EulerDevice) evolve(jm blas64.General, hm blas64.Symmetric, lambda, length, h float64) {
	// The 1e-9 guards against L/h = 10.000000000000002 adding a step.
	if length <= 0 {
		return
	}
	steps := max(1, int(math.Ceil(length/h-1e-9)))
	dt := length / float64(steps)
	sigma := math.Sqrt(2 * dv.Kappa0 * dt)
	x, ax, g := dv.x, dv.ax, dv.g
	for range steps {
		jMulVec(dv.u, jm, false, x)
		blas64.Symv(1, hm, vec(dv.u), 0, vec(dv.w))
		jMulVec(ax, jm, true, dv.w)
		if sigma > 0 {
			for i, xi := range x {
				x[i] = xi - dt*(ax[i]+lambda*xi-g[i]) + sigma*dv.Rand.NormFloat64()
			}
		} else {
			for i, xi := range x {
				x[i] = xi - dt*(ax[i]+lambda*xi-g[i])
			}
		}
	}
	dv.stats.Steps += steps
}
