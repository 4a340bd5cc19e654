package gemm

import (
	"fmt"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BLAS is gonum's pure-Go BLAS (gonum.org/v1/gonum/blas/gonum) with the
// two level-3 routines that dominate tngd's dense linear algebra, Dgemm
// and Dsyrk, computed by [MulTo] when the product has at least
// blasMinFlops multiply–adds (smaller ones, and those with k = 0 or
// alpha = 0, go to gonum). A program installs it for gonum's mat and
// lapack packages with blas64.Use(gemm.BLAS{}), as it would a cgo BLAS.
// Results differ from gonum's in rounding only (MulTo sums in blocks,
// with FMA where the CPU has it) and do not depend on the number of
// workers.
type BLAS struct {
	gonum.Implementation
}

// blasMinFlops is the smallest m·n·k sent to MulTo: below it the packing
// costs more than gonum's loops.
const blasMinFlops = 32 * 32 * 32

// blasPool recycles the m×n buffers of the products.
var blasPool = sync.Pool{New: func() any { return new([]float64) }}

// Dgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices,
// op(A) m×k and op(B) k×n.
func (impl BLAS) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m*n*k < blasMinFlops || alpha == 0 {
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	ta, tb := trans(tA), trans(tB)
	ar, ac, br, bc := m, k, k, n
	if ta {
		ar, ac = k, m
	}
	if tb {
		br, bc = n, k
	}
	checkMatrix("A", ar, ac, a, lda)
	checkMatrix("B", br, bc, b, ldb)
	checkMatrix("C", m, n, c, ldc)
	buf := blasPool.Get().(*[]float64)
	defer blasPool.Put(buf)
	*buf = grow(*buf, m*n)
	t := *buf
	MulTo(t, n, m, n, k, Operand{a, lda, ta}, nil, Operand{b, ldb, tb}, false)
	for i := range m {
		ci, ti := c[i*ldc:i*ldc+n], t[i*n:(i+1)*n]
		update(ci, ti, alpha, beta)
	}
}

// Dsyrk computes C = alpha·A·Aᵀ + beta·C (t = NoTrans, A n×k) or C =
// alpha·Aᵀ·A + beta·C (t = Trans, A k×n) on the triangle ul of the
// symmetric n×n C, the other triangle untouched.
func (impl BLAS) Dsyrk(ul blas.Uplo, t blas.Transpose, n, k int, alpha float64, a []float64, lda int, beta float64, c []float64, ldc int) {
	if n*n*k < 2*blasMinFlops || alpha == 0 || (ul != blas.Upper && ul != blas.Lower) {
		impl.Implementation.Dsyrk(ul, t, n, k, alpha, a, lda, beta, c, ldc)
		return
	}
	ta := trans(t)
	ar, ac := n, k
	if ta {
		ar, ac = k, n
	}
	checkMatrix("A", ar, ac, a, lda)
	checkMatrix("C", n, n, c, ldc)
	buf := blasPool.Get().(*[]float64)
	defer blasPool.Put(buf)
	*buf = grow(*buf, n*n)
	p := *buf
	MulTo(p, n, n, n, k, Operand{a, lda, ta}, nil, Operand{a, lda, !ta}, true)
	for i := range n {
		lo, hi := i, n
		if ul == blas.Lower {
			lo, hi = 0, i+1
		}
		update(c[i*ldc+lo:i*ldc+hi], p[i*n+lo:i*n+hi], alpha, beta)
	}
}

// update sets c = alpha·t + beta·c, not reading c when beta = 0 (BLAS
// semantics: C need not be set on input then).
func update(c, t []float64, alpha, beta float64) {
	switch beta {
	case 0:
		for j, v := range t {
			c[j] = alpha * v
		}
	case 1:
		for j, v := range t {
			c[j] += alpha * v
		}
	default:
		for j, v := range t {
			c[j] = alpha*v + beta*c[j]
		}
	}
}

func trans(t blas.Transpose) bool {
	switch t {
	case blas.NoTrans:
		return false
	case blas.Trans, blas.ConjTrans:
		return true
	}
	panic(fmt.Sprintf("gemm: bad transpose %q", byte(t)))
}

// checkMatrix panics, as gonum does, if the row-major rows×cols x with
// leading dimension ld does not fit its slice.
func checkMatrix(name string, rows, cols int, x []float64, ld int) {
	if ld < max(1, cols) {
		panic(fmt.Sprintf("gemm: bad leading dimension %d of %s (%d columns)", ld, name, cols))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("gemm: %s too short: %d elements for %d×%d with stride %d", name, len(x), rows, cols, ld))
	}
}
