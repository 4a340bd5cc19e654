package solver

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tngd/tngd/circuit"
	"github.com/tngd/tngd/nn"
	"gonum.org/v1/gonum/mat"
)

// newSPU returns a device for tests, failing the test on a hardware error.
func newSPU(tb testing.TB, hw *circuit.Hardware, arch circuit.Architecture, n, r int, seed uint64) *circuit.SPU {
	tb.Helper()
	s, err := circuit.NewSPU(hw, arch, n, r, rand.NewPCG(seed, 3))
	require.NoError(tb, err)
	return s
}

// TestThermodynamicIdealFactored: with ideal, noiseless hardware the
// estimate after a long window is the Woodbury solution.
func TestThermodynamicIdealFactored(t *testing.T) {
	for _, kind := range []hessianKind{hessCE, hessMSE, hessDensePSD} {
		t.Run(kind.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(31, uint64(kind)))
			p := newProblem(rng, 12, 60, 3, kind, 0.5, 2)
			var want mat.VecDense
			require.NoError(t, (&Woodbury{}).SolveTo(&want, p.J, p.H, p.lambda, p.g, nil))
			for _, m := range []circuit.Method{circuit.MethodExactDense, circuit.MethodEuler} {
				th := &Thermodynamic{Device: newSPU(t, nil, circuit.Factored, 60, 12, 1), Window: Window{Time: 80}, Evolution: &circuit.Evolution{Method: m}}
				var x mat.VecDense
				require.NoError(t, th.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
				// Slowest rate α·λ ≥ 0.35/τ here: e^{−28} of the start remains.
				assert.Less(t, relErr(&x, &want), 1e-9, "%v", m)
				rep := th.Report()
				assert.Equal(t, m, rep.Method)
				alpha := rep.Scale.Alpha
				assert.LessOrEqual(t, alpha, 1.0)
				assert.InDelta(t, alpha*0.5, rep.Spectrum.Min, 1e-9)
			}
		})
	}
}

// TestThermodynamicGramHint: SolveGramTo with the Gram matrix J Jᵀ gives
// SolveTo's estimate (ideal noiseless hardware, low-rank method, where
// the hint is used), and the Woodbury solution after a long window; the
// solver satisfies nn.GramCurvatureSolver.
func TestThermodynamicGramHint(t *testing.T) {
	var _ nn.GramCurvatureSolver = (*Thermodynamic)(nil)
	rng := rand.New(rand.NewPCG(35, 35))
	p := newProblem(rng, 12, 60, 3, hessCE, 0.5, 2)
	var gram mat.SymDense
	gram.SymOuterK(1, p.J)
	var want mat.VecDense
	require.NoError(t, (&Woodbury{}).SolveTo(&want, p.J, p.H, p.lambda, p.g, nil))
	ev := &circuit.Evolution{Method: circuit.MethodLowRank}
	for _, T := range []float64{3, 80} {
		plain := &Thermodynamic{Device: newSPU(t, nil, circuit.Factored, 60, 12, 1), Window: Window{Time: T}, Evolution: ev}
		hinted := &Thermodynamic{Device: newSPU(t, nil, circuit.Factored, 60, 12, 1), Window: Window{Time: T}, Evolution: ev}
		var x, y mat.VecDense
		require.NoError(t, plain.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
		require.NoError(t, hinted.SolveGramTo(&y, p.J, &gram, p.H, p.lambda, p.g, nil))
		assert.Less(t, relErr(&y, &x), 1e-12, "t = %g", T)
		if T == 80 {
			assert.Less(t, relErr(&y, &want), 1e-9)
		}
	}
}

func TestThermodynamicDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(32, 1))
	n := 20
	A := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			A.Set(i, j, 0.1*rng.NormFloat64())
		}
		A.Set(i, i, A.At(i, i)+1)
	}
	b := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		b.SetVec(i, rng.NormFloat64())
	}
	var want mat.VecDense
	require.NoError(t, want.SolveVec(A, b))
	th := &Thermodynamic{Device: newSPU(t, nil, circuit.Direct, n, 0, 2), Window: Window{Time: 200}}
	var x mat.VecDense
	require.NoError(t, th.SolveDirectTo(&x, A, b, nil))
	assert.Less(t, relErr(&x, &want), 1e-9)

	_, err := func() (struct{}, error) {
		return struct{}{}, th.SolveDirectTo(&x, mat.NewDense(n, n, nil), b, nil)
	}()
	assert.True(t, errors.Is(err, circuit.ErrNotPositiveStable))
}

