package circuit

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
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
// check (residual ≤ 1e-11‖S‖_F per pair, |ZᵀZ − I| ≤ 1e-6) with
// eigenvalues ascending and vectors orthogonal to 1e-12 (those of
// different blocks by construction, those of a cluster by Gram–Schmidt).
func TestLrEigenSymSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	d, e, want := splitTridiagonal(rng)
	require.Equal(t, want, lrTridiagBlocks(d, e))

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
	g := make([]float64, n*n)
	require.True(t, lrEigenSymCheck(s, n, w, z, g))
	for i := range n {
		for j := range n {
			want := 0.0
			if i == j {
				want = 1
			}
			assert.InDelta(t, want, g[i*n+j], 1e-12, "ZᵀZ[%d,%d]", i, j)
		}
	}
}
