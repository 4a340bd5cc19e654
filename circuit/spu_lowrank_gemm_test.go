package circuit

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tngd/tngd/internal/gemm"
)

// withKernels runs f with the portable kernels and, where available, with
// the assembly ones.
func withKernels(t *testing.T, f func(t *testing.T)) {
	t.Run("go", func(t *testing.T) {
		defer gemm.UsePortable()()
		f(t)
	})
	if gemm.Asm {
		t.Run("asm", f)
	}
}

// TestLowRankRowDots: the J-product kernel equals plain dot products, for
// one, two and three vectors, with rows short (one at a time) and long
// (four at a time, with a remainder).
func TestLowRankRowDots(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(42, 42))
		for _, dims := range [][2]int{{1, 1}, {3, 7}, {17, 33}, {200, 1000}, {5000, 40}, {9, lrGroupMinLen + 3}} {
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
			lrRowDotsTo([][]float64{d1, d2}, a, lda, m, k, [][]float64{x, y})
			s1 := make([]float64, m)
			lrRowDotsTo([][]float64{s1}, a, lda, m, k, [][]float64{x})
			t1, t2, t3 := make([]float64, m), make([]float64, m), make([]float64, m)
			lrRowDotsTo([][]float64{t1, t2, t3}, a, lda, m, k, [][]float64{x, y, x})
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

// TestLowRankWorkers: the low-rank method gives bit-identical results
// with one worker and with several (each product entry is summed by one
// goroutine in a fixed order).
func TestLowRankWorkers(t *testing.T) {
	run := func() []float64 {
		rng := rand.New(rand.NewPCG(43, 43))
		J, H, g := factoredProblem(700, 4, 5, rng)
		J.Scale(3/math.Sqrt(700), J)
		s := newFactored(t, lowRankHardware(true), J, H, 0.3, g, 43)
		s.Reset(g)
		for _, h := range []float64{3, 0.2, 0.2} {
			_, err := s.Run(h, &Evolution{Method: MethodLowRank})
			require.NoError(t, err)
		}
		return append([]float64(nil), s.x...)
	}
	lrPoolWorkers() // start the pool with the default GOMAXPROCS
	prev := runtime.GOMAXPROCS(1)
	one := run()
	runtime.GOMAXPROCS(max(prev, 4))
	many := run()
	runtime.GOMAXPROCS(prev)
	for i := range one {
		if math.Float64bits(one[i]) != math.Float64bits(many[i]) {
			t.Fatalf("state %d differs: %v with one worker, %v with several", i, one[i], many[i])
		}
	}
}

// TestLowRankRowDotsWorkers: rowDots split over the pool gives the same
// bits as one goroutine, for row counts that are not multiples of the
// four-row groups of long rows (the groups are aligned to the row index,
// not to the workers' ranges), and for short rows.
func TestLowRankRowDotsWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(46, 46))
	for _, mk := range [][2]int{{1001, 257}, {1002, 257}, {1003, 257}, {1004, 257}, {61, lrGroupMinLen + 5}, {62, lrGroupMinLen}, {63, lrGroupMinLen + 1}} {
		m, k := mk[0], mk[1]
		a := make([]float64, m*k)
		x, y, z := make([]float64, k), make([]float64, k), make([]float64, k)
		for i := range a {
			a[i] = rng.NormFloat64()
		}
		for i := range x {
			x[i], y[i], z[i] = rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
		}
		xs := [lrMaxVec][]float64{x, y, z}
		var one, many [lrMaxVec][]float64
		for v := range 3 {
			one[v], many[v] = make([]float64, m), make([]float64, m)
		}
		lrRowRange(3, &one, &xs, a, k, 0, m, k)
		if lrPoolWorkers() == 0 {
			t.Fatal("the pool has no worker: GOMAXPROCS is 1")
		}
		var p lrPar
		p.rowDots(3, many, xs, a, k, m, k)
		for v := range 3 {
			for i := range m {
				if math.Float64bits(one[v][i]) != math.Float64bits(many[v][i]) {
					t.Fatalf("m = %d, vector %d, row %d: %v with one goroutine, %v split", m, v, i, one[v][i], many[v][i])
				}
			}
		}
	}
}
