package solver

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// Statistical tests of the noisy devices. Each uses a fixed seed and a
// stated sample size; tolerances are 5 standard errors (two-sided
// probability 6e-7 per check for Gaussian statistics), plus any known
// deterministic bias.

// TestIdealStationaryCovariance: a long window from a reset start samples
// the stationary law N(A⁻¹g, κ₀A⁻¹) (PHYSICS.md §2). With M independent
// samples, a covariance entry has standard error √((ΣᵢᵢΣⱼⱼ + Σᵢⱼ²)/M) and
// a mean entry √(Σᵢᵢ/M).
func TestIdealStationaryCovariance(t *testing.T) {
	const (
		m      = 20000
		kappa0 = 0.1
	)
	rng := newRand(t, 21, 1)
	p := newProblem(rng, 3, 6, 3, hessDensePSD, 0.5, 2)
	a := p.denseA()
	xs := p.exact(t)
	var want mat.Dense
	require.NoError(t, want.Inverse(a))
	want.Scale(kappa0, &want)

	// t·λ_min = 20: the start's influence e^{−20} is negligible.
	dv := &IdealDevice{Window: Window{Time: 40}, Kappa0: kappa0, Rand: newRand(t, 21, 2)}
	n := 6
	sum := make([]float64, n)
	cov := mat.NewDense(n, n, nil)
	var x mat.VecDense
	for range m {
		require.NoError(t, dv.SolveTo(&x, p.J, p.H, p.lambda, p.g, xs))
		for i := 0; i < n; i++ {
			di := x.AtVec(i) - xs.AtVec(i)
			sum[i] += di
			for j := 0; j < n; j++ {
				cov.Set(i, j, cov.At(i, j)+di*(x.AtVec(j)-xs.AtVec(j)))
			}
		}
	}
	for i := 0; i < n; i++ {
		assert.InDelta(t, 0, sum[i]/m, 5*math.Sqrt(want.At(i, i)/m), "mean %d", i)
		for j := 0; j < n; j++ {
			w := want.At(i, j)
			se := math.Sqrt((want.At(i, i)*want.At(j, j) + w*w) / m)
			assert.InDelta(t, w, cov.At(i, j)/m, 5*se, "cov %d,%d", i, j)
		}
	}
}

// TestIdealMatchesEuler compares the exact device with Euler–Maruyama at
// h = 0.005τ on a mid-size problem, every window feature on, from a fixed
// start: per component, the means of readout and end state agree within
// 5 standard errors of the difference plus the deterministic O(h) bias of
// Euler's mean (computed densely), and the log-variances within 5·√(4/M)
// (each sample log-variance has standard error √(2/M)) plus Euler's
// O(h·μ_max) ≈ 1 % variance bias.
func TestIdealMatchesEuler(t *testing.T) {
	if testing.Short() {
		t.Skip("2·10⁶ Euler steps")
	}
	const (
		m      = 3000
		kappa0 = 0.05
		h      = 0.005
	)
	rng := newRand(t, 22, 1)
	const r, n = 6, 16
	p := newProblem(rng, r, n, 3, hessCE, 0.3, 3)
	x0 := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		x0.SetVec(i, rng.NormFloat64())
	}
	w := Window{Time: 3, Samples: 5, BurnIn: 1, Delay: 0.5}
	a := p.denseA()
	meanR, meanS := denseMean(t, a, p.g, x0, w)
	emR, emS, _ := denseEulerMean(t, a, p.g, x0, w, h)

	type moments struct{ s, ss [2][]float64 }
	collect := func(solve func(dst *mat.VecDense) []float64) moments {
		var mo moments
		for o := range 2 {
			mo.s[o] = make([]float64, n)
			mo.ss[o] = make([]float64, n)
		}
		var x mat.VecDense
		for range m {
			state := solve(&x)
			for i := 0; i < n; i++ {
				for o, v := range []float64{x.AtVec(i), state[i]} {
					mo.s[o][i] += v
					mo.ss[o][i] += v * v
				}
			}
		}
		return mo
	}
	exact := &IdealDevice{Window: w, Kappa0: kappa0, Rand: newRand(t, 22, 2)}
	em := &EulerDevice{Window: w, Kappa0: kappa0, Step: h, Rand: newRand(t, 22, 3)}
	mx := collect(func(dst *mat.VecDense) []float64 {
		require.NoError(t, exact.SolveTo(dst, p.J, p.H, p.lambda, p.g, x0))
		return exact.State()
	})
	me := collect(func(dst *mat.VecDense) []float64 {
		require.NoError(t, em.SolveTo(dst, p.J, p.H, p.lambda, p.g, x0))
		return em.State()
	})
	for o, name := range []string{"readout", "state"} {
		bias := [2]*mat.VecDense{meanR, meanS}[o]
		emBias := [2]*mat.VecDense{emR, emS}[o]
		for i := 0; i < n; i++ {
			mX, mE := mx.s[o][i]/m, me.s[o][i]/m
			vX, vE := mx.ss[o][i]/m-mX*mX, me.ss[o][i]/m-mE*mE
			tol := 5*math.Sqrt((vX+vE)/m) + math.Abs(emBias.AtVec(i)-bias.AtVec(i))
			assert.InDelta(t, mX, mE, tol, "%s mean %d", name, i)
			assert.InDelta(t, 0, math.Log(vE/vX), 5*math.Sqrt(4.0/m)+0.01, "%s variance %d", name, i)
		}
	}
}

