package circuit

import (
	"runtime"

	"github.com/tngd/tngd/internal/gemm"
)

// Dense kernels of the low-rank method ([MethodLowRank]): products whose
// inner dimension is the number of cells N (Gram matrices of the arrays,
// r²N operations) and row-dot products with the arrays (J-products, rN),
// both by package gemm (MulTo, Par.RowDots).
const (
	lrMR = gemm.MR
	lrNR = gemm.NR
)

// lrOperand is a row-major matrix used as op(X): X itself, or Xᵀ when
// trans is set (gemm.Operand).
type lrOperand struct {
	data   []float64
	stride int
	trans  bool
}

func (o lrOperand) gemm() gemm.Operand {
	return gemm.Operand{Data: o.data, Stride: o.stride, Trans: o.trans}
}

// lrWorkers returns the number of goroutines for a product with rows rows
// of the result, at most GOMAXPROCS.
func lrWorkers(blocks int) int {
	return max(1, min(runtime.GOMAXPROCS(0), blocks))
}

// lrMulTo is gemm.MulTo: c = op(A)·diag(w)·op(B), overwritten; with upper
// only the upper triangle is computed and mirrored.
func lrMulTo(c []float64, ldc, m, n, k int, a lrOperand, w []float64, b lrOperand, upper bool) {
	gemm.MulTo(c, ldc, m, n, k, a.gemm(), w, b.gemm(), upper)
}

// lrKernel is gemm.Kernel, the micro-kernel of the product.
func lrKernel(kc int, a, b []float64, tile *[lrMR * lrNR]float64) { gemm.Kernel(kc, a, b, tile) }
