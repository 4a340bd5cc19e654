package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestBLAS: BLAS's Dgemm, Dsyrk and Dsyr2k equal gonum's to rounding for
// every transpose, alpha and beta (beta = 0 must not read C: it holds NaN),
// padded strides, sizes on both sides of the threshold, and leave the other
// triangle untouched. Tolerance: an entry sums k products of standard
// normals, each sum off by at most k·ε·Σ|a_i b_i| ≈ k·ε·(2/π)k in either
// implementation, times |α| ≤ 2: 2·2·(2/π)·ε·k² < 4e-13·k for k ≤ 1,000
// (k ≤ 300 here); Dsyr2k sums twice as many terms (8e-13·k).
func TestBLAS(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 51))
	fill := func(n int) []float64 { return normals(rng, n) }
	var ref gonum.Implementation
	var impl BLAS
	for _, dims := range [][3]int{{3, 4, 5}, {40, 33, 50}, {70, 90, 300}} {
		m, n, k := dims[0], dims[1], dims[2]
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				for _, ab := range [][2]float64{{1, 0}, {-0.5, 1}, {2, 0.25}} {
					name := fmt.Sprintf("gemm %v %c%c α=%g β=%g", dims, tA, tB, ab[0], ab[1])
					ac, bc := k, n
					ar, br := m, k
					if tA == blas.Trans {
						ar, ac = k, m
					}
					if tB == blas.Trans {
						br, bc = n, k
					}
					lda, ldb, ldc := ac+2, bc+1, n+3
					a, b := fill(ar*lda), fill(br*ldb)
					c := fill(m * ldc)
					unsetIfZero(c, ab[1])
					want := append([]float64(nil), c...)
					ref.Dgemm(tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
					impl.Dgemm(tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], c, ldc)
					for i := range m {
						for j := range ldc {
							w, g := want[i*ldc+j], c[i*ldc+j]
							if j >= n { // padding: untouched
								require.Equal(t, math.Float64bits(w), math.Float64bits(g), "%s pad (%d, %d)", name, i, j)
								continue
							}
							require.InDelta(t, w, g, 1e-13*float64(k)*4, "%s (%d, %d)", name, i, j)
						}
					}
				}
			}
		}
		for _, ul := range []blas.Uplo{blas.Upper, blas.Lower} {
			for _, tr := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				for _, ab := range [][2]float64{{1, 0}, {-0.5, 1}, {2, 0.25}} {
					name := fmt.Sprintf("syrk n=%d k=%d %c %c α=%g β=%g", n, k, ul, tr, ab[0], ab[1])
					ar, ac := n, k
					if tr == blas.Trans {
						ar, ac = k, n
					}
					lda, ldc := ac+1, n+2
					a, c := fill(ar*lda), fill(n*ldc) // not NaN: gonum's Dsyrk reads C in some β = 0 cases
					want := append([]float64(nil), c...)
					ref.Dsyrk(ul, tr, n, k, ab[0], a, lda, ab[1], want, ldc)
					impl.Dsyrk(ul, tr, n, k, ab[0], a, lda, ab[1], c, ldc)
					checkTriangle(t, name, ul, n, ldc, want, c, 1e-13*float64(k)*4)
					name = "syr2k" + name[len("syrk"):]
					b := fill(ar * lda)
					c = fill(n * ldc)
					unsetIfZero(c, ab[1])
					want = append([]float64(nil), c...)
					ref.Dsyr2k(ul, tr, n, k, ab[0], a, lda, b, lda, ab[1], want, ldc)
					impl.Dsyr2k(ul, tr, n, k, ab[0], a, lda, b, lda, ab[1], c, ldc)
					checkTriangle(t, name, ul, n, ldc, want, c, 1e-13*float64(k)*8)
				}
			}
		}
	}
}

// unsetIfZero fills c with NaN when beta = 0, where BLAS must not read C.
func unsetIfZero(c []float64, beta float64) {
	if beta == 0 {
		for i := range c {
			c[i] = math.NaN()
		}
	}
}

