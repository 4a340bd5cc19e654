package solver

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Residual returns the relative residual ‖(JᵀHJ + λI)x − g‖/‖g‖ of an
// estimate x, computed with GGN-vector products (F is not formed), or the
// absolute residual when g = 0. It allocates O(N + r) and panics on
// mismatched dimensions or lambda ≤ 0.
func Residual(J *mat.Dense, H *mat.SymDense, lambda float64, g, x *mat.VecDense) float64 {
	if _, n := J.Dims(); x.Len() != n {
		panic(fmt.Sprintf("solver: Residual: len(x) = %d, J has %d columns", x.Len(), n))
	}
	r, n := checkProblem("Residual", mat.NewVecDense(x.Len(), nil), J, H, lambda, g, nil)
	jm := J.RawMatrix()
	xs, res := make([]float64, n), make([]float64, n)
	u, w := make([]float64, r), make([]float64, r)
	copyVec(xs, x)
	copyVec(res, g)
	gnorm := floats.Norm(res, 2)
	jMulVec(u, jm, false, xs)
	blas64.Symv(1, H.RawSymmetric(), vec(u), 0, vec(w))
	// res = Jᵀw + λx − g
	blas64.Gemv(blas.Trans, 1, jm, vec(w), -1, vec(res))
	floats.AddScaled(res, lambda, xs)
	rn := floats.Norm(res, 2)
	if gnorm == 0 {
		return rn
	}
	return rn / gnorm
}