// TestIdealAveragingLaw checks the time-averaging estimator of A⁻¹g
// (PHYSICS.md §4): after burn-in, the mean of K samples over a window T
// has error ≈ σ·√(2τ_slow/T), σ² = κ₀/λ_min the stationary variance and
// τ_slow = 1/λ_min. The slowest modes here are the N − r directions
// orthogonal to the rows of J (rate λ). For a stationary AR(1) chain of K
// samples with ρ = e^{−λΔ} the variance of the mean is exactly
// σ²/K²·(K + 2Σₖ(K − k)ρᵏ); the test checks the device against that
// formula statistically (M·(N − r) = 16,000 squared errors: relative
// standard error √(2/16000) = 1.1 %, tolerance 5.6 %), and the formula
// against the law √(2τ_slow/T), whose first correction is a factor
// 1 − τ_slow/(2T).
func TestIdealAveragingLaw(t *testing.T) {
	const (
		m      = 2000
		kappa0 = 0.1
		lambda = 0.5
		k      = 400
		r, n   = 2, 10
	)
	tauSlow := 1 / lambda
	sigma2 := kappa0 / lambda
	rng := newRand(t, 23, 1)
	p := newProblem(rng, r, n, 1, hessMSE, lambda, 3)
	xs := p.exact(t)
	// Orthonormal basis of the complement of the row space of J.
	var svd mat.SVD
	require.True(t, svd.Factorize(p.J, mat.SVDFull))
	var v mat.Dense
	svd.VTo(&v)
	comp := v.Slice(0, n, r, n)

	for _, tOverTau := range []float64{10, 40, 160} {
		t.Run(fmt.Sprintf("T=%gτ_slow", tOverTau), func(t *testing.T) {
			T := tOverTau * tauSlow
			burn := 10 * tauSlow // start variance deficit e^{−2·10} ≈ 2e-9
			dv := &IdealDevice{
				Window: Window{Time: burn + T, Samples: k, BurnIn: burn},
				Kappa0: kappa0,
				Rand:   rand.New(rand.NewPCG(23, uint64(tOverTau))),
			}
			var x, d, c mat.VecDense
			var sq float64
			for range m {
				require.NoError(t, dv.SolveTo(&x, p.J, p.H, p.lambda, p.g, xs))
				d.SubVec(&x, xs)
				c.MulVec(comp.T(), &d)
				sq += mat.Dot(&c, &c)
			}
			got := sq / (m * (n - r))

			rho := math.Exp(-lambda * T / k)
			want := float64(k)
			for j := 1; j < k; j++ {
				want += 2 * float64(k-j) * math.Pow(rho, float64(j))
			}
			want *= sigma2 / (k * k)
			assert.InEpsilon(t, want, got, 5*math.Sqrt(2.0/(m*(n-r))))

			law := math.Sqrt(2 * tauSlow / T)
			ratio := math.Sqrt(want/sigma2) / law
			t.Logf("error/σ: measured %.4f, exact %.4f, law √(2τ/T) %.4f", math.Sqrt(got/sigma2), math.Sqrt(want/sigma2), law)
			assert.InDelta(t, 1, ratio, tauSlow/T)
		})
	}
}

// TestEulerStationaryVariance checks the Euler device's noise path against
// its own exact discrete stationary law κ₀(A − hA²/2)⁻¹ in the direction
// orthogonal to J (rate λ): variance κ₀/(λ(1 − hλ/2)). M·(N − r) = 12,000
// squared deviations give a relative standard error of 1.3 %.
func TestEulerStationaryVariance(t *testing.T) {
	const (
		m      = 2000
		kappa0 = 0.2
		lambda = 1.0
		h      = 0.5 // large on purpose: bias hλ/2 = 25 %, visible
		r, n   = 2, 8
	)
	rng := newRand(t, 24, 1)
	p := newProblem(rng, r, n, 1, hessMSE, lambda, 0.5)
	xs := p.exact(t)
	var svd mat.SVD
	require.True(t, svd.Factorize(p.J, mat.SVDFull))
	var v mat.Dense
	svd.VTo(&v)
	comp := v.Slice(0, n, r, n)
	dv := &EulerDevice{Window: Window{Time: 20}, Kappa0: kappa0, Step: h, Rand: newRand(t, 24, 2)}
	var x, d, c mat.VecDense
	var sq float64
	for range m {
		require.NoError(t, dv.SolveTo(&x, p.J, p.H, p.lambda, p.g, xs))
		d.SubVec(&x, xs)
		c.MulVec(comp.T(), &d)
		sq += mat.Dot(&c, &c)
	}
	want := kappa0 / (lambda * (1 - h*lambda/2))
	assert.InEpsilon(t, want, sq/(m*(n-r)), 5*math.Sqrt(2.0/(m*(n-r))))
}
