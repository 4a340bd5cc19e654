package solver

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// Cholesky solves (JᵀHJ + λI)x = g exactly by forming the dense N×N
// matrix F + λI, F = JᵀHJ, and factorizing it (the "NGD" row of Table 1
// of Donatella et al., arXiv:2405.13817): O(r²N + rN² + N³) time and
// O(N²) memory, so for small N only. The zero value is ready to use; it
// keeps its N×N workspaces between calls. A Cholesky is not safe for
// concurrent use.
type Cholesky struct {
	hj, f []float64 // r×N H·J and N×N F + λI, row-major
}

// SolveTo writes (JᵀHJ + λI)⁻¹ g into dst. start is ignored (the solve
// is exact); dst may be g or start. It panics on mismatched dimensions or
// lambda ≤ 0, returns ErrNotPositiveDefinite (wrapped) if the Cholesky
// factorization fails (H too indefinite for λ) and ErrNotFinite if g, J
// or H hold NaN or Inf.
func (c *Cholesky) SolveTo(dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error {
	r, n := checkProblem("Cholesky", dst, J, H, lambda, g, start)
	jm := J.RawMatrix()
	c.hj = grow(c.hj, r*n)
	c.f = grow(c.f, n*n)
	hj := general(c.hj, r, n)
	f := general(c.f, n, n)
	blas64.Symm(blas.Left, 1, H.RawSymmetric(), jm, 0, hj)
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, jm, hj, 0, f)
	for i := 0; i < n; i++ {
		c.f[i*n+i] += lambda
	}
	if !allFinite(c.f) {
		return fmt.Errorf("solver: Cholesky: JᵀHJ: %w", ErrNotFinite)
	}
	t, ok := lapack64.Potrf(blas64.Symmetric{N: n, Stride: n, Data: c.f, Uplo: blas.Upper})
	if !ok {
		return fmt.Errorf("solver: Cholesky: %w", ErrNotPositiveDefinite)
	}
	x := c.hj[:n] // H·J is no longer needed
	copyVec(x, g)
	if !allFinite(x) {
		return fmt.Errorf("solver: Cholesky: g: %w", ErrNotFinite)
	}
	// F + λI = UᵀU: solve Uᵀy = g, then Ux = y.
	blas64.Trsv(blas.Trans, t, vec(x))
	blas64.Trsv(blas.NoTrans, t, vec(x))
	setVec(dst, x)
	return nil
}

// Stats returns zero Stats: the dense solve has no diagnostics.
func (c *Cholesky) Stats() Stats { return Stats{} }
