package circuit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// randUpper returns an n×n row-major upper triangular matrix with a
// dominant diagonal (well conditioned) and garbage in its strict lower
// triangle when garbage is set.
func randUpper(n int, garbage bool, rng *rand.Rand) []float64 {
	u := make([]float64, n*n)
	for i := range n {
		for j := range n {
			switch {
			case j > i:
				u[i*n+j] = rng.NormFloat64() / math.Sqrt(float64(n))
			case j == i:
				u[i*n+j] = (2 + rng.Float64()) * float64(1-2*rng.IntN(2))
			case garbage:
				u[i*n+j] = math.NaN()
			}
		}
	}
	return u
}

// triTestSizes straddle lrTriBlock and its multiples.
var triTestSizes = []int{1, 5, lrTriBlock - 1, lrTriBlock, lrTriBlock + 1, 2*lrTriBlock + 7}

// TestLrMulUpper: A·U against the naive product, within the rounding
// bound of a dot product of length n, γ_n·(|A||U|)_ij with γ_n =
// n·ε/(1 − n·ε) (Higham, Accuracy and Stability, §3.5).
func TestLrMulUpper(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for _, n := range triTestSizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			a := randMatrix(n, n, rng).RawMatrix().Data
			u := randUpper(n, false, rng)
			c := make([]float64, n*n)
			for i := range c {
				c[i] = math.NaN() // overwritten, not read
			}
			lrMulUpper(c, a, u, n)
			eps := 0x1p-52
			gamma := float64(n) * eps / (1 - float64(n)*eps)
			for i := range n {
				for j := range n {
					want, bound := 0.0, 0.0
					for k := 0; k <= j; k++ {
						want += a[i*n+k] * u[k*n+j]
						bound += math.Abs(a[i*n+k] * u[k*n+j])
					}
					require.InDelta(t, want, c[i*n+j], gamma*bound+1e-300, "C[%d,%d]", i, j)
				}
			}
		})
	}
}

// TestLrUpperSolve: X = U⁻¹Z has a small residual, |U X − Z| ≤ c·n·ε·|U||X|
// componentwise (block back substitution with inverted diagonal blocks is
// backward stable for well-conditioned blocks, Higham §8.1 and §13.3;
// c = 4 covers the inverse's own error at these condition numbers, ≤ 3),
// and it does not read U's strict lower triangle.
func TestLrUpperSolve(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 9))
	for _, n := range triTestSizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			u := randUpper(n, true, rng)
			z := randMatrix(n, n, rng).RawMatrix().Data
			x := append([]float64(nil), z...)
			require.True(t, lrUpperSolve(u, x, n))
			eps := 0x1p-52
			for i := range n {
				for j := range n {
					r, bound := -z[i*n+j], 0.0
					for k := i; k < n; k++ {
						r += u[i*n+k] * x[k*n+j]
						bound += math.Abs(u[i*n+k] * x[k*n+j])
					}
					require.LessOrEqual(t, math.Abs(r), 4*float64(n)*eps*bound+1e-300, "residual [%d,%d]", i, j)
				}
			}
		})
	}
	u := randUpper(lrTriBlock+3, false, rng)
	u[2*(lrTriBlock+3)+2] = 0
	require.False(t, lrUpperSolve(u, make([]float64, len(u)), lrTriBlock+3), "singular U")
}

// BenchmarkLrUpperSolve: X = U⁻¹Z at r = 640 by block back substitution
// against the previous way, U⁻¹ by LAPACK's Dtrtri (serial in gonum) and
// a full product:
//
//	go test ./circuit -run '^$' -bench LrUpperSolve -count 6
func BenchmarkLrUpperSolve(b *testing.B) {
	const n = 640
	rng := rand.New(rand.NewPCG(5, 9))
	u := randUpper(n, false, rng)
	z := randMatrix(n, n, rng).RawMatrix().Data
	x := make([]float64, n*n)
	b.Run("block", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			copy(x, z)
			if !lrUpperSolve(u, x, n) {
				b.Fatal("singular")
			}
		}
	})
	b.Run("trtri", func(b *testing.B) {
		inv := make([]float64, n*n)
		b.ReportAllocs()
		for b.Loop() {
			copy(inv, u)
			if !lapack64.Trtri(blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: n, Stride: n, Data: inv}) {
				b.Fatal("singular")
			}
			lrMulTo(x, n, n, n, n, lrOperand{inv, n, false}, nil, lrOperand{z, n, false}, false)
		}
	})
}
