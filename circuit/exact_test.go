package circuit

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/tngd/tngd/events"
)

// The steppers are the continuous processes of the event kernel.
var (
	_ events.Process = (*Exact)(nil)
	_ events.Process = (*EulerMaruyama)(nil)
	_ Stepper        = (*Exact)(nil)
	_ Stepper        = (*EulerMaruyama)(nil)
)

// nonSymmetricCircuit has three RC nodes coupled by VCCS (signed,
// non-reciprocal), so that A is non-symmetric and non-normal, white noise
// injected at node a only (D has rank 1) and a DC current into b.
func nonSymmetricCircuit() *Circuit {
	ckt := &Circuit{NoThermalNoise: true}
	ckt.Add(
		Capacitor{Name: "Ca", P: "a", N: Ground, C: 1e-9},
		Capacitor{Name: "Cb", P: "b", N: Ground, C: 2e-9},
		Capacitor{Name: "Cc", P: "c", N: Ground, C: 0.5e-9},
		Resistor{Name: "Ra", P: "a", N: Ground, R: 1e3},
		Resistor{Name: "Rb", P: "b", N: Ground, R: 1e3},
		Resistor{Name: "Rc", P: "c", N: Ground, R: 1e3},
		// Current 3 mS·v(a) pushed into b, 1.5 mS·v(b) drawn from c,
		// 0.8 mS·v(c) pushed into a: a strongly non-normal cycle.
		VCCS{Name: "Gab", P: Ground, N: "b", CP: "a", CN: Ground, Gm: 3e-3},
		VCCS{Name: "Gbc", P: "c", N: Ground, CP: "b", CN: Ground, Gm: 1.5e-3},
		VCCS{Name: "Gca", P: Ground, N: "a", CP: "c", CN: Ground, Gm: 0.8e-3},
		// PSD 1e-16 A²/Hz gives a stationary spread of a few mV, the
		// same scale as the DC offset from Ib, so that statistical tests
		// see both the mean and the covariance.
		NoiseCurrent{Name: "Na", P: "a", N: Ground, PSD: 1e-16},
		CurrentSource{Name: "Ib", P: Ground, N: "b", I: 2e-6},
	)
	return ckt
}

func TestNonSymmetricStationaryCovariance(t *testing.T) {
	m, err := nonSymmetricCircuit().Assemble()
	require.NoError(t, err)
	a, d := m.Drift(), m.Diffusion()
	var at mat.Dense
	at.Sub(a, a.T())
	require.Greater(t, mat.Norm(&at, 1), 0.5*mat.Norm(a, 1), "the drift should be far from symmetric")

	want := kronLyapunov(t, a, d)
	got, err := m.StationaryCovariance()
	require.NoError(t, err)
	assert.Less(t, relDiff(got, want), 1e-11, "Bartels–Stewart vs Kronecker")

	// Sampled: states spaced by h = 5/λ_min(A) are nearly independent
	// (correlation ≤ e⁻⁵ ≈ 0.007), so the Wishart standard errors apply.
	const n = 20000
	h := 5 / minRate(t, a)
	s := NewExact(m, rand.NewPCG(21, 22))
	s.SetState(m.OperatingPoint())
	mom := newSampleMoments(3)
	for range n {
		s.Step(h)
		mom.add(s.State())
	}
	require.NoError(t, s.Err())
	assertCovWithin(t, mom.cov(), want, n, 5, 1)
	mean := mom.mean()
	for i, mu := range m.OperatingPoint() {
		se := math.Sqrt(want.At(i, i) / n)
		assert.InDelta(t, mu, mean[i], 5*se, "mean[%d]", i)
	}
}

