package circuit

import (
	"runtime"
	"sync"

	"github.com/tngd/tngd/internal/gemm"
)

// Dense kernels of the low-rank method ([MethodLowRank]): products whose
// inner dimension is the number of cells N (Gram matrices of the arrays,
// r²N operations), by package gemm, and row-dot products with the arrays
// (J-products, rN), scheduled here on a pool of goroutines.
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

// lrMaxVec is the largest number of vectors of one J-product call.
const lrMaxVec = 4

// lrRowDotsTo computes the J-products y_v = A·x_v for the vectors x_v
// (each of length k) of the row-major m×k matrix a (stride lda):
// dst[v][i] = Σ_t a[i·lda + t]·xs[v][t]. See lrPar.rowDots; this form
// allocates and is for code off the hot path.
func lrRowDotsTo(dst [][]float64, a []float64, lda, m, k int, xs [][]float64) {
	var p lrPar
	var d, x [lrMaxVec][]float64
	for len(xs) > 0 {
		nv := min(len(xs), lrMaxVec)
		copy(d[:], dst[:nv])
		copy(x[:], xs[:nv])
		p.rowDots(nv, d, x, a, lda, m, k)
		dst, xs = dst[nv:], xs[nv:]
	}
}

// lrPar runs J-products on the caller's goroutine and the shared worker
// pool without allocating. Its zero value is ready; it must not be copied
// after first use or used by two goroutines at once.
type lrPar struct {
	wg sync.WaitGroup
}

// lrTask is a range of rows of one J-product, run by a pool worker.
type lrTask struct {
	nv             int
	dst, xs        [lrMaxVec][]float64
	a              []float64
	lda, lo, hi, k int
	wg             *sync.WaitGroup
}

// lrPool is GOMAXPROCS − 1 (at first use) long-lived goroutines that run
// lrTasks: sending a task copies it into the channel, so a J-product
// allocates nothing.
var lrPool struct {
	once    sync.Once
	workers int
	tasks   chan lrTask
}

func lrPoolWorkers() int {
	lrPool.once.Do(func() {
		lrPool.workers = runtime.GOMAXPROCS(0) - 1
		lrPool.tasks = make(chan lrTask, 64)
		for range lrPool.workers {
			go func() {
				for t := range lrPool.tasks {
					lrRowRange(t.nv, &t.dst, &t.xs, t.a, t.lda, t.lo, t.hi, t.k)
					t.wg.Done()
				}
			}()
		}
	})
	return lrPool.workers
}

// rowDots computes dst[v][i] = Σ_t a[i·lda + t]·xs[v][t] for v < nv ≤
// lrMaxVec, i < m. Long rows (≥ lrGroupMinLen) are taken four at a time
// (gemm.Dot4x3, Dot4x2, Dot4), each read once from memory for three vectors
// or a pair and the vectors once per four rows, so that they stream at
// memory speed; shorter ones one at a time. Rows are split in contiguous
// ranges, starting at multiples of four, between this goroutine and the
// pool (up to GOMAXPROCS ranges, none below ~256 KiB of a); each dot
// product is summed in an order fixed by its row index, so the result does
// not depend on the number of workers.
func (p *lrPar) rowDots(nv int, dst, xs [lrMaxVec][]float64, a []float64, lda, m, k int) {
	if nv == 0 || m == 0 {
		return
	}
	nw := lrWorkers(m * k / (1 << 15))
	if nw > 1 {
		nw = min(nw, lrPoolWorkers()+1, (m+3)/4)
	}
	if nw == 1 {
		lrRowRange(nv, &dst, &xs, a, lda, 0, m, k)
		return
	}
	split := func(id int) int { return min(id*m/nw&^3, m) }
	p.wg.Add(nw - 1)
	for id := 1; id < nw; id++ {
		hi := m
		if id+1 < nw {
			hi = split(id + 1)
		}
		lrPool.tasks <- lrTask{nv: nv, dst: dst, xs: xs, a: a, lda: lda, lo: split(id), hi: hi, k: k, wg: &p.wg}
	}
	lrRowRange(nv, &dst, &xs, a, lda, 0, split(1), k)
	p.wg.Wait()
}

// lrGroupMinLen is the shortest row taken four at a time by rowDots: short
// rows (the Jᵀ array's, of length r) are one contiguous stream row after
// row, which the hardware prefetches better than four interleaved ones,
// and their vectors stay in the first-level cache anyway.
const lrGroupMinLen = 4096

// lrRowRange computes rows lo…hi−1 of rowDots; lo is a multiple of four.
func lrRowRange(nv int, dst, xs *[lrMaxVec][]float64, a []float64, lda, lo, hi, k int) {
	var d4 [4]float64
	var d8 [8]float64
	var d12 [12]float64
	i := lo
	for ; k >= lrGroupMinLen && i+4 <= hi; i += 4 {
		rows := a[i*lda : (i+3)*lda+k]
		v := 0
		if nv == 3 {
			gemm.Dot4x3(&d12, rows, lda, k, xs[0][:k], xs[1][:k], xs[2][:k])
			copy(dst[0][i:i+4], d12[:4])
			copy(dst[1][i:i+4], d12[4:8])
			copy(dst[2][i:i+4], d12[8:])
			continue
		}
		for ; v+2 <= nv; v += 2 {
			gemm.Dot4x2(&d8, rows, lda, k, xs[v][:k], xs[v+1][:k])
			copy(dst[v][i:i+4], d8[:4])
			copy(dst[v+1][i:i+4], d8[4:])
		}
		if v < nv {
			gemm.Dot4(&d4, rows, lda, k, xs[v][:k])
			copy(dst[v][i:i+4], d4[:])
		}
	}
	for ; i < hi; i++ {
		row := a[i*lda : i*lda+k]
		v := 0
		for ; v+2 <= nv; v += 2 {
			dst[v][i], dst[v+1][i] = gemm.Dot2(row, xs[v][:k], xs[v+1][:k])
		}
		if v < nv {
			dst[v][i] = gemm.Dot(row, xs[v][:k])
		}
	}
}
