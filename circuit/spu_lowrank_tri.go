package circuit

import (
	"github.com/tngd/tngd/internal/gemm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// Products with the triangular Cholesky factor U of the symmetric-definite
// path (lrEigenSymDef), in blocks of lrTriBlock rows or columns on the
// blocked product kernel: X = U⁻¹Z by block back substitution instead of
// forming U⁻¹ (LAPACK's Dtrtri, serial here) and multiplying, and A·U
// without the products with U's zero lower triangle.

// lrTriBlock is the block size of the triangular products: two row blocks
// of gemm.MC, so that a block's update runs on two cores.
const lrTriBlock = 2 * gemm.MC

// lrUpperSolve overwrites the n×n row-major z with U⁻¹Z for the
// nonsingular upper triangular u (n×n row-major; its strict lower triangle
// is not read): from the last block of rows up, the block's rows of Z less
// U's off-diagonal block times the rows of X already found, then the
// inverse of the diagonal block (Dtrtri, lrTriBlock³/3) applied to them.
// About n³/2 + n²·lrTriBlock multiply–adds. It reports false if a
// diagonal entry of u is zero.
func lrUpperSolve(u, z []float64, n int) bool {
	const nb = lrTriBlock
	tmp := make([]float64, nb*n)
	inv := make([]float64, nb*nb)
	for i1 := n; i1 > 0; i1 -= nb {
		i0 := max(0, i1-nb)
		k := i1 - i0
		zb := z[i0*n : i1*n]
		if i1 < n {
			lrMulTo(tmp, n, k, n, n-i1, lrOperand{u[i0*n+i1:], n, false}, nil, lrOperand{z[i1*n:], n, false}, false)
			for i, v := range tmp[:k*n] {
				zb[i] -= v
			}
		}
		for i := range k {
			row := inv[i*k : (i+1)*k]
			clear(row[:i])
			copy(row[i:], u[(i0+i)*n+i0+i:(i0+i)*n+i1])
		}
		if !lapack64.Trtri(blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: k, Stride: k, Data: inv[:k*k]}) {
			return false
		}
		lrMulTo(tmp, n, k, n, k, lrOperand{inv, k, false}, nil, lrOperand{zb, n, false}, false)
		copy(zb, tmp[:k*n])
	}
	return true
}

// lrMulUpper overwrites the n×n row-major c with A·U for the n×n
// row-major a and upper triangular u whose strict lower triangle is zero:
// the columns j0 … j1−1 of C take rows 0 … j1−1 of U only. About n³/2 +
// n²·lrTriBlock/2 multiply–adds instead of n³.
func lrMulUpper(c, a, u []float64, n int) {
	for j0 := 0; j0 < n; j0 += lrTriBlock {
		j1 := min(n, j0+lrTriBlock)
		lrMulTo(c[j0:], n, n, j1-j0, j1, lrOperand{a, n, false}, nil, lrOperand{u[j0:], n, false}, false)
	}
}
