package gemm

import "sync"

// combChunk is the number of columns RowCombTo treats at a time: the
// chunks of its outputs (32 KiB each) stay in cache while the rows'
// chunks stream past.
const combChunk = 4096

// RowCombTo computes dst[v][t] = Σ_i cs[v][i]·a[i·lda + t] for t < k and
// the vectors c_v (length m, len(dst[v]) ≥ k) of the row-major m×k matrix
// a (stride lda): the products Aᵀ·c_v, as combinations of the rows of a
// ([Axpy], summed over i in order). Each chunk of combChunk columns reads
// the rows' chunks once from memory for all vectors; chunks are dealt to
// up to GOMAXPROCS goroutines (one below ~256 KiB of a), and each entry is
// computed by one of them in the same order, so the result does not depend
// on their number.
func RowCombTo(dst [][]float64, a []float64, lda, m, k int, cs [][]float64) {
	if len(dst) != len(cs) {
		panic("gemm: RowCombTo needs one output per vector")
	}
	chunks := (k + combChunk - 1) / combChunk
	chunk := func(q int) {
		t0, t1 := q*combChunk, min(k, (q+1)*combChunk)
		for v := range dst {
			clear(dst[v][t0:t1])
		}
		for i := range m {
			row := a[i*lda+t0 : i*lda+t1]
			for v, c := range cs {
				Axpy(c[i], row, dst[v][t0:t1])
			}
		}
	}
	nw := workers(min(chunks, m*k/(1<<15)))
	if nw == 1 {
		for q := range chunks {
			chunk(q)
		}
		return
	}
	var wg sync.WaitGroup
	for id := range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for q := id; q < chunks; q += nw {
				chunk(q)
			}
		}()
	}
	wg.Wait()
}
