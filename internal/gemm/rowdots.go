package gemm

import (
	"runtime"
	"sync"
)

// Row-dot products: y_v = A·x_v for a few vectors x_v and a long
// row-major A (the J-products of the SPU simulation, rN operations), on
// the caller's goroutine and a pool of long-lived workers.

// MaxVec is the largest number of vectors of one J-product call.
const MaxVec = 4

// RowDotsTo computes the J-products y_v = A·x_v for the vectors x_v
// (each of length k) of the row-major m×k matrix a (stride lda):
// dst[v][i] = Σ_t a[i·lda + t]·xs[v][t]. See Par.RowDots; this form
// allocates and is for code off the hot path.
func RowDotsTo(dst [][]float64, a []float64, lda, m, k int, xs [][]float64) {
	var p Par
	var d, x [MaxVec][]float64
	for len(xs) > 0 {
		nv := min(len(xs), MaxVec)
		copy(d[:], dst[:nv])
		copy(x[:], xs[:nv])
		p.RowDots(nv, d, x, a, lda, m, k)
		dst, xs = dst[nv:], xs[nv:]
	}
}

// Par runs J-products on the caller's goroutine and the shared worker
// pool without allocating. Its zero value is ready; it must not be copied
// after first use or used by two goroutines at once.
type Par struct {
	wg sync.WaitGroup
}

// task is a range of rows of one J-product, run by a pool worker.
type task struct {
	nv             int
	dst, xs        [MaxVec][]float64
	a              []float64
	lda, lo, hi, k int
	wg             *sync.WaitGroup
}

// pool is GOMAXPROCS − 1 (at first use) long-lived goroutines that run
// tasks: sending a task copies it into the channel, so a J-product
// allocates nothing.
var pool struct {
	once    sync.Once
	workers int
	tasks   chan task
}

func poolWorkers() int {
	pool.once.Do(func() {
		pool.workers = runtime.GOMAXPROCS(0) - 1
		pool.tasks = make(chan task, 64)
		for range pool.workers {
			go func() {
				for t := range pool.tasks {
					rowRange(t.nv, &t.dst, &t.xs, t.a, t.lda, t.lo, t.hi, t.k)
					t.wg.Done()
				}
			}()
		}
	})
	return pool.workers
}

// RowDots computes dst[v][i] = Σ_t a[i·lda + t]·xs[v][t] for v < nv ≤
// MaxVec, i < m. Long rows (≥ groupMinLen) are taken four at a time
// (Dot4x3, Dot4x2, Dot4), each read once from memory for three vectors
// or a pair and the vectors once per four rows, so that they stream at
// memory speed; shorter ones one at a time. Rows are split in contiguous
// ranges, starting at multiples of four, between this goroutine and the
// pool (up to GOMAXPROCS ranges, none below ~256 KiB of a); each dot
// product is summed in an order fixed by its row index, so the result does
// not depend on the number of workers.
func (p *Par) RowDots(nv int, dst, xs [MaxVec][]float64, a []float64, lda, m, k int) {
	if nv == 0 || m == 0 {
		return
	}
	nw := workers(m * k / (1 << 15))
	if nw > 1 {
		nw = min(nw, poolWorkers()+1, (m+3)/4)
	}
	if nw == 1 {
		rowRange(nv, &dst, &xs, a, lda, 0, m, k)
		return
	}
	split := func(id int) int { return min(id*m/nw&^3, m) }
	p.wg.Add(nw - 1)
	for id := 1; id < nw; id++ {
		hi := m
		if id+1 < nw {
			hi = split(id + 1)
		}
		pool.tasks <- task{nv: nv, dst: dst, xs: xs, a: a, lda: lda, lo: split(id), hi: hi, k: k, wg: &p.wg}
	}
	rowRange(nv, &dst, &xs, a, lda, 0, split(1), k)
	p.wg.Wait()
}

// groupMinLen is the shortest row taken four at a time by RowDots: short
// rows (the Jᵀ array's, of length r) are one contiguous stream row after
// row, which the hardware prefetches better than four interleaved ones,
// and their vectors stay in the first-level cache anyway.
const groupMinLen = 4096

// rowRange computes rows lo…hi−1 of RowDots; lo is a multiple of four.
func rowRange(nv int, dst, xs *[MaxVec][]float64, a []float64, lda, lo, hi, k int) {
	var d4 [4]float64
	var d8 [8]float64
	var d12 [12]float64
	i := lo
	for ; k >= groupMinLen && i+4 <= hi; i += 4 {
		rows := a[i*lda : (i+3)*lda+k]
		v := 0
		if nv == 3 {
			Dot4x3(&d12, rows, lda, k, xs[0][:k], xs[1][:k], xs[2][:k])
			copy(dst[0][i:i+4], d12[:4])
			copy(dst[1][i:i+4], d12[4:8])
			copy(dst[2][i:i+4], d12[8:])
			continue
		}
		for ; v+2 <= nv; v += 2 {
			Dot4x2(&d8, rows, lda, k, xs[v][:k], xs[v+1][:k])
			copy(dst[v][i:i+4], d8[:4])
			copy(dst[v+1][i:i+4], d8[4:])
		}
		if v < nv {
			Dot4(&d4, rows, lda, k, xs[v][:k])
			copy(dst[v][i:i+4], d4[:])
		}
	}
	for ; i < hi; i++ {
		row := a[i*lda : i*lda+k]
		v := 0
		for ; v+2 <= nv; v += 2 {
			dst[v][i], dst[v+1][i] = Dot2(row, xs[v][:k], xs[v+1][:k])
		}
		if v < nv {
			dst[v][i] = Dot(row, xs[v][:k])
		}
	}
}
