package nn

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// TestWoodburySolveS: the in-place Potrf/Potrs path of solveS gives the
// same bits as mat.Cholesky on S = λI + AAᵀ (r = 50, A r×20 normal), and
// the bound r·tr S/λ sends ill-conditioned systems to mat.Cholesky, which
// reports mat.Condition (A = 10·[I; 0], λ = 1e-15: S is diagonal with
// entries 100 and 1e-15, condition number 1e17 > 1e16), and λ ≤ 0 too.
func TestWoodburySolveS(t *testing.T) {
	rng := rand.New(rand.NewPCG(95, 96))
	r, k := 50, 20
	a := mat.NewDense(r, k, nil)
	for i := range r {
		for j := range k {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	rhs := make([]float64, r)
	for i := range rhs {
		rhs[i] = rng.NormFloat64()
	}
	// solve also reports whether mat.Cholesky was used (its receiver is
	// left empty by the in-place path).
	solve := func(a *mat.Dense, lambda float64, estimate bool) ([]float64, bool, error) {
		w := &woodburyWork{s: mat.NewSymDense(r, nil), c: mat.NewVecDense(r, nil), w: append([]float64(nil), rhs...)}
		w.s.SymOuterK(1, a)
		for i := range r {
			w.s.SetSym(i, i, w.s.At(i, i)+lambda)
		}
		err := w.solveS(lambda, estimate)
		return w.c.RawVector().Data, !w.chol.IsEmpty(), err
	}
	fast, usedChol, err := solve(a, 0.5, false)
	require.NoError(t, err)
	require.False(t, usedChol, "well-conditioned S must take the in-place path")
	ref, usedChol, err := solve(a, 0.5, true)
	require.NoError(t, err)
	require.True(t, usedChol)
	requireSameBits(t, "c", ref, fast)

	diag := mat.NewDense(r, k, nil)
	for i := range k {
		diag.Set(i, i, 10)
	}
	_, _, err = solve(diag, 1e-15, false)
	var cond mat.Condition
	require.True(t, errors.As(err, &cond), "error %v", err)
	_, _, err = solve(a, 0, false)
	require.Error(t, err)
}