func TestEquipartitionSampled(t *testing.T) {
	// ⟨V_i²⟩ = kT/C_i (and 0 off the diagonal) for a passive RC network
	// with Johnson noise, by sampling the exact stepper: n = 20000 states
	// spaced by 5τ_slow (correlation ≤ e⁻⁵), within 5 standard errors
	// (kT/C·√(2/n) on the diagonal, kT/C/√n off it).
	const n = 20000
	ckt := allToAll(4, 1e3, 1e-9, rand.New(rand.NewPCG(23, 24)))
	ckt.Temperature = 300
	m, err := ckt.Assemble()
	require.NoError(t, err)
	want := mat.NewDiagDense(4, []float64{kT300 / 1e-9, kT300 / 1e-9, kT300 / 1e-9, kT300 / 1e-9})
	s := NewExact(m, rand.NewPCG(25, 26))
	mom := newSampleMoments(4)
	h := 5 / minRate(t, m.Drift())
	for range n {
		s.Step(h)
		mom.add(s.State())
	}
	assertCovWithin(t, mom.cov(), want, n, 5, 1)
}

func TestExactAgainstEulerMaruyama(t *testing.T) {
	// From x0, over T = 1/λ_min, both steppers must reproduce the exact
	// law N(x̄ + E(T)(x0 − x̄), Q(T)) — Q(T) taken from Σ − EΣEᵀ with Σ from
	// the Kronecker oracle, independent of the doubling — and agree with
	// each other. M = 10000 paths each: means within 5 SE (√(Qᵢᵢ/M)),
	// covariances within 5 Wishart SE (×√2 for the difference). EM runs at
	// dt = T/500; its bias, O(dt·‖A‖) ≲ 1e-2 relative (a few µV on means of
	// a few mV), stays well inside these bands (5 SE ≈ 7 % of a variance,
	// ≈ 0.25 mV on a mean).
	const paths = 10000
	m, err := nonSymmetricCircuit().Assemble()
	require.NoError(t, err)
	a, d := m.Drift(), m.Diffusion()
	tEnd := 1 / minRate(t, a)
	x0 := []float64{1e-3, -2e-3, 0.5e-3}
	xbar := m.OperatingPoint()

	e := expm(a, -tEnd)
	sigma := kronLyapunov(t, a, d)
	var ese, q mat.Dense
	ese.Mul(e, sigma)
	ese.Mul(&ese, e.T())
	q.Sub(sigma, &ese)
	var mean mat.VecDense
	dx := mat.NewVecDense(3, []float64{x0[0] - xbar[0], x0[1] - xbar[1], x0[2] - xbar[2]})
	mean.MulVec(e, dx)
	mean.AddVec(&mean, mat.NewVecDense(3, xbar))

	run := func(s Stepper, steps int) *sampleMoments {
		mom := newSampleMoments(3)
		for range paths {
			s.SetTime(0)
			s.SetState(x0)
			for k := 1; k <= steps; k++ {
				s.AdvanceTo(tEnd * float64(k) / float64(steps))
			}
			mom.add(s.State())
		}
		require.NoError(t, s.Err())
		return mom
	}
	exact := run(NewExact(m, rand.NewPCG(31, 32)), 5)
	em := run(NewEulerMaruyama(m, tEnd/500, rand.NewPCG(33, 34)), 1)

	for name, mom := range map[string]*sampleMoments{"exact": exact, "Euler–Maruyama": em} {
		t.Run(name, func(t *testing.T) {
			got := mom.mean()
			for i := range 3 {
				assert.InDelta(t, mean.AtVec(i), got[i], 5*math.Sqrt(q.At(i, i)/paths), "mean[%d]", i)
			}
			assertCovWithin(t, mom.cov(), &q, paths, 5, 1)
		})
	}
	t.Run("difference", func(t *testing.T) {
		assertCovWithin(t, exact.cov(), em.cov(), paths, 5, math.Sqrt2)
	})
}

