package gemm

import (
	"fmt"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BLAS is gonum's pure-Go BLAS (gonum.org/v1/gonum/blas/gonum) with the
// level-3 routines that dominate tngd's dense linear algebra, Dgemm, Dsyrk
// and Dsyr2k, computed by [MulTo] when the product has at least
// blasMinFlops multiply–adds (smaller ones, and those with k = 0 or
// alpha = 0, go to gonum), and the symmetric matrix–vector product Dsymv
// (the level-2 half of LAPACK's tridiagonal reduction Dsytrd) on the
// vector kernels [Dot] and [Axpy] for unit strides. A program installs it for gonum's mat and
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
	updateTriangle(ul, n, c, ldc, p, alpha, beta)
}

// Dsyr2k computes C = alpha·(A·Bᵀ + B·Aᵀ) + beta·C (t = NoTrans, A and B
// n×k) or C = alpha·(Aᵀ·B + Bᵀ·A) + beta·C (t = Trans, A and B k×n) on
// the triangle ul of the symmetric n×n C, the other triangle untouched.
func (impl BLAS) Dsyr2k(ul blas.Uplo, t blas.Transpose, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if n*n*k < blasMinFlops || alpha == 0 || (ul != blas.Upper && ul != blas.Lower) {
		impl.Implementation.Dsyr2k(ul, t, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	ta := trans(t)
	ar, ac := n, k
	if ta {
		ar, ac = k, n
	}
	checkMatrix("A", ar, ac, a, lda)
	checkMatrix("B", ar, ac, b, ldb)
	checkMatrix("C", n, n, c, ldc)
	buf := blasPool.Get().(*[]float64)
	defer blasPool.Put(buf)
	*buf = grow(*buf, n*n)
	p := *buf // op(A)·op(B)ᵀ, then its sum with its transpose on triangle ul
	MulTo(p, n, n, n, k, Operand{a, lda, ta}, nil, Operand{b, ldb, !ta}, false)
	for i := range n {
		lo, hi := triangle(ul, n, i)
		for j := lo; j < hi; j++ {
			p[i*n+j] += p[j*n+i] // reads the other triangle only (or the diagonal)
		}
	}
	updateTriangle(ul, n, c, ldc, p, alpha, beta)
}

// triangle returns the column range [lo, hi) of row i of the triangle ul
// of an n×n matrix.
func triangle(ul blas.Uplo, n, i int) (lo, hi int) {
	if ul == blas.Lower {
		return 0, i + 1
	}
	return i, n
}

// updateTriangle sets C = alpha·P + beta·C (see update) on the triangle ul
// of the n×n C (stride ldc), P n×n contiguous.
func updateTriangle(ul blas.Uplo, n int, c []float64, ldc int, p []float64, alpha, beta float64) {
	for i := range n {
		lo, hi := triangle(ul, n, i)
		update(c[i*ldc+lo:i*ldc+hi], p[i*n+lo:i*n+hi], alpha, beta)
	}
}

// symvMin is the smallest order n of a Dsymv computed here: BenchmarkDsymv
// puts the break-even with gonum's loops near n = 48 (at n = 64 this is
// 1.2× faster with unit strides, 1.9× with strided vectors).
const symvMin = 64

// Dsymv computes y = alpha·A·x + beta·y for the symmetric n×n A stored in
// its triangle ul: each row of the triangle is read once, for a dot
// product and an axpy on the vector kernels (strided x and y are gathered
// into contiguous copies first; negative increments go to gonum).
func (impl BLAS) Dsymv(ul blas.Uplo, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	if n < symvMin || incX < 1 || incY < 1 || (ul != blas.Upper && ul != blas.Lower) {
		impl.Implementation.Dsymv(ul, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	checkMatrix("A", n, n, a, lda)
	if len(x) < (n-1)*incX+1 || len(y) < (n-1)*incY+1 {
		panic(fmt.Sprintf("gemm: Dsymv vectors of lengths %d and %d too short for n = %d", len(x), len(y), n))
	}
	buf := blasPool.Get().(*[]float64)
	defer blasPool.Put(buf)
	*buf = grow(*buf, 2*n)
	xc, yc := (*buf)[:n], (*buf)[n:2*n]
	for i := range n {
		xc[i] = x[i*incX]
	}
	for i := range n {
		switch beta {
		case 0:
			yc[i] = 0
		case 1:
			yc[i] = y[i*incY]
		default:
			yc[i] = beta * y[i*incY]
		}
	}
	if alpha != 0 {
		symv(ul, n, alpha, a, lda, xc, yc)
	}
	for i, v := range yc {
		y[i*incY] = v
	}
}

// symv adds alpha·A·x to y (contiguous, length n) for the symmetric A
// stored in its triangle ul.
func symv(ul blas.Uplo, n int, alpha float64, a []float64, lda int, x, y []float64) {
	if ul == blas.Upper {
		// Row i holds a_ij, j ≥ i: y_i += α·(a_ii x_i + Σ_{j>i} a_ij x_j),
		// y_j += α·a_ij x_i.
		for i := range n {
			row := a[i*lda+i+1 : i*lda+n]
			y[i] += alpha * (a[i*lda+i]*x[i] + Dot(row, x[i+1:]))
			Axpy(alpha*x[i], row, y[i+1:])
		}
		return
	}
	// Row i holds a_ij, j ≤ i.
	for i := range n {
		row := a[i*lda : i*lda+i]
		y[i] += alpha * (Dot(row, x) + a[i*lda+i]*x[i])
		Axpy(alpha*x[i], row, y)
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
