package circuit

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func TestNoiseFactor(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n = 7
	for _, k := range []int{0, 1, 3, 7} {
		t.Run("rank="+strconv.Itoa(k), func(t *testing.T) {
			q := randomPSD(rng, n, k)
			if k == 0 {
				q = mat.NewSymDense(n, nil)
			}
			qd := denseOf(q)
			// Rounding-level indefiniteness must not break the factor.
			for i := range n {
				qd.add(i, i, -1e-17*mat.Norm(q, 1))
			}
			f := newNoiseFactor(qd.d, n)
			assert.Equal(t, k, f.rank)
			if k == 0 {
				return
			}
			fm := mat.NewDense(n, f.rank, f.dense())
			var ffT mat.Dense
			ffT.Mul(fm, fm.T())
			// Dropped directions are below n·ε·max diag (LAPACK dpstrf).
			assert.Less(t, relDiff(&ffT, q), 1e-12)

			// addTo applies the same F.
			xi := make([]float64, f.rank)
			for i := range xi {
				xi[i] = rng.NormFloat64()
			}
			x := make([]float64, n)
			for i := range x {
				x[i] = float64(i)
			}
			f.addTo(x, 0.5, xi)
			var fx mat.VecDense
			fx.MulVec(fm, mat.NewVecDense(f.rank, xi))
			for i := range x {
				assert.InDelta(t, float64(i)+0.5*fx.AtVec(i), x[i], 1e-12)
			}
		})
	}
}

func TestJohnsonPSD(t *testing.T) {
	// 4kTG for 1 kΩ at 300 K: 4·1.380649e-23·300/1000 = 1.6567788e-23 A²/Hz.
	assert.InEpsilon(t, 1.6567788e-23, JohnsonPSD(1e-3, 300), 1e-12)
	assert.InEpsilon(t, 2*Boltzmann*300*1e-3, Intensity(JohnsonPSD(1e-3, 300)), 1e-15)
	require.InEpsilon(t, 1.380649e-23, Boltzmann, 1e-15)
	// Equipartition scale quoted in PHYSICS.md: √(kT/C) ≈ 2 µV at 300 K, 1 nF.
	assert.InDelta(t, 2.035e-6, math.Sqrt(Boltzmann*300/1e-9), 1e-9)
}
