package circuit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// naiveMul is the reference for lrMulTo: op(A)·diag(w)·op(B), summed in
// order.
func naiveMul(m, n, k int, a lrOperand, w []float64, b lrOperand) []float64 {
	at := func(o lrOperand, i, j int) float64 {
		if o.trans {
			return o.data[j*o.stride+i]
		}
		return o.data[i*o.stride+j]
	}
	c := make([]float64, m*n)
	for i := range m {
		for j := range n {
			s := 0.0
			for l := range k {
				wl := 1.0
				if w != nil {
					wl = w[l]
				}
				s += at(a, i, l) * wl * at(b, l, j)
			}
			c[i*n+j] = s
		}
	}
	return c
}

// withKernels runs f with the portable kernels and, where available, with
// the assembly ones.
func withKernels(t *testing.T, f func(t *testing.T)) {
	t.Run("go", func(t *testing.T) {
		k, d, d2, ax := lrKernel, lrDot, lrDot2, lrAxpy
		lrKernel, lrDot, lrDot2, lrAxpy = lrKernelGo, lrDotGo, lrDot2Go, lrAxpyGo
		defer func() { lrKernel, lrDot, lrDot2, lrAxpy = k, d, d2, ax }()
		f(t)
	})
	if lrAsm {
		t.Run("asm", f)
	}
}

// TestLowRankMul: lrMulTo equals the naive product to rounding (a
// relative 1e-13 of Σ|a||w||b|), for every transpose combination, with and
// without weights, symmetric (upper) results, sizes that are not multiples
// of the tiles and inner dimensions beyond one block.
func TestLowRankMul(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(41, 41))
		for _, dims := range [][3]int{{1, 1, 1}, {5, 7, 3}, {6, 8, 256}, {13, 17, 300}, {49, 9, 513}, {70, 70, 40}} {
			m, n, k := dims[0], dims[1], dims[2]
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					for _, weighted := range []bool{false, true} {
						name := fmt.Sprintf("%dx%dx%d/ta=%v/tb=%v/w=%v", m, n, k, ta, tb, weighted)
						a := randOperand(rng, m, k, ta)
						b := randOperand(rng, k, n, tb)
						var w []float64
						if weighted {
							w = make([]float64, k)
							for i := range w {
								w[i] = rng.NormFloat64()
							}
						}
						c := make([]float64, m*n)
						lrMulTo(c, n, m, n, k, a, w, b, false)
						want := naiveMul(m, n, k, a, w, b)
						tol := 1e-13 * float64(k) * 4
						for i := range c {
							require.InDelta(t, want[i], c[i], tol, "%s entry %d", name, i)
						}
					}
				}
			}
			// Symmetric: A·diag(w)·Aᵀ with only the upper tiles.
			a := randOperand(rng, m, k, false)
			w := make([]float64, k)
			for i := range w {
				w[i] = rng.Float64()
			}
			at := lrOperand{a.data, a.stride, true}
			c := make([]float64, m*m)
			lrMulTo(c, m, m, m, k, a, w, at, true)
			want := naiveMul(m, m, k, a, w, at)
			for i := range c {
				require.InDelta(t, want[i], c[i], 1e-13*float64(k)*4, "sym %v entry %d", dims, i)
			}
		}
	})
}

func randOperand(rng *rand.Rand, rows, cols int, trans bool) lrOperand {
	// op(X) is rows×cols; X is stored transposed when trans, with padding
	// in the stride.
	r, c := rows, cols
	if trans {
		r, c = cols, rows
	}
	stride := c + 3
	d := make([]float64, r*stride)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	return lrOperand{d, stride, trans}
}

// TestLowRankAxpy: y += a·x for lengths around the vector width.
func TestLowRankAxpy(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(44, 44))
		for _, n := range []int{0, 1, 7, 8, 9, 33} {
			x, y := make([]float64, n), make([]float64, n+1)
			for i := range x {
				x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()
			}
			y[n] = 42 // beyond len(x): untouched
			want := append([]float64(nil), y...)
			for i := range x {
				want[i] += -1.5 * x[i]
			}
			lrAxpy(-1.5, x, y)
			for i := range y {
				assert.InDelta(t, want[i], y[i], 1e-15, "n = %d, i = %d", n, i)
			}
		}
	})
}

// TestLowRankRowDots: the J-product kernel equals plain dot products.
func TestLowRankRowDots(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(42, 42))
		for _, dims := range [][2]int{{1, 1}, {3, 7}, {17, 33}, {200, 1000}, {5000, 40}} {
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
			for i := range m {
				var wx, wy float64
				for l := range k {
					wx += a[i*lda+l] * x[l]
					wy += a[i*lda+l] * y[l]
				}
				tol := 1e-13 * float64(k)
				assert.InDelta(t, wx, d1[i], tol)
				assert.InDelta(t, wy, d2[i], tol)
				assert.InDelta(t, wx, s1[i], tol)
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
