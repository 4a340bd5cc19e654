// Package gemm holds the dense kernels of tngd: a blocked matrix product
// after Goto and van de Geijn (K. Goto and R. van de Geijn, "Anatomy of
// high-performance matrix multiplication", ACM TOMS 34 (2008)), dot
// products and axpy, thin products of a long matrix with a few vectors on
// all cores (Par.RowDots for A·x, RowCombTo for Aᵀ·c), the streaming
// passes that program resistor arrays (ScaleAbs, ScaleAbsT8, MaxAbsCopy:
// bit for bit the same on every kernel), with AVX2/FMA assembly on amd64
// and portable Go elsewhere (or with the build tag purego), and [BLAS], a
// gonum BLAS implementation whose Dgemm, Dsyrk, Dsyr2k and Dsymv use these
// kernels.
//
// The product cuts the inner dimension into blocks of KC, packs a block
// of B into column panels of NR and blocks of MC rows of A into row panels
// of MR, and computes each MR×NR tile with the register-blocked
// micro-kernel. The row blocks of the result are dealt round-robin to
// GOMAXPROCS goroutines; each tile is computed by one goroutine, summing
// the inner blocks in order, so the result does not depend on the number
// of workers (only, through FMA, on the micro-kernel in use).
package gemm

import (
	"runtime"
	"sync"
)

const (
	MR = 6   // rows of a micro-tile
	NR = 8   // columns of a micro-tile
	KC = 256 // inner block: an A panel (12 KiB) and a B panel (16 KiB) fit L1 together
	MC = 48  // rows per block dealt to a worker (8 panels, 96 KiB of packed A at KC)
)

// Operand is a row-major matrix used as op(X): X itself, or Xᵀ when Trans
// is set. Element (i, k) of op(X) is Data[i·Stride + k], or
// Data[k·Stride + i] when transposed.
type Operand struct {
	Data   []float64
	Stride int
	Trans  bool
}

// workers returns the number of goroutines for a product with blocks row
// blocks of the result, at most GOMAXPROCS.
func workers(blocks int) int {
	return max(1, min(runtime.GOMAXPROCS(0), blocks))
}

// MulTo overwrites the m×n row-major c (stride ldc) with
// op(A)·diag(w)·op(B), op(A) m×k and op(B) k×n; w nil means the identity.
// With upper set only the tiles that meet the upper triangle (j ≥ i) are
// computed, for a symmetric result: c's strict lower triangle is then
// filled by mirroring.
func MulTo(c []float64, ldc, m, n, k int, a Operand, w []float64, b Operand, upper bool) {
	for i := range m {
		clear(c[i*ldc : i*ldc+n])
	}
	if m == 0 || n == 0 || k == 0 {
		return
	}
	blocks := (m + MC - 1) / MC
	nw := workers(blocks)
	run := func(id int) {
		kc0 := min(KC, k)
		np := (n + NR - 1) / NR
		buf := packPool.Get().(*[]float64)
		defer packPool.Put(buf)
		*buf = grow(*buf, np*kc0*NR+(MC/MR)*kc0*MR)
		bpack, apack := (*buf)[:np*kc0*NR], (*buf)[np*kc0*NR:]
		var tile [MR * NR]float64
		for p0 := 0; p0 < k; p0 += KC {
			kc := min(KC, k-p0)
			packB(bpack, b, w, p0, kc, n)
			for blk := id; blk < blocks; blk += nw {
				i0 := blk * MC
				mc := min(MC, m-i0)
				packA(apack, a, i0, mc, p0, kc)
				for q := 0; q < np; q++ {
					j0 := q * NR
					if upper && j0+NR <= i0 {
						continue
					}
					nr := min(NR, n-j0)
					bp := bpack[q*kc*NR : (q+1)*kc*NR]
					for p := 0; p*MR < mc; p++ {
						ii := i0 + p*MR
						if upper && j0+NR <= ii {
							break
						}
						Kernel(kc, apack[p*kc*MR:(p+1)*kc*MR], bp, &tile)
						mr := min(MR, m-ii)
						for r := range mr {
							row := c[(ii+r)*ldc+j0 : (ii+r)*ldc+j0+nr]
							t := tile[r*NR : r*NR+nr]
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

// packPool recycles the packing buffers of MulTo (a few MiB per
// worker and product).
var packPool = sync.Pool{New: func() any { return new([]float64) }}

// packA packs rows i0…i0+mc−1, inner indices p0…p0+kc−1 of op(A) into
// row panels of MR (zero-padded): element (i0 + MR·p + r, p0 + t) goes
// to dst[p·kc·MR + t·MR + r].
func packA(dst []float64, a Operand, i0, mc, p0, kc int) {
	for p := 0; p*MR < mc; p++ {
		panel := dst[p*kc*MR : (p+1)*kc*MR]
		rows := min(MR, mc-p*MR)
		if rows < MR {
			clear(panel)
		}
		for r := range rows {
			i := i0 + p*MR + r
			if !a.Trans {
				src := a.Data[i*a.Stride+p0 : i*a.Stride+p0+kc]
				for t, v := range src {
					panel[t*MR+r] = v
				}
			} else {
				for t := range kc {
					panel[t*MR+r] = a.Data[(p0+t)*a.Stride+i]
				}
			}
		}
	}
}

// packB packs inner indices p0…p0+kc−1 and all n columns of
// diag(w)·op(B) into column panels of NR (zero-padded): element
// (p0 + t, NR·q + j) goes to dst[q·kc·NR + t·NR + j].
func packB(dst []float64, b Operand, w []float64, p0, kc, n int) {
	np := (n + NR - 1) / NR
	if n%NR != 0 {
		clear(dst[(np-1)*kc*NR : np*kc*NR])
	}
	if !b.Trans {
		for t := range kc {
			src := b.Data[(p0+t)*b.Stride : (p0+t)*b.Stride+n]
			wt := 1.0
			if w != nil {
				wt = w[p0+t]
			}
			for q := range np {
				d := dst[q*kc*NR+t*NR : q*kc*NR+t*NR+NR]
				s := src[q*NR : min(n, q*NR+NR)]
				for j, v := range s {
					d[j] = wt * v
				}
			}
		}
		return
	}
	for j := range n {
		q, jj := j/NR, j%NR
		src := b.Data[j*b.Stride+p0 : j*b.Stride+p0+kc]
		d := dst[q*kc*NR:]
		if w == nil {
			for t, v := range src {
				d[t*NR+jj] = v
			}
		} else {
			ws := w[p0 : p0+kc]
			for t, v := range src {
				d[t*NR+jj] = ws[t] * v
			}
		}
	}
}

// kernelGo is the portable micro-kernel.
func kernelGo(kc int, a, b []float64, tile *[MR * NR]float64) {
	var c [MR * NR]float64
	a = a[:kc*MR]
	b = b[:kc*NR]
	for t := 0; t < kc; t++ {
		bt := (*[NR]float64)(b[t*NR:])
		at := (*[MR]float64)(a[t*MR:])
		for r, ar := range at {
			cr := (*[NR]float64)(c[r*NR:])
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

// Kernel writes into tile the MR×NR product of the packed panels a
// (kc×MR, row t holding A's column t) and b (kc×NR), overwriting it.
func Kernel(kc int, a, b []float64, tile *[MR * NR]float64) {
	if useAsm {
		kernelAsm(kc, a, b, tile)
		return
	}
	kernelGo(kc, a, b, tile)
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