// TestThermodynamicZeroWindow: t = 0 returns the start, noise or not.
func TestThermodynamicZeroWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 1))
	p := newProblem(rng, 6, 20, 2, hessCE, 0.1, 1)
	hw := &circuit.Hardware{Noise: circuit.NoiseSpec{Temperature: 300, Kappa0: 0.1}}
	th := &Thermodynamic{Device: newSPU(t, hw, circuit.Factored, 20, 6, 3)}
	var x mat.VecDense
	require.NoError(t, th.SolveTo(&x, p.J, p.H, p.lambda, p.g, p.g))
	assert.Less(t, relErr(&x, p.g), 1e-15)
	start := mat.NewVecDense(20, nil)
	start.SetVec(3, -2)
	require.NoError(t, th.SolveTo(&x, p.J, p.H, p.lambda, p.g, start))
	assert.Less(t, relErr(&x, start), 1e-15)
}

// TestThermodynamicWarmStartAndDelay: without noise, a window t₁ with
// delay t_d followed by a warm window t₂ on the same problem ends where one
// window t₁ + t_d + t₂ does.
func TestThermodynamicWarmStartAndDelay(t *testing.T) {
	rng := rand.New(rand.NewPCG(34, 1))
	p := newProblem(rng, 6, 24, 2, hessCE, 0.3, 2)
	dev := func() *circuit.SPU { return newSPU(t, nil, circuit.Factored, 24, 6, 4) }
	split := &Thermodynamic{Device: dev(), Window: Window{Time: 0.7, Delay: 0.4}}
	var x mat.VecDense
	require.NoError(t, split.SolveTo(&x, p.J, p.H, p.lambda, p.g, p.g))
	split.Window = Window{Time: 1.1}
	require.NoError(t, split.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
	one := &Thermodynamic{Device: dev(), Window: Window{Time: 2.2}}
	var y mat.VecDense
	require.NoError(t, one.SolveTo(&y, p.J, p.H, p.lambda, p.g, p.g))
	assert.Less(t, relErr(&x, &y), 1e-12)

	// The mean transient of the ideal device is e^{−At}(x₀ − x*) + x*.
	var id mat.VecDense
	ideal := &IdealDevice{Window: Window{Time: 2.2}}
	require.NoError(t, ideal.SolveTo(&id, p.J, p.H, p.lambda, p.g, p.g))
	assert.Less(t, relErr(&y, &id), 1e-10)
}

// TestThermodynamicPhaseTimes checks the timing model: r(r+2N) entries
// and N words of 16 bits at 50 Gb/s, the window in τ = 1 µs, and K
// readouts of N words each.
func TestThermodynamicPhaseTimes(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 1))
	const n, r = 30, 6
	p := newProblem(rng, r, n, 2, hessCE, 0.3, 2)
	hw := &circuit.Hardware{DAC: circuit.DAC{ConversionTime: 1e-7}, ADC: circuit.ADC{ConversionTime: 2e-7}}
	th := &Thermodynamic{Device: newSPU(t, hw, circuit.Factored, n, r, 5), Window: Window{Time: 5, Samples: 4, BurnIn: 1, Delay: 0.5}}
	var x mat.VecDense
	require.NoError(t, th.SolveTo(&x, p.J, p.H, p.lambda, p.g, p.g))
	word := 16 / 50e9
	rep := th.Report()
	assert.InEpsilon(t, float64(r*(r+2*n))*word, rep.Times.Programming, 1e-12)
	assert.InEpsilon(t, 2*(1e-7+n*word), rep.Times.DAC, 1e-12, "input and reset")
	assert.InEpsilon(t, 5.5e-6, rep.Times.Analog, 1e-12)
	assert.InEpsilon(t, 4*(2e-7+n*word), rep.Times.ADC, 1e-12)
	assert.InEpsilon(t, rep.Times.DAC+rep.Times.Programming+rep.Times.Analog+rep.Times.ADC, rep.Times.Total(), 1e-15)
	st := th.Stats()
	assert.Equal(t, 5.5, st.AnalogTime)
	assert.Equal(t, 4, st.Samples)
	// A warm call moves no reset.
	require.NoError(t, th.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
	assert.InEpsilon(t, 1e-7+n*word, th.Report().Times.DAC, 1e-12)
}

