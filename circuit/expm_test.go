package circuit

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func TestTransitionAgainstOracles(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 6
	a := randomStable(rng, n)
	d := randomPSD(rng, n, 3)
	sigma := kronLyapunov(t, a, d)
	norm := mat.Norm(a, 1)
	for _, hn := range []float64{1e-9, 1e-4, 0.01, 0.3, 1, 5, 40, 1e4} {
		h := hn / norm
		t.Run("h·‖A‖="+formatG(hn), func(t *testing.T) {
			ad, dd := denseOf(a), denseOf(d)
			e, q := transition(ad.d, dd.d, n, h)
			em := mat.NewDense(n, n, e)
			qm := mat.NewDense(n, n, q)
			require.True(t, allFinite(e) && allFinite(q))

			// Mean propagator against gonum's Padé exponential.
			assert.Less(t, relDiff(em, expm(a, -h)), 1e-12, "E")

			// Covariance against Van Loan's block exponential where it is
			// accurate (moderate h·‖A‖), and against the stationary form
			// Σ − EΣEᵀ where that has no cancellation (h·‖A‖ ≳ 0.1;
			// its relative error is about ε/(h·λ_min)).
			if hn <= 5 {
				_, qv := vanLoan(a, d, h)
				assert.Less(t, relDiff(qm, qv), 1e-11, "Q vs Van Loan")
			}
			if hn >= 0.01 {
				var ese, want mat.Dense
				ese.Mul(em, sigma)
				ese.Mul(&ese, em.T())
				want.Sub(sigma, &ese)
				assert.Less(t, relDiff(qm, &want), 1e-10, "Q vs Σ − EΣEᵀ")
			}
			// Small h: Q = hD + O(h²).
			if hn <= 1e-4 {
				var hd mat.Dense
				hd.Scale(h, d)
				assert.Less(t, relDiff(qm, &hd), 2*hn, "Q ≈ hD")
			}
		})
	}
}

func TestTransitionHugeStep(t *testing.T) {
	// At h·‖A‖ = 1e6 the Van Loan exponential has overflowed long ago; the
	// doubling keeps E → 0 and Q → Σ.
	rng := rand.New(rand.NewPCG(9, 10))
	const n = 4
	a := randomStable(rng, n)
	d := randomPSD(rng, n, n)
	ad, dd := denseOf(a), denseOf(d)
	e, q := transition(ad.d, dd.d, n, 1e6/mat.Norm(a, 1))
	require.True(t, allFinite(e) && allFinite(q))
	for _, v := range e {
		assert.Equal(t, 0.0, v)
	}
	assert.Less(t, relDiff(mat.NewDense(n, n, q), kronLyapunov(t, a, d)), 1e-10)

	// The block exponential is useless far earlier: here it is off by
	// orders of magnitude at h·‖A‖ = 800 (h·λ ≈ 500), where e^{+Aᵀh} is
	// still finite.
	_, qv := vanLoan(a, d, 800/mat.Norm(a, 1))
	off := relDiff(qv, kronLyapunov(t, a, d))
	assert.True(t, !allFinite(qv.RawMatrix().Data) || off > 1e-3, "the Van Loan oracle should fail here (off by %g), or this test proves nothing", off)
}

func TestTransitionZeroStepAndNoise(t *testing.T) {
	a := mat.NewDense(2, 2, []float64{2, 1, 0, 3})
	ad := denseOf(a)
	e, q := transition(ad.d, make([]float64, 4), 2, 0.5)
	for _, v := range q {
		assert.Equal(t, 0.0, v)
	}
	assert.Less(t, relDiff(mat.NewDense(2, 2, e), expm(a, -0.5)), 1e-14)
	e, q = transition(ad.d, []float64{1, 0, 0, 1}, 2, 0)
	assert.Equal(t, []float64{1, 0, 0, 1}, e)
	assert.Equal(t, []float64{0, 0, 0, 0}, q)
}

func allFinite(s []float64) bool {
	for _, v := range s {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func formatG(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
