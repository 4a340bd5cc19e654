package solver

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tngd/tngd/internal/symeig"
	"gonum.org/v1/gonum/mat"
)

// TestEigen: eigen's decomposition of a positive semidefinite matrix of
// low rank (like R G R of a singular output Hessian: a cluster of zero
// eigenvalues) and of a matrix whose eigenvalues come in pairs 1e-7·n
// apart has eigenvalues equal to Dsyev's to 1e-13·‖A‖_F, residuals
// ‖A w − θ w‖ ≤ 1e-13·‖A‖_F and max |WᵀW − I| ≤ 1e-14·n, at orders below
// and above symeigMin; above it symeig's own check passes, so the result
// is symeig's, made orthonormal by the Newton–Schulz step: inverse
// iteration leaves the vectors of each close pair orthogonal only to
// about ε‖A‖/gap ≈ 1e-10, and the test fails without the step. The
// bounds are those of backward-stable algorithms, a few n·ε (n·ε =
// 4.4e-14 at n = 200), with a factor of two to four of margin.
func TestEigen(t *testing.T) {
	rng := newRand(t, 11, 1)
	lowRank := func(n int) []float64 { // L Lᵀ, L n×(2n/3)
		k := 2 * n / 3
		l := make([]float64, n*k)
		for i := range l {
			l[i] = rng.NormFloat64()
		}
		a := make([]float64, n*n)
		for i := range n {
			for j := range n {
				for p := range k {
					a[i*n+j] += l[i*k+p] * l[j*k+p]
				}
			}
		}
		return a
	}
	paired := func(n int) []float64 { // Q diag(λ) Qᵀ, λ in pairs 1e-7·n apart
		var q mat.Dense
		var qr mat.QR
		g := mat.NewDense(n, n, nil)
		for i := range n {
			for j := range n {
				g.Set(i, j, rng.NormFloat64())
			}
		}
		qr.Factorize(g)
		qr.QTo(&q)
		a := make([]float64, n*n)
		for p := range n {
			lam := float64(p/2+1) + float64(p%2)*1e-7*float64(n)
			for i := range n {
				for j := range n {
					a[i*n+j] += q.At(i, p) * lam * q.At(j, p)
				}
			}
		}
		symmetrizeRows(a, n)
		return a
	}
	for _, c := range []struct {
		name string
		gen  func(int) []float64
		n    int
	}{{"low-rank", lowRank, 20}, {"low-rank", lowRank, 40}, {"low-rank", lowRank, 200}, {"paired", paired, 40}, {"paired", paired, 200}} {
		n := c.n
		t.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(t *testing.T) {
			a := c.gen(n)
			norm := 0.0
			for _, v := range a {
				norm += v * v
			}
			norm = math.Sqrt(norm)
			if n >= symeigMin {
				w, z := make([]float64, n), make([]float64, n*n)
				require.True(t, symeig.Decompose(slices.Clone(a), n, w, z))
				require.True(t, symeig.Check(a, n, w, z, make([]float64, n*n)))
			}
			var ew, ref eigenWork
			got, want := slices.Clone(a), slices.Clone(a)
			w, wr := make([]float64, n), make([]float64, n)
			require.True(t, ew.eigen(general(got, n, n), w))
			require.True(t, ref.syev(general(want, n, n), wr))
			for j := range n {
				require.InDelta(t, wr[j], w[j], 1e-13*norm, "eigenvalue %d", j)
				res := 0.0
				for i := range n {
					s := -w[j] * got[i*n+j]
					for p := range n {
						s += a[i*n+p] * got[p*n+j]
					}
					res += s * s
				}
				require.LessOrEqual(t, math.Sqrt(res), 1e-13*norm, "residual %d", j)
				for q := range n {
					dot := 0.0
					for i := range n {
						dot += got[i*n+j] * got[i*n+q]
					}
					if q == j {
						dot--
					}
					require.LessOrEqual(t, math.Abs(dot), 1e-14*float64(n), "orthogonality %d, %d", j, q)
				}
			}
		})
	}
}

// symmetrizeRows sets the n×n row-major a to (a + aᵀ)/2.
func symmetrizeRows(a []float64, n int) {
	for i := range n {
		for j := range i {
			v := (a[i*n+j] + a[j*n+i]) / 2
			a[i*n+j], a[j*n+i] = v, v
		}
	}
}
