package circuit

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/mat"
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
		k := mismatchedCoupling(rng, n)
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

// TestLowRankEigenSymDef: for K = H·P with H symmetric positive
// semidefinite (rank n − n/5: a cluster of zero eigenvalues, as from
// softmax blocks) and P symmetric positive definite, the symmetric-definite
// path returns real eigenpairs with K x = λ x to a few ε·‖K‖ (unit x),
// X⁻¹X = I to rounding amplified by cond(X), and the eigenvalues of the
// general path, also when H's eigenvalues spread over 12 decades (a long
// cluster of small ones). A P with a zero row (a padded, all-zero row of J)
// is refused.
func TestLowRankEigenSymDef(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 33))
	for _, c := range []struct {
		n      int
		graded bool
	}{{1, false}, {2, false}, {7, false}, {40, false}, {130, false}, {200, true}} {
		n := c.n
		t.Run(fmt.Sprintf("n=%d/graded=%v", n, c.graded), func(t *testing.T) {
			h, p := randomPSD(rng, n, max(n-n/5, 1)), randomPSD(rng, n, n)
			if c.graded {
				// Eigenvalues of H spread over 12 decades, as when most
				// samples of a batch are classified with confidence: the
				// small ones form one long cluster of the tridiagonal.
				q := randMatrix(n, n, rng)
				var qr mat.QR
				qr.Factorize(q)
				var qm mat.Dense
				qr.QTo(&qm)
				qd := mat.DenseCopyOf(&qm)
				for k := range n {
					col := qd.ColView(k).(*mat.VecDense)
					col.ScaleVec(math.Pow(10, -12*float64(k)/float64(n)), col)
				}
				var hd mat.Dense
				hd.Mul(qd, qm.T())
				for i := range n {
					for j := i; j < n; j++ {
						h.SetSym(i, j, (hd.At(i, j)+hd.At(j, i))/2)
					}
				}
			}
			hr, pr := make([]float64, n*n), make([]float64, n*n)
			for i := range n {
				for j := range n {
					hr[i*n+j], pr[i*n+j] = h.At(i, j), p.At(i, j)
				}
			}
			k := make([]float64, n*n)
			lrMulTo(k, n, n, n, n, lrOperand{hr, n, false}, nil, lrOperand{pr, n, false}, false)
			w, x, xinv := make([]float64, n), make([]float64, n*n), make([]float64, n*n)
			cond, ok := lrEigenSymDef(hr, pr, n, w, x, xinv)
			require.True(t, ok)
			knorm := 0.0
			for _, v := range k {
				knorm += v * v
			}
			knorm = math.Sqrt(knorm)
			for j := range n {
				res, nx := 0.0, 0.0
				for i := range n {
					s := 0.0
					for l := range n {
						s += k[i*n+l] * x[l*n+j]
					}
					res += (s - w[j]*x[i*n+j]) * (s - w[j]*x[i*n+j])
					nx += x[i*n+j] * x[i*n+j]
				}
				assert.Less(t, math.Sqrt(res/nx), 1e-13*float64(n)*knorm, "pair %d", j)
			}
			id := make([]float64, n*n)
			lrMulTo(id, n, n, n, n, lrOperand{xinv, n, false}, nil, lrOperand{x, n, false}, false)
			for i := range n {
				for j := range n {
					want := 0.0
					if i == j {
						want = 1
					}
					assert.InDelta(t, want, id[i*n+j], 1e-14*float64(n)*cond, "X⁻¹X at (%d, %d)", i, j)
				}
			}
			// The eigenvalues of the general path.
			wr, wi, xg := make([]float64, n), make([]float64, n), make([]float64, n*n)
			require.True(t, lrEigen(append([]float64(nil), k...), n, wr, wi, xg))
			slices.Sort(wr)
			got := slices.Clone(w)
			slices.Sort(got)
			for i := range n {
				assert.InDelta(t, wr[i], got[i], 1e-12*float64(n)*knorm, "eigenvalue %d", i)
				assert.InDelta(t, 0, wi[i], 1e-6*knorm, "eigenvalue %d", i)
			}
			if n > 1 {
				for i := range n {
					pr[i*n+n-1], pr[(n-1)*n+i] = 0, 0
				}
				_, ok := lrEigenSymDef(hr, pr, n, w, x, xinv)
				assert.False(t, ok, "singular P accepted")
			}
		})
	}
}

