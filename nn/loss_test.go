package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLossDerivativesFiniteDifferences checks each loss's gradient against
// central differences of its value and its Hessian against central
// differences of its gradient (step 1e-5: truncation ≈ 1e-10, round-off
// ≈ 1e-11 for values of order one).
func TestLossDerivativesFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const h, tol = 1e-5, 1e-7
	for _, tc := range []struct {
		name string
		loss Loss
		soft bool // target is a probability vector
	}{
		{"cross-entropy", CrossEntropy{}, true},
		{"squared-error", SquaredError{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, dz := range []int{1, 2, 10} {
				z := randVec(rng, dz)
				for i := range z {
					z[i] *= 3
				}
				y := randVec(rng, dz)
				if tc.soft {
					softmaxTo(y, y) // a general probability vector, not only one-hot
				}
				g := make([]float64, dz)
				tc.loss.LossGradTo(g, z, y)
				H := make([]float64, dz*dz)
				tc.loss.HessianTo(H, z, y)
				gp, gm := make([]float64, dz), make([]float64, dz)
				for j := range dz {
					zp := append([]float64(nil), z...)
					zm := append([]float64(nil), z...)
					zp[j] += h
					zm[j] -= h
					fd := (tc.loss.LossGradTo(gp, zp, y) - tc.loss.LossGradTo(gm, zm, y)) / (2 * h)
					assert.InDelta(t, fd, g[j], tol, "dz=%d ∂ℓ/∂z[%d]", dz, j)
					for i := range dz {
						assert.InDelta(t, (gp[i]-gm[i])/(2*h), H[i*dz+j], tol, "dz=%d H[%d,%d]", dz, i, j)
						assert.Equal(t, H[i*dz+j], H[j*dz+i], "symmetry")
					}
				}
			}
		})
	}
}

func TestCrossEntropyLargeLogits(t *testing.T) {
	z := []float64{1000, 0, -1000}
	y := []float64{0, 1, 0}
	g := make([]float64, 3)
	l := CrossEntropy{}.LossGradTo(g, z, y)
	assert.InDelta(t, 1000, l, 1e-9)
	assert.InDeltaSlice(t, []float64{1, -1, 0}, g, 1e-12)
	assert.False(t, math.IsNaN(l))
}
