package circuit

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func TestEulerMaruyamaFirstOrder(t *testing.T) {
	// Deterministic error at T against the exact solution halves with the
	// step: EM is first order.
	ckt, _, _, _ := rcNetwork()
	m, err := ckt.Assemble()
	require.NoError(t, err)
	m = m.WithoutNoise()
	const tEnd = 2e-6
	ref := NewExact(m, nil)
	ref.AdvanceTo(tEnd)
	errAt := func(steps int) float64 {
		s := NewEulerMaruyama(m, tEnd/float64(steps), nil)
		s.AdvanceTo(tEnd)
		require.NoError(t, s.Err())
		return relDiff(mat.NewVecDense(5, s.State()), mat.NewVecDense(5, ref.State()))
	}
	e1, e2 := errAt(2000), errAt(4000)
	// Ratio 2 up to O(dt) corrections.
	assert.InDelta(t, 2, e1/e2, 0.05, "errors %g, %g", e1, e2)
}

func TestEulerMaruyamaStationaryBias(t *testing.T) {
	// For the scalar OU dx = −λx dt + √D dW, EM at step dt has the
	// stationary variance D/(2λ − λ²dt) exactly (the AR(1) recursion
	// x ← (1 − λdt)x + √(D dt)ξ), i.e. 11 % above D/(2λ) at λdt = 0.2: the
	// bias the exact stepper does not have. Samples are taken every 25 steps
	// (correlation 0.8²⁵ ≈ 0.004, independent for practical purposes);
	// n = 20000 gives a standard error √(2/n) ≈ 1 % of the variance.
	const lambda, dd, dt, n = 1e6, 2e-6, 0.2e-6, 20000
	a := mat.NewDense(1, 1, []float64{lambda})
	m, err := NewModel(a, nil, mat.NewSymDense(1, []float64{dd}))
	require.NoError(t, err)
	s := NewEulerMaruyama(m, dt, rand.NewPCG(51, 52))
	mom := newSampleMoments(1)
	for k := 1; k <= n; k++ {
		for range 25 {
			s.Step(dt)
		}
		mom.add(s.State())
	}
	want := dd / (2*lambda - lambda*lambda*dt)
	se := want * math.Sqrt(2.0/n)
	assert.InDelta(t, want, mom.cov().At(0, 0), 5*se)
	assert.Greater(t, math.Abs(mom.cov().At(0, 0)-dd/(2*lambda)), 5*se, "the EM bias should be visible at λdt = 0.2")
}

func TestEulerMaruyamaAdvanceSplitsSteps(t *testing.T) {
	// AdvanceTo over 10·MaxStep takes exactly 10 steps: compare with 10
	// explicit Steps on the deterministic model.
	ckt, _, _, _ := rcNetwork()
	m, err := ckt.Assemble()
	require.NoError(t, err)
	m = m.WithoutNoise()
	const h = 1e-8
	a := NewEulerMaruyama(m, h, nil)
	b := NewEulerMaruyama(m, 1, nil)
	a.AdvanceTo(10 * h)
	for range 10 {
		b.Step(h)
	}
	assert.Equal(t, 10*h, a.Time())
	assert.InDeltaSlice(t, b.State(), a.State(), 1e-18)
	assert.Equal(t, h, a.MaxStep())
}
