package gemm

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRowComb: RowCombTo equals the plain sums Σ_i c_i a_it for one and
// two vectors, with widths on both sides of a chunk and a stride larger
// than the width, to m·ε·Σ|c_i a_it| (any order of summation is within
// it); and one goroutine and two give the same bits.
func TestRowComb(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(47, 47))
		for _, mk := range [][2]int{{1, 1}, {3, 7}, {40, combChunk - 1}, {40, combChunk}, {17, 2*combChunk + 5}, {200, 900}} {
			m, k := mk[0], mk[1]
			lda := k + 3
			a := normals(rng, m*lda)
			c1, c2 := normals(rng, m), normals(rng, m)
			d1, d2 := make([]float64, k), make([]float64, k)
			RowCombTo([][]float64{d1, d2}, a, lda, m, k, [][]float64{c1, c2})
			s1 := make([]float64, k+1)
			s1[k] = 7
			RowCombTo([][]float64{s1}, a, lda, m, k, [][]float64{c1})
			require.Equal(t, 7.0, s1[k], "entry past k written")
			for j := range k {
				for _, p := range []struct {
					c   []float64
					got float64
				}{{c1, d1[j]}, {c2, d2[j]}, {c1, s1[j]}} {
					want, mag := 0.0, 0.0
					for i := range m {
						want += p.c[i] * a[i*lda+j]
						mag += math.Abs(p.c[i] * a[i*lda+j])
					}
					require.InDelta(t, want, p.got, 2*float64(m)*0x1p-52*mag, "m=%d k=%d column %d", m, k, j)
				}
			}
		}
	})
	rng := rand.New(rand.NewPCG(48, 48))
	const m, k = 30, 5*combChunk + 17
	a, c := normals(rng, m*k), normals(rng, m)
	one, two := make([]float64, k), make([]float64, k)
	prev := runtime.GOMAXPROCS(1)
	RowCombTo([][]float64{one}, a, k, m, k, [][]float64{c})
	runtime.GOMAXPROCS(2)
	RowCombTo([][]float64{two}, a, k, m, k, [][]float64{c})
	runtime.GOMAXPROCS(prev)
	for j := range one {
		require.Equal(t, math.Float64bits(one[j]), math.Float64bits(two[j]), "column %d", j)
	}
}
