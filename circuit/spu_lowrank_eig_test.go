package circuit

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLowRankEigen: the eigenpairs of lrEigen (inverse iteration, with
// the Schur path as fallback) and of lrEigenSchur satisfy K x = λ x to a
// residual of a few ε·‖K‖ (relative to ‖x‖ = 1), for random non-symmetric
// matrices (many complex pairs), nearly symmetric products H·P like the
// SPU's coupling (real spectrum with a cluster near 0) and a matrix with a
// repeated eigenvalue.
func TestLowRankEigen(t *testing.T) {
	for _, path := range []struct {
		name string
		f    func(k []float64, n int, wr, wi, x []float64) bool
	}{{"inverse", lrEigen}, {"schur", lrEigenSchur}} {
		t.Run(path.name, func(t *testing.T) { testEigen(t, path.f) })
	}
	// The fast path itself is accepted on the SPU-like coupling and on a
	// Gaussian matrix (no fallback).
	rng := rand.New(rand.NewPCG(32, 32))
	for _, n := range []int{40, 130} {
		h, p := randomPSD(rng, n, n-n/5), randomPSD(rng, n, n)
		k := make([]float64, n*n)
		for i := range n {
			for j := range n {
				s := 0.0
				for l := range n {
					s += h.At(i, l) * p.At(l, j)
				}
				k[i*n+j] = s * (1 + 0.01*rng.NormFloat64())
			}
		}
		orig := append([]float64(nil), k...)
		wr, wi, x := make([]float64, n), make([]float64, n), make([]float64, n*n)
		require.True(t, lrEigenInverse(k, n, wr, wi, x))
		assert.True(t, lrEigenResidualOK(orig, n, wr, wi, x), "n = %d", n)
	}
}

func testEigen(t *testing.T, eigen func(k []float64, n int, wr, wi, x []float64) bool) {
	rng := rand.New(rand.NewPCG(31, 31))
	gen := map[string]func(n int) []float64{
		"gaussian": func(n int) []float64 {
			k := make([]float64, n*n)
			for i := range k {
				k[i] = rng.NormFloat64()
			}
			return k
		},
		"coupling": func(n int) []float64 {
			// H P with H, P symmetric PSD of rank n−n/5 plus 1 % noise.
			h := randomPSD(rng, n, n-n/5)
			p := randomPSD(rng, n, n)
			k := make([]float64, n*n)
			for i := range n {
				for j := range n {
					s := 0.0
					for l := range n {
						s += h.At(i, l) * p.At(l, j)
					}
					k[i*n+j] = s * (1 + 0.01*rng.NormFloat64())
				}
			}
			return k
		},
		"repeated": func(n int) []float64 {
			k := make([]float64, n*n)
			for i := range n {
				k[i*n+i] = 2
				if i+1 < n && i%3 == 0 {
					k[i*n+i+1] = 1e-3
				}
			}
			return k
		},
	}
	for _, name := range []string{"gaussian", "coupling", "repeated"} {
		for _, n := range []int{1, 2, 7, 40, 130} {
			t.Run(fmt.Sprintf("%s/n=%d", name, n), func(t *testing.T) {
				k := gen[name](n)
				orig := append([]float64(nil), k...)
				norm := 0.0
				for _, v := range k {
					norm += v * v
				}
				norm = math.Sqrt(norm)
				wr, wi, x := make([]float64, n), make([]float64, n), make([]float64, n*n)
				require.True(t, eigen(k, n, wr, wi, x))
				for j := 0; j < n; j++ {
					lam := complex(wr[j], wi[j])
					v := make([]complex128, n)
					for i := range n {
						v[i] = complex(x[i*n+j], 0)
						if wi[j] != 0 {
							v[i] = complex(x[i*n+j], x[i*n+j+1])
						}
					}
					res, nv := 0.0, 0.0
					for i := range n {
						var s complex128
						for l := range n {
							s += complex(orig[i*n+l], 0) * v[l]
						}
						res += math.Pow(cmplx.Abs(s-lam*v[i]), 2)
						nv += math.Pow(cmplx.Abs(v[i]), 2)
					}
					// Backward-stable QR: residual ≈ n·ε·‖K‖.
					assert.Less(t, math.Sqrt(res/nv), 1e-13*float64(n)*(norm+1), "pair %d", j)
					if wi[j] != 0 {
						assert.Greater(t, wi[j], 0.0)
						assert.Equal(t, -wi[j], wi[j+1])
						j++
					}
				}
			})
		}
	}
}
