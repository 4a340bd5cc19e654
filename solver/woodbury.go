package solver

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// Woodbury solves (JᵀHJ + λI)x = g exactly with the Woodbury identity in
// the r-dimensional row space of J (the "NGD-Woodbury" row of Table 1 of
// Donatella et al., arXiv:2405.13817, whose Eq. 12 misprints λ⁻¹I for
// λ⁻¹v). With G = J Jᵀ (r×r),
//
//	x = λ⁻¹ (g − Jᵀ H (λI + G H)⁻¹ J g),
//
// which follows from (λI + JᵀHJ)⁻¹ = λ⁻¹I − λ⁻²JᵀH(I + λ⁻¹GH)⁻¹J and
// never inverts H, so singular H (a softmax block diag(p) − ppᵀ, or a
// zero block) is fine. λI + GH is similar to λI + H^½GH^½ when H is
// positive semidefinite, hence invertible; it is factorized by LU with
// partial pivoting, which also serves indefinite H while A is
// nonsingular. H is block diagonal in practice; its blocks are detected
// and G·H costs O(r²·block) instead of O(r³).
//
// Cost: O(r²N) for G (tiled Dgemm on the upper triangle), O(r³) for the
// LU, O(rN) for the two J products; memory O(r²) beyond J. The zero value
// is ready to use and keeps its r×r workspaces between calls; it is not
// safe for concurrent use. Beyond these workspaces a call allocates only
// what gonum's parallel Dgemm allocates for its goroutines.
type Woodbury struct {
	g, hf, m []float64 // r×r: Gram, full H blocks, λI + G H
	u, w     []float64 // length r
	x        []float64 // length N
	ends     []int
	ipiv     []int
	work     []float64
	iwork    []int
}

// Stats returns zero Stats: the Woodbury solve has no diagnostics.
func (wb *Woodbury) Stats() Stats { return Stats{} }

// SolveTo writes (JᵀHJ + λI)⁻¹ g into dst. start is ignored (the solve is
// exact); dst may be g or start. It panics on mismatched dimensions or
// lambda ≤ 0. It returns an error wrapping ErrSingular if λI + GH has a
// zero pivot (dst unchanged), an error wrapping the [mat.Condition] if
// its condition number exceeds [mat.ConditionTolerance] (dst holds the
// inaccurate result), and ErrNotFinite for NaN or Inf in the result.
func (wb *Woodbury) SolveTo(dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error {
	r, n := checkProblem("Woodbury", dst, J, H, lambda, g, start)
	jm, hm := J.RawMatrix(), H.RawSymmetric()
	wb.g = grow(wb.g, r*r)
	wb.hf = grow(wb.hf, r*r)
	wb.m = grow(wb.m, r*r)
	wb.u = grow(wb.u, r)
	wb.w = grow(wb.w, r)
	wb.x = grow(wb.x, n)
	wb.work = grow(wb.work, 4*r)
	if cap(wb.ipiv) < r {
		wb.ipiv = make([]int, r)
		wb.iwork = make([]int, r)
	}
	ipiv, iwork := wb.ipiv[:r], wb.iwork[:r]
	gm, hf, m := general(wb.g, r, r), general(wb.hf, r, r), general(wb.m, r, r)

	gramTo(gm, jm)
	wb.ends = blockEnds(wb.ends, hm)
	copyBlocks(hf, hm, wb.ends)
	mulBlockRight(m, gm, hf, wb.ends) // m = G H
	for i := 0; i < r; i++ {
		wb.m[i*r+i] += lambda
	}
	anorm := lapack64.Lange(lapack.MaxColumnSum, m, wb.work)
	if !lapack64.Getrf(m, ipiv) {
		return fmt.Errorf("solver: Woodbury: λI + GH: %w", ErrSingular)
	}
	rcond := lapack64.Gecon(lapack.MaxColumnSum, m, anorm, wb.work, iwork)

	x := wb.x
	copyVec(x, g)
	jMulVec(wb.u, jm, false, x) // u = J g
	lapack64.Getrs(blas.NoTrans, m, general(wb.u, r, 1), ipiv)
	blas64.Symv(1, hm, vec(wb.u), 0, vec(wb.w)) // w = H (λI + GH)⁻¹ J g
	// x = (g − Jᵀw)/λ
	blas64.Gemv(blas.Trans, -1/lambda, jm, vec(wb.w), 1/lambda, vec(x))
	if !allFinite(x) {
		return fmt.Errorf("solver: Woodbury: %w", ErrNotFinite)
	}
	setVec(dst, x)
	if cond := 1 / rcond; cond > mat.ConditionTolerance {
		return fmt.Errorf("solver: Woodbury: λI + GH: %w", mat.Condition(cond))
	}
	return nil
}
