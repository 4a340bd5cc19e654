package gemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRowDots: the J-product kernel equals plain dot products, for
// one, two and three vectors, with rows short (one at a time) and long
// (four at a time, with a remainder).
func TestRowDots(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(42, 42))
		for _, dims := range [][2]int{{1, 1}, {3, 7}, {17, 33}, {200, 1000}, {5000, 40}, {9, groupMinLen + 3}} {
			m, k := dims[0], dims[1]
			lda := k + 1
			a := make([]float64, m*lda)
			x, y := make([]float64, k), make([]float64, k)
			for i := range a {
				a[i] = rng.NormFloat64()
			}
			for i := range x {
				x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()
			}
			d1, d2 := make([]float64, m), make([]float64, m)
			RowDotsTo([][]float64{d1, d2}, a, lda, m, k, [][]float64{x, y})
			s1 := make([]float64, m)
			RowDotsTo([][]float64{s1}, a, lda, m, k, [][]float64{x})
			t1, t2, t3 := make([]float64, m), make([]float64, m), make([]float64, m)
			RowDotsTo([][]float64{t1, t2, t3}, a, lda, m, k, [][]float64{x, y, x})
			for i := range m {
				var wx, wy, ax, ay float64
				for l := range k {
					wx += a[i*lda+l] * x[l]
					wy += a[i*lda+l] * y[l]
					ax += math.Abs(a[i*lda+l] * x[l])
					ay += math.Abs(a[i*lda+l] * y[l])
				}
				// Each sum of k products is within k·ε·Σ|a_l x_l| of the
				// exact one, whatever its order.
				tx, ty := 2*float64(k)*0x1p-52*ax, 2*float64(k)*0x1p-52*ay
				assert.InDelta(t, wx, d1[i], tx)
				assert.InDelta(t, wy, d2[i], ty)
				assert.InDelta(t, wx, s1[i], tx)
				assert.InDelta(t, wx, t1[i], tx)
				assert.InDelta(t, wy, t2[i], ty)
				assert.InDelta(t, wx, t3[i], tx)
			}
		}
	})
}

// TestRowDotsWorkers: rowDots split over the pool gives the same
// bits as one goroutine, for row counts that are not multiples of the
// four-row groups of long rows (the groups are aligned to the row index,
// not to the workers' ranges), and for short rows.
func TestRowDotsWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(46, 46))
	for _, mk := range [][2]int{{1001, 257}, {1002, 257}, {1003, 257}, {1004, 257}, {61, groupMinLen + 5}, {62, groupMinLen}, {63, groupMinLen + 1}} {
		m, k := mk[0], mk[1]
		a := make([]float64, m*k)
		x, y, z := make([]float64, k), make([]float64, k), make([]float64, k)
		for i := range a {
			a[i] = rng.NormFloat64()
		}
		for i := range x {
			x[i], y[i], z[i] = rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
		}
		xs := [MaxVec][]float64{x, y, z}
		var one, many [MaxVec][]float64
		for v := range 3 {
			one[v], many[v] = make([]float64, m), make([]float64, m)
		}
		rowRange(3, &one, &xs, a, k, 0, m, k)
		if poolWorkers() == 0 {
			t.Fatal("the pool has no worker: GOMAXPROCS is 1")
		}
		var p Par
		p.RowDots(3, many, xs, a, k, m, k)
		for v := range 3 {
			for i := range m {
				if math.Float64bits(one[v][i]) != math.Float64bits(many[v][i]) {
					t.Fatalf("m = %d, vector %d, row %d: %v with one goroutine, %v split", m, v, i, one[v][i], many[v][i])
				}
			}
		}
	}
}
