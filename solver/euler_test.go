package solver

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// denseEulerMean returns the noiseless Euler–Maruyama readout and end state
// from the closed form x_n = (I − hA)ⁿ(x₀ − A⁻¹g) + A⁻¹g per interval,
// with the documented ⌈length/Step⌉ equal steps per interval.
func denseEulerMean(t *testing.T, a *mat.Dense, g, x0 *mat.VecDense, w Window, step float64) (readout, state *mat.VecDense, steps int) {
	n := g.Len()
	var xs mat.VecDense
	require.NoError(t, xs.SolveVec(a, g))
	x := mat.VecDenseCopyOf(x0)
	evolve := func(length float64) {
		if length <= 0 {
			return
		}
		k := max(1, int(math.Ceil(length/step-1e-9)))
		steps += k
		h := length / float64(k)
		m := mat.NewDense(n, n, nil)
		m.Scale(-h, a)
		for i := 0; i < n; i++ {
			m.Set(i, i, m.At(i, i)+1)
		}
		var p mat.Dense
		p.Pow(m, k)
		var d mat.VecDense
		d.SubVec(x, &xs)
		x.MulVec(&p, &d)
		x.AddVec(x, &xs)
	}
	readout = mat.NewVecDense(n, nil)
	if k := w.samples(); k == 1 {
		evolve(w.Time)
		readout.CopyVec(x)
	} else {
		evolve(w.BurnIn)
		for range k {
			evolve((w.Time - w.BurnIn) / float64(k))
			readout.AddVec(readout, x)
		}
		readout.ScaleVec(1/float64(k), readout)
	}
	evolve(w.Delay)
	return readout, x, steps
}

func TestEulerMeanMatchesClosedForm(t *testing.T) {
	rng := newRand(t, 11, 1)
	for _, tc := range deviceCases {
		p := newProblem(rng, tc.r, tc.n, tc.dz, tc.kind, tc.lambda, 2)
		a := p.denseA()
		x0 := mat.NewVecDense(tc.n, nil)
		for i := 0; i < tc.n; i++ {
			x0.SetVec(i, rng.NormFloat64())
		}
		for _, w := range deviceWindows {
			t.Run(fmt.Sprintf("r=%d/N=%d/%v/%+v", tc.r, tc.n, tc.kind, w), func(t *testing.T) {
				for _, step := range []float64{0, 0.07} {
					dv := &EulerDevice{Window: w, Step: step}
					var x mat.VecDense
					require.NoError(t, dv.SolveTo(&x, p.J, p.H, p.lambda, p.g, x0))
					wantR, wantS, steps := denseEulerMean(t, a, p.g, x0, w, cmpOr(step, DefaultEulerStep))
					// Both sides are exact up to round-off over ≤ 60 steps.
					assert.Less(t, relErr(&x, wantR), 1e-11, "readout")
					assert.Less(t, relErr(mat.NewVecDense(tc.n, dv.State()), wantS), 1e-11, "state")
					assert.Equal(t, steps, dv.Stats().Steps)
				}
			})
		}
	}
}

func cmpOr(a, b float64) float64 {
	if a != 0 {
		return a
	}
	return b
}

// TestEulerConvergesToExact: the noiseless Euler mean converges to the
// exact device's at first order in h. Its error is about
// t·h·‖A²‖/2·‖x₀ − x*‖ (from (1 − hμ)^{t/h} = e^{−μt}(1 − tμ²h/2 + …)), so
// halving h halves it.
func TestEulerConvergesToExact(t *testing.T) {
	rng := newRand(t, 12, 1)
	p := newProblem(rng, 6, 10, 3, hessDensePSD, 0.3, 2)
	w := Window{Time: 3, Samples: 6, BurnIn: 1, Delay: 0.5}
	exact := &IdealDevice{Window: w}
	var want mat.VecDense
	require.NoError(t, exact.SolveTo(&want, p.J, p.H, p.lambda, p.g, nil))
	var errs []float64
	for _, h := range []float64{0.02, 0.01, 0.005} {
		em := &EulerDevice{Window: w, Step: h}
		var x mat.VecDense
		require.NoError(t, em.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
		errs = append(errs, relErr(&x, &want))
	}
	t.Logf("relative errors at h = 0.02, 0.01, 0.005: %v", errs)
	assert.Less(t, errs[0], 0.05)
	// First order: the ratio of successive errors is 2 up to O(h).
	assert.InDelta(t, 2, errs[0]/errs[1], 0.1)
	assert.InDelta(t, 2, errs[1]/errs[2], 0.1)
}

func TestEulerUnstableStepIsAnError(t *testing.T) {
	rng := newRand(t, 13, 1)
	p := newProblem(rng, 4, 8, 2, hessMSE, 1, 1)
	// λ = 1 alone puts h·λ_max ≥ 3 > 2: the iteration diverges.
	dv := &EulerDevice{Window: Window{Time: 3000}, Step: 3}
	var x mat.VecDense
	err := dv.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil)
	assert.ErrorIs(t, err, ErrNotFinite)
	assert.Nil(t, dv.State())
}

func TestEulerPanics(t *testing.T) {
	rng := newRand(t, 14, 1)
	p := newProblem(rng, 4, 8, 2, hessMSE, 1, 1)
	var x mat.VecDense
	for _, tc := range []struct {
		name string
		dv   *EulerDevice
	}{
		{"nil Rand", &EulerDevice{Window: Window{Time: 1}, Kappa0: 1}},
		{"negative step", &EulerDevice{Window: Window{Time: 1}, Step: -1}},
		{"negative samples", &EulerDevice{Window: Window{Time: 1, Samples: -1}}},
	} {
		assert.Panics(t, func() { _ = tc.dv.SolveTo(&x, p.J, p.H, 1, p.g, nil) }, tc.name)
	}
}