func TestExactDeterminism(t *testing.T) {
	m, err := nonSymmetricCircuit().Assemble()
	require.NoError(t, err)
	traj := func(seed uint64) []float64 {
		s := NewExact(m, rand.NewPCG(seed, 1))
		var out []float64
		for k := 1; k <= 50; k++ {
			s.AdvanceTo(float64(k) * 1e-7)
			out = append(out, s.State()...)
		}
		return out
	}
	assert.Equal(t, traj(7), traj(7), "same seed, same trajectory")
	assert.NotEqual(t, traj(7), traj(8))
}

func TestExactPiecewiseConstantInputs(t *testing.T) {
	// x(t) = x̄(u) + e^{−At}(x(0) − x̄(u)) on each constant stretch.
	m, err := nonSymmetricCircuit().Assemble()
	require.NoError(t, err)
	m = m.WithoutNoise()
	a := m.Drift()
	s := NewExact(m, nil)
	x := mat.NewVecDense(3, nil)
	now := 0.0
	for _, seg := range []struct{ u, dur float64 }{{0.2e-3, 1e-6}, {-1e-3, 0.3e-6}, {0, 5e-6}} {
		s.SetInputs([]float64{seg.u})
		s.AdvanceTo(now + seg.dur)
		now += seg.dur
		xb := make([]float64, 3)
		m.StationaryMeanTo(xb, []float64{seg.u})
		xbv := mat.NewVecDense(3, xb)
		x.SubVec(x, xbv)
		x.MulVec(expm(a, -seg.dur), x)
		x.AddVec(x, xbv)
		assert.Less(t, relDiff(mat.NewVecDense(3, s.State()), x), 1e-12)
	}
}

func TestExactSingularTransitionCovariance(t *testing.T) {
	// Two uncoupled RC nodes, noise on one only: Q(h) has rank 1. The quiet
	// node must follow its mean exactly; the noisy one must have the
	// variance Q₀₀ = (S/2)/C² · RC/2 · (1 − e^{−2h/RC}), within 5 SE
	// (Q₀₀·√(2/n)).
	ckt := &Circuit{NoThermalNoise: true}
	ckt.Add(
		Capacitor{Name: "C1", P: "a", N: Ground, C: 1e-9},
		Resistor{Name: "R1", P: "a", N: Ground, R: 1e3},
		Capacitor{Name: "C2", P: "b", N: Ground, C: 1e-9},
		Resistor{Name: "R2", P: "b", N: Ground, R: 2e3},
		NoiseCurrent{Name: "N", P: "a", N: Ground, PSD: 1e-22},
	)
	m, err := ckt.Assemble()
	require.NoError(t, err)
	const n, h = 20000, 5e-6
	_, q := m.Transition(h)
	s := NewExact(m, rand.NewPCG(41, 42))
	s.SetState([]float64{0, 1})
	mom := newSampleMoments(2)
	quiet := math.Exp(-h / 2e-6)
	for range n {
		s.Step(h)
		mom.add(s.State())
		require.InDelta(t, quiet, s.State()[1], 1e-15, "the quiet node gets no noise")
		s.SetState([]float64{0, 1})
	}
	c := mom.cov()
	se := q.At(0, 0) * math.Sqrt(2.0/n)
	assert.InDelta(t, q.At(0, 0), c.At(0, 0), 5*se)
	assert.InEpsilon(t, 1e-22/2/1e-18*1e-6/2*(1-math.Exp(-2*h/1e-6)), q.At(0, 0), 1e-12)
}

func TestStepperZeroAllocs(t *testing.T) {
	ckt := allToAll(8, 1e3, 1e-9, rand.New(rand.NewPCG(1, 1)))
	m, err := ckt.Assemble()
	require.NoError(t, err)
	const h = 1e-8
	ex := NewExact(m, rand.NewPCG(2, 2))
	ex.Step(h) // computes and caches the propagator
	assert.Zero(t, testing.AllocsPerRun(200, func() { ex.Step(h) }), "Exact.Step")

	// A grid computed as k·h hits the cache despite rounding.
	k := 1
	ex.SetTime(0)
	assert.Zero(t, testing.AllocsPerRun(1000, func() { k++; ex.AdvanceTo(float64(k) * h) }), "Exact.AdvanceTo on a grid")

	em := NewEulerMaruyama(m, h, rand.NewPCG(3, 3))
	assert.Zero(t, testing.AllocsPerRun(200, func() { em.Step(h) }), "EulerMaruyama.Step")
	u := []float64{}
	assert.Zero(t, testing.AllocsPerRun(200, func() { ex.SetInputs(u) }), "SetInputs")
}

