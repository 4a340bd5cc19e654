// Package symeig computes the eigendecomposition S = Z diag(w) Zᵀ of a
// dense symmetric matrix at the sizes of tngd's low-rank problems (a few
// hundred to a few thousand rows): the tridiagonal reduction S = Q T Qᵀ
// (LAPACK's Dsytrd, Q formed by Dorgtr on another goroutine), T split at
// negligible off-diagonal entries, the eigenvalues of each block by the
// root-free QL algorithm (Dsterf), the eigenvectors by inverse iteration
// (after LAPACK's Dstein) in parallel over clusters of eigenvalues, and
// the back transformation Z = Q Z_T on the blocked product kernel of
// package gemm. gonum's Dsyev applies the rotations of its QL iterations
// to the eigenvectors on one core; at n = 640 this is several times
// faster. The eigenvectors are orthogonal to about ε‖S‖/gap, not to ε:
// [Check] measures both the residual and the orthogonality, and callers
// correct for the rest. Results do not depend on the number of
// goroutines.
package symeig

import (
	"cmp"
	"math"
	"slices"

	"github.com/tngd/tngd/internal/gemm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack/gonum"
)

// Tol bounds the eigen-residual ‖S z − λ z‖ of each unit eigenvector
// that Check accepts, relative to ‖S‖_F, and Ortho the departure of the
// computed eigenvectors from orthonormality, max |ZᵀZ − I|: the inverse
// iteration is backward stable to a few n·ε, and vectors of distinct
// eigenvalues are orthogonal to about 2e-8 (see tridiagVectors); a larger
// value means a failure.
const (
	Tol   = 1e-11
	Ortho = 1e-6
)

// Check reports whether S Z = Z Λ holds column by column to Tol and Z is
// orthonormal to Ortho (n×n row-major s, z; Λ = diag(w)), leaving ZᵀZ in
// the n×n g, from which a caller corrects the orthogonality: Z⁻¹ =
// (ZᵀZ)⁻¹Zᵀ ≈ (2I − ZᵀZ)Zᵀ to ‖ZᵀZ − I‖².
func Check(s []float64, n int, w, z, g []float64) bool {
	sz := make([]float64, n*n)
	gemm.MulTo(sz, n, n, n, n, gemm.Operand{Data: s, Stride: n}, nil, gemm.Operand{Data: z, Stride: n}, false)
	norm := 0.0
	for _, v := range s {
		norm += v * v
	}
	norm = math.Sqrt(norm)
	res := make([]float64, n)
	for i := range n {
		for j := range n {
			d := sz[i*n+j] - w[j]*z[i*n+j]
			res[j] += d * d
		}
	}
	for _, r := range res {
		if !(math.Sqrt(r) <= Tol*norm) {
			return false
		}
	}
	gemm.MulTo(g, n, n, n, n, gemm.Operand{Data: z, Stride: n, Trans: true}, nil, gemm.Operand{Data: z, Stride: n}, true)
	for i := range n {
		for j := range n {
			want := 0.0
			if i == j {
				want = 1
			}
			if !(math.Abs(g[i*n+j]-want) <= Ortho) {
				return false
			}
		}
	}
	return true
}

// Decompose computes S = Z diag(w) Zᵀ for the n×n row-major symmetric s
// (destroyed): the tridiagonal reduction S = Q T Qᵀ (LAPACK's Dsytrd on
// the upper triangle; Q formed by Dorgtr on another goroutine), T split
// into blocks at negligible off-diagonal entries (tridiagBlocks), the
// eigenvalues of each block (Dsterf), their eigenvectors by inverse
// iteration (tridiagVectors) and Z = Q Z_T, with w ascending. The
// columns of the row-major z are unit vectors, orthogonal to about
// ε‖S‖/gap (see Check). It reports false if the QL algorithm did not
// converge.
func Decompose(s []float64, n int, w, z []float64) bool {
	if n == 1 {
		w[0], z[0] = s[0], 1
		return true
	}
	var impl gonum.Implementation
	d, e, tau := make([]float64, n), make([]float64, n-1), make([]float64, n-1)
	var q [1]float64
	impl.Dsytrd(blas.Upper, n, s, n, d, e, tau, q[:], -1)
	work := make([]float64, max(int(q[0]), 1))
	impl.Dsytrd(blas.Upper, n, s, n, d, e, tau, work, len(work))
	qm := slices.Clone(s) // the reflectors, then Q
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ql [1]float64
		impl.Dorgtr(blas.Upper, n, qm, n, tau, ql[:], -1)
		lw := max(int(ql[0]), 1)
		impl.Dorgtr(blas.Upper, n, qm, n, tau, make([]float64, lw), lw)
	}()
	// T splits where an off-diagonal entry is negligible next to ‖T‖₁;
	// the eigenpairs of each block are computed alone (see
	// tridiagBlocks), then ordered by eigenvalue.
	blocks := tridiagBlocks(d, e)
	copy(w, d)
	ee := append([]float64(nil), e...)
	for k := 0; k+1 < len(blocks); k++ {
		b0, b1 := blocks[k], blocks[k+1]
		if b1-b0 > 1 && !impl.Dsterf(b1-b0, w[b0:b1], ee[b0:b1-1]) {
			<-done
			return false
		}
	}
	order := make([]int, n) // order[r]: the r-th smallest eigenvalue
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(w[a], w[b]) })
	rank := make([]int, n) // rank[j]: the column of eigenvalue j
	for r, j := range order {
		rank[j] = r
	}
	zt := s // T's eigenvectors, row-major, columns
	tridiagVectors(d, e, blocks, w, rank, zt)
	ws := make([]float64, n)
	for j, r := range rank {
		ws[r] = w[j]
	}
	copy(w, ws)
	<-done
	gemm.MulTo(z, n, n, n, n, gemm.Operand{Data: qm, Stride: n}, nil, gemm.Operand{Data: zt, Stride: n}, false)
	return true
}

// Start is entry i of the start vector of eigenvalue j: a hash of
// (i, j) (SplitMix64's finalizer) mapped to [−½, ½), so that the vectors of
// a cluster start independent. It is deterministic, not a random source.
func Start(i, j int) float64 {
	z := uint64(i)<<32 ^ uint64(j) + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11)*0x1p-53 - 0.5
}