// TestThermodynamicAveragingLaw checks the error of the K-sample mean on a
// noisy device against its exact value and the law √(2τ_slow/T).
//
// Direct device, A = Q diag(0.2, 0.5, 0.9) Qᵀ (|A_ij| < 1, so α = 1),
// injected noise κ₀ = 0.01: stationary covariance κ₀A⁻¹. After a burn-in
// of 60τ (e^{−12} of the slowest mode left), K = 200 samples Δ = 0.5τ apart
// over T = 100τ. Per mode of rate λ the mean has variance
// (κ₀/λ)(1/K²)Σ_{j,k} ρ^{|j−k|}, ρ = e^{−λΔ}; for T ≫ 1/λ this is
// (κ₀/λ)·2/(λT), the averaging law. The mean squared error over R = 800
// independent solves has relative standard error ≈ √(2/R)·(effective
// degrees of freedom)^{-½} ≤ 5 %: the tolerance is 4 SE = 20 %.
func TestThermodynamicAveragingLaw(t *testing.T) {
	if testing.Short() {
		t.Skip("statistical test")
	}
	rng := rand.New(rand.NewPCG(36, 1))
	var qr mat.QR
	qr.Factorize(mat.NewDense(3, 3, []float64{1, 2, 0.5, -0.3, 1, 2, 0.7, -1, 1}))
	var q mat.Dense
	qr.QTo(&q)
	lam := []float64{0.2, 0.5, 0.9}
	var A mat.Dense
	A.Mul(&q, mat.NewDiagDense(3, lam))
	A.Mul(&A, q.T())
	b := mat.NewVecDense(3, []float64{0.3, -0.2, 0.1})
	var xs mat.VecDense
	require.NoError(t, xs.SolveVec(&A, b))

	const kappa, burn, span, k = 0.01, 60.0, 100.0, 200
	delta := span / k
	exact, law := 0.0, 0.0
	for _, l := range lam {
		rho := math.Exp(-l * delta)
		s := float64(k)
		for d := 1; d < k; d++ {
			s += 2 * float64(k-d) * math.Pow(rho, float64(d))
		}
		exact += kappa / l * s / (k * k)
		law += kappa / l * 2 / (l * span)
	}
	assert.InEpsilon(t, law, exact, 0.1, "law and exact sum agree for T = 20τ_slow")

	hw := &circuit.Hardware{Noise: circuit.NoiseSpec{Kappa0: kappa}}
	dev, err := circuit.NewSPU(hw, circuit.Direct, 3, 0, rand.NewPCG(rng.Uint64(), 7))
	require.NoError(t, err)
	th := &Thermodynamic{Device: dev, Window: Window{Time: burn + span, BurnIn: burn, Samples: k}}
	const reps = 800
	mse := 0.0
	var x mat.VecDense
	for range reps {
		require.NoError(t, th.SolveDirectTo(&x, &A, b, &xs))
		x.SubVec(&x, &xs)
		mse += mat.Dot(&x, &x) / reps
	}
	assert.Equal(t, circuit.MethodExactDense, th.Report().Method)
	assert.InEpsilon(t, exact, mse, 0.2)
	t.Logf("mean squared error %.4g, exact %.4g, law %.4g", mse, exact, law)
}

