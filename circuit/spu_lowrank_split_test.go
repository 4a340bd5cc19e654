package circuit

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// splitTridiagonal returns a symmetric tridiagonal T (diagonal d,
// off-diagonal e) made of blocks joined by negligible entries: a random
// block, a block 1e-13 times smaller (tiny eigenvalues, one cluster at
// lrInvOrtol), a zero 1×1 block, and a block of nearly equal eigenvalues
// (0.5 ± 2e-9, a cluster within the block); and the boundaries
// lrTridiagBlocks should find.
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

// TestLrEigenSymSplit: a tridiagonal S that splits into blocks (as the
// output Hessian of a confident network makes it) gets the boundaries
// expected, and eigenpairs that pass the symmetric-definite path's own
// check (residual ≤ lrEigenSymTol·‖S‖_F per pair, |ZᵀZ − I| ≤
// lrEigenSymOrtho) with eigenvalues ascending; every vector lies in one
// block (S is already tridiagonal, so the reduction's Q is the identity),
// which makes vectors of different blocks exactly orthogonal.
func TestLrEigenSymSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	d, e, blocks := splitTridiagonal(rng)
	require.Equal(t, blocks, lrTridiagBlocks(d, e))

	n := len(d)
	s := make([]float64, n*n)
	for i := range n {
		s[i*n+i] = d[i]
		if i+1 < n {
			s[i*n+i+1], s[(i+1)*n+i] = e[i], e[i]
		}
	}
	w, z := make([]float64, n), make([]float64, n*n)
	require.True(t, lrEigenSym(append([]float64(nil), s...), n, w, z))
	for j := 1; j < n; j++ {
		require.LessOrEqual(t, w[j-1], w[j], "eigenvalues ascending")
	}
	require.True(t, lrEigenSymCheck(s, n, w, z, make([]float64, n*n)))
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
