package circuit

import (
	"runtime"
	"sync"
)

// Dense kernels of the low-rank method ([MethodLowRank]): products whose
// inner dimension is the number of cells N (Gram matrices of the arrays,
// r²N operations) and row-dot products with the arrays (J-products, rN).
//
// The product kernel follows the Goto–van de Geijn scheme (K. Goto and
// R. van de Geijn, "Anatomy of high-performance matrix multiplication",
// ACM TOMS 34 (2008)): the inner dimension is cut into blocks of lrKC, a
// block of B is packed into column panels of lrNR, blocks of lrMC rows of
// A into row panels of lrMR, and a register-blocked micro-kernel computes
// each lrMR×lrNR tile. On amd64 with AVX2 and FMA the micro-kernel is
// assembly (spu_lowrank_gemm_amd64.s), elsewhere plain Go.
//
// Parallelism: the row blocks of the result are dealt round-robin to the
// workers; each tile of the result is computed by one goroutine, summing
// the inner blocks in order, so the result does not depend on the number
// of workers (only, through FMA, on the micro-kernel in use).

const (
	lrMR = 6   // rows of a micro-tile
	lrNR = 8   // columns of a micro-tile
	lrKC = 256 // inner block: an A panel (12 KiB) and a B panel (16 KiB) fit L1 together
	lrMC = 48  // rows per block dealt to a worker (8 panels, 96 KiB of packed A at lrKC)
)

// lrOperand is a row-major matrix used as op(X): X itself, or Xᵀ when
// trans is set. Element (i, k) of op(X) is data[i·stride + k], or
// data[k·stride + i] when transposed.
type lrOperand struct {
	data   []float64
	stride int
	trans  bool
}

// lrWorkers returns the number of goroutines for a product with rows rows
// of the result, at most GOMAXPROCS.
func lrWorkers(blocks int) int {
	return max(1, min(runtime.GOMAXPROCS(0), blocks))
}

// lrMulTo overwrites the m×n row-major c (stride ldc) with
// op(A)·diag(w)·op(B), op(A) m×k and op(B) k×n; w nil means the identity.
// With upper set only the tiles that meet the upper triangle (j ≥ i) are
// computed, for a symmetric result: c's strict lower triangle is then
// filled by mirroring.
func lrMulTo(c []float64, ldc, m, n, k int, a lrOperand, w []float64, b lrOperand, upper bool) {
	for i := range m {
		clear(c[i*ldc : i*ldc+n])
	}
	if m == 0 || n == 0 || k == 0 {
		return
	}
	blocks := (m + lrMC - 1) / lrMC
	nw := lrWorkers(blocks)
	run := func(id int) {
		kc0 := min(lrKC, k)
		np := (n + lrNR - 1) / lrNR
		buf := lrPackPool.Get().(*[]float64)
		defer lrPackPool.Put(buf)
		*buf = grow(*buf, np*kc0*lrNR+(lrMC/lrMR)*kc0*lrMR)
		bpack, apack := (*buf)[:np*kc0*lrNR], (*buf)[np*kc0*lrNR:]
		var tile [lrMR * lrNR]float64
		for p0 := 0; p0 < k; p0 += lrKC {
			kc := min(lrKC, k-p0)
			lrPackB(bpack, b, w, p0, kc, n)
			for blk := id; blk < blocks; blk += nw {
				i0 := blk * lrMC
				mc := min(lrMC, m-i0)
				lrPackA(apack, a, i0, mc, p0, kc)
				for q := 0; q < np; q++ {
					j0 := q * lrNR
					if upper && j0+lrNR <= i0 {
						continue
					}
					nr := min(lrNR, n-j0)
					bp := bpack[q*kc*lrNR : (q+1)*kc*lrNR]
					for p := 0; p*lrMR < mc; p++ {
						ii := i0 + p*lrMR
						if upper && j0+lrNR <= ii {
							break
						}
						lrKernel(kc, apack[p*kc*lrMR:(p+1)*kc*lrMR], bp, &tile)
						mr := min(lrMR, m-ii)
						for r := range mr {
							row := c[(ii+r)*ldc+j0 : (ii+r)*ldc+j0+nr]
							t := tile[r*lrNR : r*lrNR+nr]
							for j := range row {
								row[j] += t[j]
							}
						}
					}
				}
			}
		}
	}
	if nw == 1 {
		run(0)
	} else {
		var wg sync.WaitGroup
		for id := range nw {
			wg.Add(1)
			go func() {
				defer wg.Done()
				run(id)
			}()
		}
		wg.Wait()
	}
	if upper {
		for i := 1; i < min(m, n); i++ {
			for j := 0; j < i; j++ {
				c[i*ldc+j] = c[j*ldc+i]
			}
		}
	}
}

// lrPackPool recycles the packing buffers of lrMulTo (a few MiB per
// worker and product).
var lrPackPool = sync.Pool{New: func() any { return new([]float64) }}

// lrPackA packs rows i0…i0+mc−1, inner indices p0…p0+kc−1 of op(A) into
// row panels of lrMR (zero-padded): element (i0 + lrMR·p + r, p0 + t) goes
// to dst[p·kc·lrMR + t·lrMR + r].
func lrPackA(dst []float64, a lrOperand, i0, mc, p0, kc int) {
	for p := 0; p*lrMR < mc; p++ {
		panel := dst[p*kc*lrMR : (p+1)*kc*lrMR]
		rows := min(lrMR, mc-p*lrMR)
		if rows < lrMR {
			clear(panel)
		}
		for r := range rows {
			i := i0 + p*lrMR + r
			if !a.trans {
				src := a.data[i*a.stride+p0 : i*a.stride+p0+kc]
				for t, v := range src {
					panel[t*lrMR+r] = v
				}
			} else {
				for t := range kc {
					panel[t*lrMR+r] = a.data[(p0+t)*a.stride+i]
				}
			}
		}
	}
}