// TestThermodynamicImperfectionsDegrade: fewer bits and more noise give a
// worse estimate than the ideal device (same seeds).
func TestThermodynamicImperfectionsDegrade(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 1))
	p := newProblem(rng, 12, 80, 3, hessCE, 0.5, 2)
	want := p.exact(t)
	errOf := func(hw *circuit.Hardware) float64 {
		th := &Thermodynamic{Device: newSPU(t, hw, circuit.Factored, 80, 12, 8), Window: Window{Time: 60}}
		var x mat.VecDense
		require.NoError(t, th.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
		return relErr(&x, want)
	}
	e4 := errOf(&circuit.Hardware{Arrays: circuit.ArraySpec{Bits: 4}})
	e12 := errOf(&circuit.Hardware{Arrays: circuit.ArraySpec{Bits: 12}})
	assert.Greater(t, e4, e12)
	assert.Less(t, e12, 1e-2)
	n1 := errOf(&circuit.Hardware{Noise: circuit.NoiseSpec{Kappa0: 1e-4}})
	n2 := errOf(&circuit.Hardware{Noise: circuit.NoiseSpec{Kappa0: 1e-1}})
	assert.Greater(t, n2, n1)
}

func TestThermodynamicPanics(t *testing.T) {
	p := newProblem(rand.New(rand.NewPCG(38, 1)), 4, 10, 2, hessCE, 0.3, 1)
	var x mat.VecDense
	assert.Panics(t, func() { _ = (&Thermodynamic{}).SolveTo(&x, p.J, p.H, p.lambda, p.g, nil) })
	direct := newSPU(t, nil, circuit.Direct, 10, 0, 1)
	assert.Panics(t, func() { _ = (&Thermodynamic{Device: direct}).SolveTo(&x, p.J, p.H, p.lambda, p.g, nil) })
	small := newSPU(t, nil, circuit.Factored, 9, 4, 1)
	assert.Panics(t, func() { _ = (&Thermodynamic{Device: small}).SolveTo(&x, p.J, p.H, p.lambda, p.g, nil) })
	dev := newSPU(t, nil, circuit.Factored, 10, 4, 1)
	assert.Panics(t, func() {
		_ = (&Thermodynamic{Device: dev, Window: Window{Time: -1}}).SolveTo(&x, p.J, p.H, p.lambda, p.g, nil)
	})
}

// BenchmarkThermodynamic times one factored solve of t = 50τ (warm start)
// on the problems of BenchmarkWoodbury (r = 640, N = 2,000 and 20,000),
// with Johnson noise at 300 K and κ₀ = 1e-3, by Euler–Maruyama at the
// automatic step.
func BenchmarkThermodynamic(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("N=%d/r=%d", n, benchR), func(b *testing.B) {
			p := benchProblem(b, n)
			hw := &circuit.Hardware{Noise: circuit.NoiseSpec{Temperature: 300, Kappa0: 1e-3}}
			th := &Thermodynamic{Device: newSPU(b, hw, circuit.Factored, n, benchR, 1), Window: Window{Time: 50}}
			x := mat.NewVecDense(n, nil)
			if err := th.SolveTo(x, p.J, p.H, p.lambda, p.g, p.g); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := th.SolveTo(x, p.J, p.H, p.lambda, p.g, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(th.Report().Steps), "steps/op")
		})
	}
}

// Thermodynamic serves nn's optimizers.
var _ nn.CurvatureSolver = (*Thermodynamic)(nil)