func TestExactStepCache(t *testing.T) {
	m, err := nonSymmetricCircuit().Assemble()
	require.NoError(t, err)
	m = m.WithoutNoise()
	s := NewExact(m, nil)
	s.SetState([]float64{1, 1, 1})
	// Alternate five step lengths (one more than the cache holds) and
	// compare with one-shot transitions.
	ref := NewExact(m, nil)
	ref.SetState([]float64{1, 1, 1})
	hs := []float64{1e-8, 2e-8, 3e-8, 5e-8, 7e-8}
	for i := range 40 {
		s.Step(hs[i%len(hs)])
	}
	ref.AdvanceTo(s.Time())
	assert.Less(t, relDiff(mat.NewVecDense(3, s.State()), mat.NewVecDense(3, ref.State())), 1e-12)
}

func TestStepperMisuseAndErrors(t *testing.T) {
	m, err := nonSymmetricCircuit().Assemble()
	require.NoError(t, err)
	assert.Panics(t, func() { NewExact(m, nil) }, "nil source for a noisy model")
	assert.Panics(t, func() { NewExact(nil, rand.NewPCG(1, 1)) })
	assert.NotPanics(t, func() { NewExact(m.WithoutNoise(), nil) })
	assert.Panics(t, func() { NewEulerMaruyama(m, 0, rand.NewPCG(1, 1)) })
	s := NewExact(m, rand.NewPCG(1, 1))
	assert.Panics(t, func() { s.Step(-1) })
	assert.Panics(t, func() { s.Step(math.NaN()) })
	s.AdvanceTo(1e-6)
	assert.Panics(t, func() { s.AdvanceTo(0.5e-6) })
	assert.Panics(t, func() { s.SetState([]float64{1}) })
	assert.Panics(t, func() { s.SetInputs([]float64{1, 2}) })
	assert.Panics(t, func() { s.SetInput(1, 0) })
	small, err := (&Circuit{}).Assemble()
	require.NoError(t, err)
	assert.Panics(t, func() { s.SetModel(small) }, "dimension change")

	// SetModel keeps time and state.
	x := append([]float64(nil), s.State()...)
	s.SetModel(m.WithoutNoise())
	assert.Equal(t, 1e-6, s.Time())
	assert.Equal(t, x, s.State())

	// Euler–Maruyama beyond its stability limit blows up; Err says where.
	em := NewEulerMaruyama(m, 1, rand.NewPCG(1, 1))
	em.SetState([]float64{1, 1, 1})
	for range 2000 {
		em.Step(10 / mat.Norm(m.Drift(), 1))
	}
	var nf *NonFiniteError
	require.True(t, errors.As(em.Err(), &nf), "err = %v", em.Err())
	assert.ErrorIs(t, em.Err(), ErrNonFinite)
	assert.Contains(t, []string{"a", "b", "c"}, nf.State)

	// A NaN input reaches the state of the exact stepper too.
	s.SetInput(0, math.NaN())
	s.Step(1e-7)
	assert.ErrorIs(t, s.Err(), ErrNonFinite)
}

// minRate returns min Re λ(A).
func minRate(t *testing.T, a mat.Matrix) float64 {
	var eig mat.Eigen
	require.True(t, eig.Factorize(a, mat.EigenNone))
	lo := math.Inf(1)
	for _, v := range eig.Values(nil) {
		lo = min(lo, real(v))
	}
	return lo
}