// lrPackB packs inner indices p0…p0+kc−1 and all n columns of
// diag(w)·op(B) into column panels of lrNR (zero-padded): element
// (p0 + t, lrNR·q + j) goes to dst[q·kc·lrNR + t·lrNR + j].
func lrPackB(dst []float64, b lrOperand, w []float64, p0, kc, n int) {
	np := (n + lrNR - 1) / lrNR
	if n%lrNR != 0 {
		clear(dst[(np-1)*kc*lrNR : np*kc*lrNR])
	}
	if !b.trans {
		for t := range kc {
			src := b.data[(p0+t)*b.stride : (p0+t)*b.stride+n]
			wt := 1.0
			if w != nil {
				wt = w[p0+t]
			}
			for q := range np {
				d := dst[q*kc*lrNR+t*lrNR : q*kc*lrNR+t*lrNR+lrNR]
				s := src[q*lrNR : min(n, q*lrNR+lrNR)]
				for j, v := range s {
					d[j] = wt * v
				}
			}
		}
		return
	}
	for j := range n {
		q, jj := j/lrNR, j%lrNR
		src := b.data[j*b.stride+p0 : j*b.stride+p0+kc]
		d := dst[q*kc*lrNR:]
		if w == nil {
			for t, v := range src {
				d[t*lrNR+jj] = v
			}
		} else {
			ws := w[p0 : p0+kc]
			for t, v := range src {
				d[t*lrNR+jj] = ws[t] * v
			}
		}
	}
}

// lrKernel writes into tile the lrMR×lrNR product of the packed panels a
// (kc×lrMR) and b (kc×lrNR), overwriting it. Set at init to the assembly
// kernel where the CPU has one.
var lrKernel = lrKernelGo

// lrKernelGo is the portable micro-kernel.
func lrKernelGo(kc int, a, b []float64, tile *[lrMR * lrNR]float64) {
	var c [lrMR * lrNR]float64
	a = a[:kc*lrMR]
	b = b[:kc*lrNR]
	for t := 0; t < kc; t++ {
		bt := (*[lrNR]float64)(b[t*lrNR:])
		at := (*[lrMR]float64)(a[t*lrMR:])
		for r, ar := range at {
			cr := (*[lrNR]float64)(c[r*lrNR:])
			cr[0] += ar * bt[0]
			cr[1] += ar * bt[1]
			cr[2] += ar * bt[2]
			cr[3] += ar * bt[3]
			cr[4] += ar * bt[4]
			cr[5] += ar * bt[5]
			cr[6] += ar * bt[6]
			cr[7] += ar * bt[7]
		}
	}
	*tile = c
}

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
// lrMaxVec, i < m. Each row is read once from memory for all vectors (in
// pairs, the row staying in cache). Rows are split in contiguous ranges
// between this goroutine and the pool (up to GOMAXPROCS ranges, none
// below ~256 KiB of a); each dot product is summed in a fixed order, so
// the result does not depend on the number of workers.
func (p *lrPar) rowDots(nv int, dst, xs [lrMaxVec][]float64, a []float64, lda, m, k int) {
	if nv == 0 || m == 0 {
		return
	}
	nw := lrWorkers(m * k / (1 << 15))
	if nw > 1 {
		nw = min(nw, lrPoolWorkers()+1)
	}
	if nw == 1 {
		lrRowRange(nv, &dst, &xs, a, lda, 0, m, k)
		return
	}
	p.wg.Add(nw - 1)
	for id := 1; id < nw; id++ {
		lrPool.tasks <- lrTask{nv: nv, dst: dst, xs: xs, a: a, lda: lda, lo: id * m / nw, hi: (id + 1) * m / nw, k: k, wg: &p.wg}
	}
	lrRowRange(nv, &dst, &xs, a, lda, 0, m/nw, k)
	p.wg.Wait()
}

// lrRowRange computes rows lo…hi−1 of rowDots.
func lrRowRange(nv int, dst, xs *[lrMaxVec][]float64, a []float64, lda, lo, hi, k int) {
	for i := lo; i < hi; i++ {
		row := a[i*lda : i*lda+k]
		v := 0
		for ; v+2 <= nv; v += 2 {
			dst[v][i], dst[v+1][i] = lrDot2(row, xs[v][:k], xs[v+1][:k])
		}
		if v < nv {
			dst[v][i] = lrDot(row, xs[v][:k])
		}
	}
}

// lrDot and lrDot2 are the dot products of lrRowDotsTo, lrAxpy computes
// y += a·x; set at init to assembly where available.
var (
	lrDot  = lrDotGo
	lrDot2 = lrDot2Go
	lrAxpy = lrAxpyGo
)

func lrAxpyGo(a float64, x, y []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}

func lrDotGo(a, x []float64) float64 {
	x = x[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * x[i]
		s1 += a[i+1] * x[i+1]
		s2 += a[i+2] * x[i+2]
		s3 += a[i+3] * x[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func lrDot2Go(a, x, y []float64) (float64, float64) {
	x = x[:len(a)]
	y = y[:len(a)]
	var s0, s1, t0, t1 float64
	i := 0
	for ; i+2 <= len(a); i += 2 {
		s0 += a[i] * x[i]
		s1 += a[i+1] * x[i+1]
		t0 += a[i] * y[i]
		t1 += a[i+1] * y[i+1]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * x[i]
		t0 += a[i] * y[i]
	}
	return s0 + s1, t0 + t1
}
