package circuit

import (
	"github.com/tngd/tngd/internal/gemm"
	"github.com/tngd/tngd/internal/symeig"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// The symmetric-definite path of the low-rank eigendecomposition.
//
// When the two J copies are identical (no programming error, no stuck
// devices, ideal stage op-amps) and the H stage is symmetric, the
// coupling K = Ĥ P has a symmetric Ĥ and a symmetric P = F diag(ε) Fᵀ,
// positive definite when the J array has full row rank. With the Cholesky
// factorization P = UᵀU, K is similar to the symmetric S = U Ĥ Uᵀ:
//
//	K U⁻¹ = Ĥ Uᵀ = U⁻¹ S,   S = Z Λ Zᵀ   ⇒   K = X Λ X⁻¹,  X = U⁻¹ Z,  X⁻¹ = Zᵀ U,
//
// so the eigenvalues are real and the non-symmetric QR algorithm
// (lrEigen) is replaced by a symmetric one (package symeig:
// tridiagonalization, the eigenvalues of the tridiagonal T by the
// root-free QL algorithm, its eigenvectors by inverse iteration in
// parallel, the back transformation by the blocked product kernel). The
// condition number of X is that of U, √cond(P).

// lrEigenSymDef computes the eigendecomposition K = X Λ X⁻¹ of K = H·P for
// the n×n row-major symmetric h and symmetric positive definite p (neither
// modified): the eigenvalues into w, X into the row-major x and X⁻¹ into
// xinv, and returns an estimate of the 1-norm condition number of X. It
// reports false, leaving the caller to the general path, if p is not
// positive definite or a check of the result fails.
func lrEigenSymDef(h, p []float64, n int, w, x, xinv []float64) (cond float64, ok bool) {
	if cond, ok, done := lrEigenSymDeflate(h, p, n, w, x, xinv); done {
		return cond, ok
	}
	// P = UᵀU.
	u := append([]float64(nil), p...)
	tri, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: n, Stride: n, Data: u})
	if !ok {
		return 0, false
	}
	for i := 1; i < n; i++ {
		clear(u[i*n : i*n+i]) // the strict lower triangle held P
	}
	work := make([]float64, 3*n)
	rc := lapack64.Trcon(lapack.MaxColumnSum, tri, work, make([]int, n))
	if !(rc > 0) {
		return 0, false
	}
	cond = 1 / rc

	// S = U H Uᵀ.
	tmp := make([]float64, n*n)
	s := make([]float64, n*n)
	lrCongruence(s, tmp, u, h, n)
	orig := append([]float64(nil), s...)

	// S = Z Λ Zᵀ.
	z, g := tmp, make([]float64, n*n)
	if !symeig.Decompose(s, n, w, z) || !symeig.Check(orig, n, w, z, g) {
		return 0, false
	}

	// X = U⁻¹Z; X⁻¹ = Z⁻¹U with Z⁻¹ = (ZᵀZ)⁻¹Zᵀ ≈ (2I − ZᵀZ)Zᵀ, exact to
	// ‖ZᵀZ − I‖² (checked below 1e-6 by symeig.Check, which left ZᵀZ
	// in g).
	for i, v := range g {
		g[i] = -v
	}
	for i := range n {
		g[i*n+i] += 2
	}
	lrMulTo(s, n, n, n, n, lrOperand{g, n, false}, nil, lrOperand{z, n, true}, false)
	lrMulUpper(xinv, s, u, n)
	copy(x[:n*n], z)
	if !lrUpperSolve(u, x, n) {
		return 0, false
	}
	return cond, true
}

// lrBlockMax is the largest diagonal block of H for which lrCongruence
// works block by block.
const lrBlockMax = 64