// TestLowRankCongruence: S = U H Uᵀ equals the naive triple product to
// rounding and is exactly symmetric, for an
// H made of diagonal blocks (sizes 1 to lrBlockMax, found by
// lrDiagBlocks) and for a dense H (one block above lrBlockMax: the dense
// products). Tolerance: either way an entry is two chained sums of at most
// n terms, off by at most 2n·ε·Σ|u_ik h_kl u_jl| (plus the blocks'
// eigendecompositions, a few ε each); 1e-13·n is 200 times that.
func TestLowRankCongruence(t *testing.T) {
	rng := rand.New(rand.NewPCG(34, 34))
	for _, sizes := range [][]int{{10, 10, 10, 10, 10}, {1, 3, 64, 2, 1, 7}, {65}, {30, 70}} {
		n := 0
		for _, k := range sizes {
			n += k
		}
		t.Run(fmt.Sprint(sizes), func(t *testing.T) {
			h := make([]float64, n*n)
			want := []int{0}
			lo := 0
			for _, k := range sizes {
				b := randomPSD(rng, k, max(k-1, 1))
				for i := range k {
					for j := range k {
						h[(lo+i)*n+lo+j] = b.At(i, j)
					}
				}
				lo += k
				want = append(want, lo)
			}
			blocks := lrDiagBlocks(h, n)
			if slices.Max(sizes) > lrBlockMax {
				require.Nil(t, blocks)
			} else {
				require.Equal(t, want, blocks)
			}
			u := make([]float64, n*n)
			for i := range n {
				for j := i; j < n; j++ {
					u[i*n+j] = rng.NormFloat64()
				}
			}
			s, tmp := make([]float64, n*n), make([]float64, n*n)
			lrCongruence(s, tmp, u, h, n)
			scale := 0.0
			for i := range n {
				for j := range n {
					ref, abs := 0.0, 0.0
					for k := range n {
						for l := range n {
							v := u[i*n+k] * h[k*n+l] * u[j*n+l]
							ref += v
							abs += math.Abs(v)
						}
					}
					scale = max(scale, abs)
					require.InDelta(t, ref, s[i*n+j], 1e-13*float64(n)*abs+1e-300, "S(%d, %d)", i, j)
					require.Equal(t, math.Float64bits(s[i*n+j]), math.Float64bits(s[j*n+i]), "symmetry at (%d, %d)", i, j)
				}
			}
			require.Positive(t, scale)
		})
	}
}

// mismatchedCoupling returns an n×n row-major K = H·P like the coupling of
// an SPU whose two J copies differ: H and P random positive semi-definite
// (H of rank n − n/5), each entry of the product perturbed by 1 % rms.
func mismatchedCoupling(rng *rand.Rand, n int) []float64 {
	h, p := randomPSD(rng, n, n-n/5), randomPSD(rng, n, n)
	var hp mat.Dense
	hp.Mul(h, p)
	k := make([]float64, n*n)
	for i := range n {
		for j := range n {
			k[i*n+j] = hp.At(i, j) * (1 + 0.01*rng.NormFloat64())
		}
	}
	return k
}

// BenchmarkLrInvIter: the eigenvectors of lrEigenInverse by inverse
// iteration on the Hessenberg form, on both cores, for a mismatched
// coupling at r = 640 (many complex pairs); the QR algorithm is not timed.
func BenchmarkLrInvIter(b *testing.B) {
	const n = 640
	k := mismatchedCoupling(rand.New(rand.NewPCG(32, 32)), n)
	var impl gonum.Implementation
	_, done, work := lrHessenberg(impl, k, n, lapack.EigenvaluesOnly, lapack.SchurNone)
	h := append([]float64(nil), k...)
	wr, wi := make([]float64, n), make([]float64, n)
	if impl.Dhseqr(lapack.EigenvaluesOnly, lapack.SchurNone, n, 0, n-1, k, n, wr, wi, nil, 1, work, len(work)) != 0 {
		b.Fatal("QR algorithm did not converge")
	}
	<-done
	xh := make([]float64, n*n)
	for b.Loop() {
		var wg sync.WaitGroup
		for id := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var it lrInvIter
				for j := id; j < n; j += 2 {
					if wi[j] >= 0 {
						it.vector(h, n, 1, complex(wr[j], wi[j]), j, xh)
					}
				}
			}()
		}
		wg.Wait()
	}
}