// checkTriangle requires got = want within tol on the triangle ul of the
// n×n matrices (stride ldc) and bit for bit elsewhere (untouched).
func checkTriangle(t *testing.T, name string, ul blas.Uplo, n, ldc int, want, got []float64, tol float64) {
	t.Helper()
	for i := range n {
		for j := range ldc {
			w, g := want[i*ldc+j], got[i*ldc+j]
			inside := j < n && ((ul == blas.Upper && j >= i) || (ul == blas.Lower && j <= i))
			if !inside {
				require.Equal(t, math.Float64bits(w), math.Float64bits(g), "%s outside (%d, %d)", name, i, j)
				continue
			}
			require.InDelta(t, w, g, tol, "%s (%d, %d)", name, i, j)
		}
	}
}

// TestBLASSymv: BLAS's Dsymv equals gonum's to rounding (1e-13·n) for both
// triangles, unit and strided vectors, alpha and beta (beta = 0 must not
// read y: it holds NaN), sizes on both sides of symvMin, and writes y only
// at its strided positions.
func TestBLASSymv(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 53))
	fill := func(n int) []float64 { return normals(rng, n) }
	var ref gonum.Implementation
	var impl BLAS
	for _, n := range []int{5, 32, 77, 200} {
		for _, ul := range []blas.Uplo{blas.Upper, blas.Lower} {
			for _, inc := range [][2]int{{1, 1}, {3, 2}} {
				for _, ab := range [][2]float64{{1, 0}, {-0.5, 1}, {2, 0.25}, {0, 0.5}} {
					name := fmt.Sprintf("n=%d %c inc=%v α=%g β=%g", n, ul, inc, ab[0], ab[1])
					lda := n + 3
					a := fill(n * lda)
					x := fill((n-1)*inc[0] + 1)
					y := fill((n-1)*inc[1] + 2)
					if ab[1] == 0 {
						for i := 0; i < len(y); i += inc[1] {
							y[i] = math.NaN()
						}
					}
					want := append([]float64(nil), y...)
					ref.Dsymv(ul, n, ab[0], a, lda, x, inc[0], ab[1], want, inc[1])
					impl.Dsymv(ul, n, ab[0], a, lda, x, inc[0], ab[1], y, inc[1])
					for i := range y {
						if i%inc[1] != 0 || i > (n-1)*inc[1] {
							require.Equal(t, math.Float64bits(want[i]), math.Float64bits(y[i]), "%s untouched %d", name, i)
							continue
						}
						require.InDelta(t, want[i], y[i], 1e-13*float64(n), "%s %d", name, i)
					}
				}
			}
		}
	}
}

// normals returns n standard normal draws of rng.
func normals(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// TestBLASWorkers: Dgemm, Dsyrk, Dsyr2k and Dsymv give the same bits with one goroutine
// and with several.
func TestBLASWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(52, 52))
	const m, n, k = 500, 260, 400
	a, b := make([]float64, m*k), make([]float64, k*n)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	run := func() (c, s, y []float64) {
		var impl BLAS
		c, s, y = make([]float64, m*n), make([]float64, m*m), make([]float64, k)
		impl.Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1.5, a, k, b, n, 0, c, n)
		impl.Dsyrk(blas.Upper, blas.NoTrans, m, k, 1, a, k, 0, s, m)
		impl.Dsyr2k(blas.Lower, blas.NoTrans, m, k/2, 1, a, k, a[k/2:], k, 1, s, m)
		impl.Dsymv(blas.Upper, k, 1, a, k, b, 1, 0, y, 1)
		return c, s, y
	}
	prev := runtime.GOMAXPROCS(1)
	c1, s1, y1 := run()
	runtime.GOMAXPROCS(4)
	c4, s4, y4 := run()
	runtime.GOMAXPROCS(prev)
	for _, p := range [][2][]float64{{c1, c4}, {s1, s4}, {y1, y4}} {
		for i := range p[0] {
			require.Equal(t, math.Float64bits(p[0][i]), math.Float64bits(p[1][i]), "entry %d", i)
		}
	}
}