// lrCongruence writes S = U H Uᵀ into the n×n row-major s (symmetric to
// the last bit) for the upper triangular u and symmetric h, using the n×n
// tmp as workspace. When H is block diagonal with blocks of at most
// lrBlockMax rows (an output Hessian: one block per sample), each block is
// diagonalized, H = V diag(μ) Vᵀ, and S = M diag(μ) Mᵀ with M = U V is
// formed on its upper triangle: about n³ multiply–adds instead of the
// 2n³ of the two dense products of the general case.
func lrCongruence(s, tmp, u, h []float64, n int) {
	dense := func() {
		lrMulTo(tmp, n, n, n, n, lrOperand{u, n, false}, nil, lrOperand{h, n, false}, false)
		lrMulTo(s, n, n, n, n, lrOperand{tmp, n, false}, nil, lrOperand{u, n, true}, false)
		symmetrize(s, n)
	}
	blocks := lrDiagBlocks(h, n)
	if blocks == nil {
		dense()
		return
	}
	var impl gonum.Implementation
	mu := make([]float64, n)
	m := tmp // M = U V, row-major
	clear(m[:n*n])
	var vb, work []float64
	for b := 0; b+1 < len(blocks); b++ {
		lo, hi := blocks[b], blocks[b+1]
		k := hi - lo
		vb = grow(vb, k*k)
		for i := range k {
			copy(vb[i*k:(i+1)*k], h[(lo+i)*n+lo:(lo+i)*n+hi])
		}
		var q [1]float64
		impl.Dsyev(lapack.EVCompute, blas.Upper, k, vb, k, mu[lo:hi], q[:], -1)
		work = grow(work, int(q[0]))
		if !impl.Dsyev(lapack.EVCompute, blas.Upper, k, vb, k, mu[lo:hi], work, len(work)) {
			// Not expected for a block of ≤ lrBlockMax rows; the dense
			// products are exact in any case.
			dense()
			return
		}
		// Columns lo…hi−1 of M: U's columns of the block (rows ≤ hi−1,
		// U being upper triangular) times V_b.
		for i := range hi {
			urow, mrow := u[i*n+lo:i*n+hi], m[i*n+lo:i*n+hi]
			for t, ut := range urow {
				if ut != 0 {
					gemm.Axpy(ut, vb[t*k:(t+1)*k], mrow)
				}
			}
		}
	}
	lrMulTo(s, n, n, n, n, lrOperand{m, n, false}, mu, lrOperand{m, n, true}, true)
}

// lrDiagBlocks returns the boundaries 0 = b_0 < b_1 < … < b_m = n of the
// finest partition of the n×n row-major symmetric h into diagonal blocks
// (h is zero outside them), or nil if a block has more than lrBlockMax
// rows.
func lrDiagBlocks(h []float64, n int) []int {
	blocks := []int{0}
	end := 0 // last row of the current block, so far
	for i := range n {
		row := h[i*n : (i+1)*n]
		last := i
		for j := n - 1; j > i; j-- {
			if row[j] != 0 {
				last = j
				break
			}
		}
		end = max(end, last)
		if i == end {
			if i+1-blocks[len(blocks)-1] > lrBlockMax {
				return nil
			}
			blocks = append(blocks, i+1)
			end = i + 1
		}
	}
	return blocks
}

// lrEigenSymDeflate handles the rows k of an unused stage (a batch padded
// with zero rows of J and H): P's and Ĥ's row and column k vanish, so e_k
// is an eigenvector of K = Ĥ P for the eigenvalue 0 and the other
// eigenvectors are those of the remaining rows, extended by zeros. It
// solves that smaller problem by lrEigenSymDef and reports done = true,
// or done = false when there is no such row; ok = false if a row has
// P_kk = 0 but is not unused (P is then singular).
func lrEigenSymDeflate(h, p []float64, n int, w, x, xinv []float64) (cond float64, ok, done bool) {
	var act, unused []int
	for k := range n {
		if p[k*n+k] != 0 {
			act = append(act, k)
			continue
		}
		for j := range n {
			if p[k*n+j] != 0 || p[j*n+k] != 0 || h[k*n+j] != 0 || h[j*n+k] != 0 {
				return 0, false, true
			}
		}
		unused = append(unused, k)
	}
	if len(unused) == 0 {
		return 0, false, false
	}
	m := len(act)
	clear(x[:n*n])
	clear(xinv[:n*n])
	for t, k := range unused {
		j := m + t
		w[j], x[k*n+j], xinv[j*n+k] = 0, 1, 1
	}
	if m == 0 {
		return 1, true, true
	}
	ha, pa := make([]float64, m*m), make([]float64, m*m)
	for i, ki := range act {
		for j, kj := range act {
			ha[i*m+j], pa[i*m+j] = h[ki*n+kj], p[ki*n+kj]
		}
	}
	wa, xa, xia := make([]float64, m), make([]float64, m*m), make([]float64, m*m)
	cond, ok = lrEigenSymDef(ha, pa, m, wa, xa, xia)
	if !ok {
		return 0, false, true
	}
	copy(w, wa)
	for i, ki := range act {
		for j := range m {
			x[ki*n+j] = xa[i*m+j]
			xinv[j*n+ki] = xia[j*m+i]
		}
	}
	return cond, true, true
}
