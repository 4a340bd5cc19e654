package circuit

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func TestSolveLyapunovAgainstKronecker(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 5, 8, 20} {
		t.Run("n="+strconv.Itoa(n), func(t *testing.T) {
			a := randomStable(rng, n)
			d := randomPSD(rng, n, max(1, n/2)) // singular D: noise on a subspace
			got, err := SolveLyapunov(a, d)
			require.NoError(t, err)
			want := kronLyapunov(t, a, d)
			// Both are backward stable; their difference is bounded by
			// ε times the condition of the operator (moderate here).
			assert.Less(t, relDiff(got, want), 1e-10)
		})
	}
}

func TestSolveLyapunovSymmetric(t *testing.T) {
	// For symmetric A and D = 2κI, Σ = κA⁻¹ (PHYSICS.md §4).
	rng := rand.New(rand.NewPCG(3, 4))
	const n, kappa = 12, 0.01
	b := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			b.Set(i, j, rng.NormFloat64())
		}
	}
	a := mat.NewSymDense(n, nil)
	a.SymOuterK(1, b)
	for i := range n {
		a.SetSym(i, i, a.At(i, i)+0.1)
	}
	d := mat.NewSymDense(n, nil)
	for i := range n {
		d.SetSym(i, i, 2*kappa)
	}
	got, err := SolveLyapunov(a, d)
	require.NoError(t, err)
	var want mat.Dense
	require.NoError(t, want.Inverse(a))
	want.Scale(kappa, &want)
	// Condition of A is ~1e3 here; 1e-11 leaves room for that.
	assert.Less(t, relDiff(got, &want), 1e-11)
}

func TestSolveLyapunovResidual(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{50, 100} {
		a := randomStable(rng, n)
		d := randomPSD(rng, n, n)
		s, err := SolveLyapunov(a, d)
		require.NoError(t, err)
		var as, res mat.Dense
		as.Mul(a, s)
		res.Add(&as, as.T())
		res.Sub(&res, d)
		// Backward stability: ‖AΣ + ΣAᵀ − D‖ ≲ n·ε·‖A‖‖Σ‖.
		rel := mat.Norm(&res, 1) / (mat.Norm(a, 1) * mat.Norm(s, 1))
		assert.Less(t, rel, 1e-13, "n=%d", n)
	}
}

func TestSolveLyapunovSingular(t *testing.T) {
	tests := []struct {
		name string
		a    *mat.Dense
	}{
		{"imaginary pair", mat.NewDense(2, 2, []float64{0, 1, -1, 0})},
		{"opposite eigenvalues", mat.NewDense(2, 2, []float64{1, 0, 0, -1})},
		{"zero scalar", mat.NewDense(1, 1, []float64{0})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, _ := tc.a.Dims()
			d := mat.NewSymDense(n, nil)
			for i := range n {
				d.SetSym(i, i, 1)
			}
			_, err := SolveLyapunov(tc.a, d)
			assert.True(t, errors.Is(err, ErrLyapunov), "err = %v", err)
		})
	}
}
