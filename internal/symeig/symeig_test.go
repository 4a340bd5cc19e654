package symeig

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tngd/tngd/internal/gemm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
)

// splitTridiagonal returns a symmetric tridiagonal T (diagonal d,
// off-diagonal e) made of blocks joined by negligible entries: a random
// block, a block 1e-13 times smaller (tiny eigenvalues, one cluster at
// invOrtol), a zero 1×1 block, and a block of nearly equal eigenvalues
// (0.5 ± 2e-9, a cluster within the block); and the boundaries
// tridiagBlocks should find.
func splitTridiagonal(rng *rand.Rand) (d, e []float64, blocks []int) {
	add := func(m int, diag, off func() float64, join float64) {
		if len(d) > 0 {
			e = append(e, join)
			blocks = append(blocks, len(d))
		}
		for i := range m {
			if i > 0 {
				e = append(e, off())
			}
			d = append(d, diag())
		}
	}
	blocks = []int{0}
	norm := func() float64 { return rng.NormFloat64() }
	add(30, norm, norm, 0)
	add(25, func() float64 { return 1e-13 * rng.NormFloat64() }, func() float64 { return 1e-13 * (1 + rng.Float64()) }, 1e-18)
	add(1, func() float64 { return 0 }, nil, 0)
	add(20, func() float64 { return 0.5 }, func() float64 { return 1e-9 * (1 + rng.Float64()) }, -3e-17)
	return d, e, append(blocks, len(d))
}

// TestDecomposeSplit: a tridiagonal S that splits into blocks (as the
// output Hessian of a confident network makes it) gets the boundaries
// expected, and eigenpairs that pass Check (residual ≤ Tol·‖S‖_F per
// pair, |ZᵀZ − I| ≤ Ortho) with eigenvalues ascending; every vector lies
// in one block (S is already tridiagonal, so the reduction's Q is the
// identity), which makes vectors of different blocks exactly orthogonal.
func TestDecomposeSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	d, e, blocks := splitTridiagonal(rng)
	require.Equal(t, blocks, tridiagBlocks(d, e))

	n := len(d)
	s := make([]float64, n*n)
	for i := range n {
		s[i*n+i] = d[i]
		if i+1 < n {
			s[i*n+i+1], s[(i+1)*n+i] = e[i], e[i]
		}
	}
	w, z := make([]float64, n), make([]float64, n*n)
	require.True(t, Decompose(append([]float64(nil), s...), n, w, z))
	for j := 1; j < n; j++ {
		require.LessOrEqual(t, w[j-1], w[j], "eigenvalues ascending")
	}
	require.True(t, Check(s, n, w, z, make([]float64, n*n)))
	blockOf := func(i int) int {
		k := 0
		for i >= blocks[k+1] {
			k++
		}
		return k
	}
	for j := range n {
		kj := -1
		for i := range n {
			if z[i*n+j] == 0 {
				continue
			}
			if kj < 0 {
				kj = blockOf(i)
			}
			require.Equal(t, kj, blockOf(i), "vector %d has entries in two blocks", j)
		}
	}
}

// TestDecompose: on dense symmetric matrices (Gaussian; positive
// semidefinite of low rank, a cluster of zero eigenvalues as in R G R of
// a singular Hessian; a repeated eigenvalue), the eigenvalues equal
// LAPACK's (gonum's Dsyev, an independent QL algorithm) to 1e-13·‖S‖_F
// (both are backward stable: each eigenvalue within a few n·ε·‖S‖ of the
// exact one, n·ε = 6.7e-14 at n = 300) and the pairs pass Check, which
// rejects a vector perturbed by 1e-6; one and two goroutines give the
// same bits.
func TestDecompose(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	gaussian := func(n int) []float64 {
		s := make([]float64, n*n)
		for i := range n {
			for j := i; j < n; j++ {
				s[i*n+j] = rng.NormFloat64()
				s[j*n+i] = s[i*n+j]
			}
		}
		return s
	}
	lowRank := func(n int) []float64 { // L Lᵀ, L n×(n/3)
		k := n / 3
		l := make([]float64, n*k)
		for i := range l {
			l[i] = rng.NormFloat64()
		}
		s := make([]float64, n*n)
		gemm.MulTo(s, n, n, n, k, gemm.Operand{Data: l, Stride: k}, nil, gemm.Operand{Data: l, Stride: k, Trans: true}, false)
		return s
	}
	repeated := func(n int) []float64 { // Q diag(1, …, 1, 2, 3, …) Qᵀ
		var impl gonum.Implementation
		q := gaussian(n)
		tau := make([]float64, n)
		work := make([]float64, 64*n)
		impl.Dgeqrf(n, n, q, n, tau, work, len(work))
		impl.Dorgqr(n, n, n, q, n, tau, work, len(work))
		s := make([]float64, n*n)
		for i := range n {
			for j := range n {
				for k := range n {
					s[i*n+j] += q[i*n+k] * max(1, float64(k-n/2)) * q[j*n+k]
				}
			}
		}
		return s
	}
	for name, gen := range map[string]func(int) []float64{"gaussian": gaussian, "low-rank": lowRank, "repeated": repeated} {
		for _, n := range []int{1, 2, 5, 64, 300} {
			s := gen(n)
			w, z := make([]float64, n), make([]float64, n*n)
			require.True(t, Decompose(slices.Clone(s), n, w, z), "%s n=%d", name, n)
			require.True(t, Check(s, n, w, z, make([]float64, n*n)), "%s n=%d", name, n)
			ref := make([]float64, n)
			a := slices.Clone(s)
			work := make([]float64, 64*n)
			require.True(t, gonum.Implementation{}.Dsyev(lapack.EVNone, blas.Upper, n, a, n, ref, work, len(work)))
			norm := 0.0
			for _, v := range s {
				norm += v * v
			}
			for j := range n {
				require.InDelta(t, ref[j], w[j], 1e-13*math.Sqrt(norm), "%s n=%d eigenvalue %d", name, n, j)
			}
			if n == 64 {
				bad := slices.Clone(z)
				bad[5*n+7] += 1e-6
				require.False(t, Check(s, n, w, bad, make([]float64, n*n)), "%s: Check accepts a perturbed vector", name)
			}
			if n == 300 {
				prev := runtime.GOMAXPROCS(1)
				w1, z1 := make([]float64, n), make([]float64, n*n)
				Decompose(slices.Clone(s), n, w1, z1)
				runtime.GOMAXPROCS(prev)
				require.Equal(t, w, w1, "%s: eigenvalues with one goroutine", name)
				require.Equal(t, z, z1, "%s: eigenvectors with one goroutine", name)
			}
		}
	}
}
