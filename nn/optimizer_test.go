package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// ngProblem is a small network and minibatch for comparing solves.
type ngProblem struct {
	name string
	tn   testNet
}

func ngProblems(t *testing.T) []testNet {
	nets := testNets(t)
	return []testNet{nets[0], nets[1], nets[2], nets[3]}
}

// stepOnce builds the optimizer for tn, takes one step from a copy of θ
// and returns the step info and the new θ.
func stepOnce(t *testing.T, tn testNet, cfg OptimizerConfig, s CurvatureSolver) (StepInfo, []float64) {
	t.Helper()
	opt, err := NewOptimizer(cfg, len(tn.theta), s)
	require.NoError(t, err)
	theta := append([]float64(nil), tn.theta...)
	p := NewPass(tn.m, tn.loss, tn.b)
	p.Forward(theta, tn.x, tn.y)
	info, err := opt.Step(theta, p)
	require.NoError(t, err)
	return info, theta
}

func relErr(got, want []float64) float64 {
	d := make([]float64, len(got))
	floats.SubTo(d, got, want)
	return floats.Norm(d, 2) / floats.Norm(want, 2)
}

// TestNaturalGradientSolvesAgree: on small networks, nn's dense exact
// solve, its structured Woodbury, converged matrix-free CG and a dense
// Cholesky CurvatureSolver all give the same g̃ = (JᵀHJ + λI)⁻¹g. CG runs N
// iterations (exact in exact arithmetic) with a 1e-13 residual stop; the
// 1e-8 bound leaves room for the conditioning of F + λI (κ ≲ 1e4 here).
func TestNaturalGradientSolvesAgree(t *testing.T) {
	for _, tn := range ngProblems(t) {
		t.Run(tn.name, func(t *testing.T) {
			n := len(tn.theta)
			ng := NaturalGradient{LR: 0.5, Damping: Damping{Lambda: 0.05}, WeightDecay: 1e-3}
			ref, _ := stepOnce(t, tn, ExactNGD{NaturalGradient: ng, MaxDense: 0}, &choleskySolver{})
			want := append([]float64(nil), ref.NatGrad...)
			require.NotNil(t, ref.J)
			require.NotNil(t, ref.H)
			for _, tc := range []struct {
				name   string
				cfg    OptimizerConfig
				solver CurvatureSolver
			}{
				{"ngd-dense", ExactNGD{NaturalGradient: ng}, nil},
				{"ngd-large-uses-woodbury", ExactNGD{NaturalGradient: ng, MaxDense: 1}, nil},
				{"woodbury", NGDWoodbury{NaturalGradient: ng}, nil},
				{"woodbury-solver", NGDWoodbury{NaturalGradient: ng}, &choleskySolver{}},
				{"cg", NGDCG{NaturalGradient: ng, Iters: n, Tol: 1e-13}, nil},
			} {
				info, theta := stepOnce(t, tn, tc.cfg, tc.solver)
				assert.Less(t, relErr(info.NatGrad, want), 1e-8, tc.name)
				// θ_new = θ − η g̃ and Update records it.
				for i := range theta {
					assert.InDelta(t, tn.theta[i]-0.5*info.NatGrad[i], theta[i], 1e-15, "%s θ[%d]", tc.name, i)
					assert.InDelta(t, theta[i]-tn.theta[i], info.Update[i], 1e-15)
				}
				assert.Equal(t, 0.05, info.Lambda)
			}
		})
	}
}

// The gradient handed to the solver includes weight decay.
func TestNaturalGradientGradIncludesWeightDecay(t *testing.T) {
	tn := testNets(t)[0]
	info, _ := stepOnce(t, tn, ExactNGD{NaturalGradient: NaturalGradient{WeightDecay: 0.1}}, nil)
	p := NewPass(tn.m, tn.loss, tn.b)
	p.Forward(tn.theta, tn.x, tn.y)
	g := make([]float64, len(tn.theta))
	p.GradTo(g)
	for i := range g {
		assert.InDelta(t, g[i]+0.1*tn.theta[i], info.Grad[i], 1e-15)
	}
}

// TestTNGDLimits checks TNGD on the test ideal OU device: with a reset to g
// and t = 0 the step is exactly the SGD step; as t → ∞ (t = 1e4 τ, where
// e^{−λ_min t} ≤ e^{−0.05·1e4} underflows to 0) it is the exact NGD step.
func TestTNGDLimits(t *testing.T) {
	for _, tn := range ngProblems(t) {
		t.Run(tn.name, func(t *testing.T) {
			ng := NaturalGradient{LR: 0.3, Damping: Damping{Lambda: 0.05}}
			sgd, thetaSGD := stepOnce(t, tn, SGD{LR: 0.3}, nil)
			tz, thetaT0 := stepOnce(t, tn, TNGD{NaturalGradient: ng, Reset: true}, &idealOU{T: 0})
			assert.Equal(t, sgd.Grad, tz.NatGrad)
			assert.Equal(t, thetaSGD, thetaT0)

			exact, _ := stepOnce(t, tn, ExactNGD{NaturalGradient: ng}, nil)
			ti, _ := stepOnce(t, tn, TNGD{NaturalGradient: ng}, &idealOU{T: 1e4})
			assert.Less(t, relErr(ti.NatGrad, exact.NatGrad), 1e-8)
			// Intermediate times interpolate: the error to NGD shrinks with t.
			prev := math.Inf(1)
			for _, T := range []float64{0.1, 1, 10, 100} {
				info, _ := stepOnce(t, tn, TNGD{NaturalGradient: ng, Reset: true}, &idealOU{T: T})
				e := relErr(info.NatGrad, exact.NatGrad)
				assert.Less(t, e, prev, "t = %g", T)
				prev = e
			}
		})
	}
}

// TestTNGDWarmStart: without Reset the optimizer passes start = nil, so the
// device continues from its previous estimate; at t = 0 the second step's
// g̃ is then the first step's gradient.
func TestTNGDWarmStart(t *testing.T) {
	tn := testNets(t)[1]
	dev := &idealOU{T: 0}
	opt, err := NewOptimizer(TNGD{}, len(tn.theta), dev)
	require.NoError(t, err)
	theta := append([]float64(nil), tn.theta...)
	p := NewPass(tn.m, tn.loss, tn.b)
	p.Forward(theta, tn.x, tn.y)
	first, err := opt.Step(theta, p)
	require.NoError(t, err)
	g1 := append([]float64(nil), first.Grad...)
	assert.Equal(t, g1, first.NatGrad)
	p.Forward(theta, tn.x, tn.y)
	second, err := opt.Step(theta, p)
	require.NoError(t, err)
	assert.Equal(t, g1, second.NatGrad)
	assert.NotEqual(t, g1, second.Grad)
	assert.Equal(t, 2, dev.calls)
	assert.Equal(t, 1, second.Iteration)
}

// TestTNGDAdamRule: with the paper's β₁ = β₂ = 0 the update is
// −η g̃/(|g̃| + ε); with the usual betas the first step of Adam is also
// −η g̃/(|g̃| + ε) by bias correction, and the second differs.
func TestTNGDAdamRule(t *testing.T) {
	tn := testNets(t)[1]
	const lr, eps = 0.01, 1e-8
	for _, tc := range []struct {
		name   string
		b1, b2 *float64
	}{{"paper-betas", nil, nil}, {"usual-betas", Float(0.9), Float(0.999)}} {
		t.Run(tc.name, func(t *testing.T) {
			dev := &idealOU{T: 5}
			info, theta := stepOnce(t, tn, TNGDAdam{NaturalGradient: NaturalGradient{LR: lr}, Beta1: tc.b1, Beta2: tc.b2}, dev)
			for i, g := range info.NatGrad {
				assert.InDelta(t, tn.theta[i]-lr*g/(math.Abs(g)+eps), theta[i], 1e-15)
			}
		})
	}
	// Second step with β = 0: still sign-like on the new g̃.
	dev := &idealOU{T: 5}
	opt, err := NewOptimizer(TNGDAdam{}, len(tn.theta), dev)
	require.NoError(t, err)
	theta := append([]float64(nil), tn.theta...)
	p := NewPass(tn.m, tn.loss, tn.b)
	for range 2 {
		p.Forward(theta, tn.x, tn.y)
		info, err := opt.Step(theta, p)
		require.NoError(t, err)
		for i, g := range info.NatGrad {
			assert.InDelta(t, -0.01*g/(math.Abs(g)+1e-8), info.Update[i], 1e-15)
		}
	}
}

// TestFirstOrderUpdates checks SGD (plain, momentum, Nesterov) and Adam
// against their formulas over three steps on a fixed batch.
func TestFirstOrderUpdates(t *testing.T) {
	tn := testNets(t)[2]
	n := len(tn.theta)
	type rule func(k int, g, state []float64, upd []float64)
	const lr, mu = 0.05, 0.9
	adamM, adamV := make([]float64, n), make([]float64, n)
	for _, tc := range []struct {
		name string
		cfg  OptimizerConfig
		ref  rule
	}{
		{"sgd", SGD{LR: lr}, func(_ int, g, _, u []float64) {
			for i := range g {
				u[i] = -lr * g[i]
			}
		}},
		{"sgd-momentum", SGD{LR: lr, Momentum: mu}, func(_ int, g, v, u []float64) {
			for i := range g {
				v[i] = mu*v[i] + g[i]
				u[i] = -lr * v[i]
			}
		}},
		{"sgd-nesterov", SGD{LR: lr, Momentum: mu, Nesterov: true}, func(_ int, g, v, u []float64) {
			for i := range g {
				v[i] = mu*v[i] + g[i]
				u[i] = -lr * (g[i] + mu*v[i])
			}
		}},
		{"adam", Adam{LR: lr}, func(k int, g, _, u []float64) {
			for i := range g {
				adamM[i] = 0.9*adamM[i] + 0.1*g[i]
				adamV[i] = 0.999*adamV[i] + 0.001*g[i]*g[i]
				mh := adamM[i] / (1 - math.Pow(0.9, float64(k+1)))
				vh := adamV[i] / (1 - math.Pow(0.999, float64(k+1)))
				u[i] = -lr * mh / (math.Sqrt(vh) + 1e-8)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt, err := NewOptimizer(tc.cfg, n, nil)
			require.NoError(t, err)
			theta := append([]float64(nil), tn.theta...)
			state, want := make([]float64, n), make([]float64, n)
			p := NewPass(tn.m, tn.loss, tn.b)
			for k := range 3 {
				p.Forward(theta, tn.x, tn.y)
				info, err := opt.Step(theta, p)
				require.NoError(t, err)
				tc.ref(k, info.Grad, state, want)
				assert.InDeltaSlice(t, want, info.Update, 1e-15)
				assert.Nil(t, info.NatGrad)
				assert.Equal(t, k, info.Iteration)
			}
		})
	}
}

// linearLSQ is a linear model with squared error: the loss is exactly
// quadratic in θ and F = JᵀHJ is its Hessian, so Gauss–Newton is exact.
func linearLSQ(t *testing.T) testNet {
	rng := rand.New(rand.NewPCG(21, 22))
	m := NewSequential(Shape{3, 1, 1}, Dense{Out: 2})
	theta := randVec(rng, m.NumParams())
	b := 6 // r = 12 ≥ N = 8: F has full rank
	return testNet{"linear-lsq", m, SquaredError{}, theta, randVec(rng, b*3), randVec(rng, b*2), b}
}

// TestExactNGDSolvesLeastSquares: on a linear least-squares problem, one
// NGD step with η = 1 and tiny damping lands on the minimum (the gradient
// vanishes to round-off).
func TestExactNGDSolvesLeastSquares(t *testing.T) {
	tn := linearLSQ(t)
	_, theta := stepOnce(t, tn, ExactNGD{NaturalGradient: NaturalGradient{LR: 1, Damping: Damping{Lambda: 1e-12, Min: 1e-12}}}, nil)
	p := NewPass(tn.m, tn.loss, tn.b)
	p.Forward(theta, tn.x, tn.y)
	g := make([]float64, len(theta))
	p.GradTo(g)
	assert.Less(t, floats.Norm(g, math.Inf(1)), 1e-10)
}

// TestLevenbergMarquardt: on a quadratic loss the model is exact, so ρ = 1
// and λ shrinks by Decrease on every adapted step (Every = 1).
func TestLevenbergMarquardt(t *testing.T) {
	tn := linearLSQ(t)
	cfg := ExactNGD{NaturalGradient: NaturalGradient{LR: 0.5, WeightDecay: 0.01,
		Damping: Damping{Lambda: 0.1, Adaptive: true, Every: 1}}}
	opt, err := NewOptimizer(cfg, len(tn.theta), nil)
	require.NoError(t, err)
	theta := append([]float64(nil), tn.theta...)
	p := NewPass(tn.m, tn.loss, tn.b)
	lam := 0.1
	for k := range 3 {
		p.Forward(theta, tn.x, tn.y)
		info, err := opt.Step(theta, p)
		require.NoError(t, err)
		assert.InDelta(t, lam, info.Lambda, 1e-15, "step %d", k)
		assert.InDelta(t, 1, info.Rho, 1e-8, "ρ = 1 up to round-off in loss differences")
		lam *= 2.0 / 3
	}
}

// TestLevenbergMarquardtRule: on a nonlinear network, ρ matches its
// definition computed from an explicit F, and λ follows the rule for
// each regime of ρ (small and large steps), only on every Every-th step.
func TestLevenbergMarquardtRule(t *testing.T) {
	tn := testNets(t)[1]
	var up, down int
	defer func() { assert.True(t, up > 0 && down > 0, "both regimes exercised: %d up, %d down", up, down) }()
	for _, lr := range []float64{0.01, 1, 30} {
		cfg := ExactNGD{NaturalGradient: NaturalGradient{LR: lr, Damping: Damping{Lambda: 0.1, Adaptive: true, Every: 2}}}
		opt, err := NewOptimizer(cfg, len(tn.theta), nil)
		require.NoError(t, err)
		theta := append([]float64(nil), tn.theta...)
		p := NewPass(tn.m, tn.loss, tn.b)
		lam := 0.1
		for k := range 4 {
			l0 := p.Forward(theta, tn.x, tn.y)
			F := explicitGGN(p)
			info, err := opt.Step(theta, p)
			require.NoError(t, err)
			assert.Equal(t, lam, info.Lambda)
			if k%2 == 1 {
				assert.True(t, math.IsNaN(info.Rho), "no adaptation on odd steps")
				continue
			}
			d := mat.NewVecDense(len(theta), info.Update)
			var Fd mat.VecDense
			Fd.MulVec(F, d)
			pred := mat.Dot(mat.NewVecDense(len(theta), info.Grad), d) + 0.5*mat.Dot(d, &Fd)
			l1 := NewPass(tn.m, tn.loss, tn.b).Forward(theta, tn.x, tn.y)
			rho := (l1 - l0) / pred
			assert.InDelta(t, rho, info.Rho, 1e-9*(1+math.Abs(rho)), "lr %g step %d", lr, k)
			switch {
			case rho > 0.75:
				lam *= 2.0 / 3
				down++
			case rho < 0.25:
				lam *= 1.5
				up++
			}
		}
	}
}

func TestScheduleFactor(t *testing.T) {
	for _, tc := range []struct {
		s    Schedule
		k    int
		want float64
	}{
		{Schedule{}, 100, 1},
		{Schedule{Warmup: 4}, 0, 0.25},
		{Schedule{Warmup: 4}, 3, 1},
		{Schedule{Kind: "step", Every: 10}, 25, 0.01},
		{Schedule{Kind: "step", Every: 10, Gamma: 0.5}, 9, 1},
		{Schedule{Kind: "exp", Gamma: 0.5}, 3, 0.125},
		{Schedule{Kind: "cosine", Total: 10}, 5, 0.5},
		{Schedule{Kind: "cosine", Total: 10, Floor: 0.1}, 20, 0.1},
	} {
		require.NoError(t, tc.s.Validate())
		assert.InDelta(t, tc.want, tc.s.Factor(tc.k), 1e-15, "%+v at %d", tc.s, tc.k)
	}
	for _, bad := range []Schedule{{Kind: "bogus"}, {Kind: "step"}, {Kind: "cosine"}, {Warmup: -1}, {Gamma: 2}} {
		assert.Error(t, bad.Validate(), "%+v", bad)
	}
}

func TestOptimizerConfigs(t *testing.T) {
	for _, kind := range OptimizerKinds {
		cfg, err := NewOptimizerConfig(kind)
		require.NoError(t, err)
		assert.Equal(t, kind, cfg.Kind())
		require.NoError(t, cfg.Validate(), kind)
		var s CurvatureSolver
		if kind == "tngd" || kind == "tngd-adam" {
			s = &choleskySolver{}
		}
		opt, err := NewOptimizer(cfg, 5, s)
		require.NoError(t, err)
		assert.Equal(t, kind, opt.Kind())
		assert.Equal(t, 5, opt.NumParams())
	}
	_, err := NewOptimizerConfig("lbfgs")
	assert.ErrorIs(t, err, ErrUnknownOptimizer)
	assert.Panics(t, func() { NewOptimizer(TNGD{}, 5, nil) })
	for _, bad := range []OptimizerConfig{
		SGD{LR: -1}, SGD{Momentum: 1}, Adam{Beta1: Float(1)}, Adam{Eps: -1},
		ExactNGD{NaturalGradient: NaturalGradient{Damping: Damping{Lambda: -1}}},
		NGDCG{Iters: -1}, TNGDAdam{NaturalGradient: NaturalGradient{Momentum: 0.9}},
		TNGD{NaturalGradient: NaturalGradient{Damping: Damping{Lambda: 1e5}}},
	} {
		assert.Error(t, bad.Validate(), "%#v", bad)
	}
}

// TestSolverErrorIsWrapped: a CurvatureSolver failure comes back from Step
// wrapped, and θ is unchanged.
func TestSolverErrorIsWrapped(t *testing.T) {
	tn := testNets(t)[0]
	opt, err := NewOptimizer(TNGD{}, len(tn.theta), failingSolver{})
	require.NoError(t, err)
	theta := append([]float64(nil), tn.theta...)
	p := NewPass(tn.m, tn.loss, tn.b)
	p.Forward(theta, tn.x, tn.y)
	_, err = opt.Step(theta, p)
	assert.ErrorIs(t, err, errTestSolver)
	assert.Equal(t, tn.theta, theta)
}

var errTestSolver = mat.ErrSingular

type failingSolver struct{}

func (failingSolver) SolveTo(*mat.VecDense, *mat.Dense, *mat.SymDense, float64, *mat.VecDense, *mat.VecDense) error {
	return errTestSolver
}

// TestReferenceSolve: with Reference, a TNGD step also reports the exact g̃
// (here compared with the dense Cholesky solve) and the error of its own
// estimate: ≈ 0 as t → ∞, and that of the plain gradient at t = 0.
func TestReferenceSolve(t *testing.T) {
	for _, tn := range ngProblems(t) {
		t.Run(tn.name, func(t *testing.T) {
			ng := NaturalGradient{Damping: Damping{Lambda: 0.05}, Reference: true}
			exact, _ := stepOnce(t, tn, ExactNGD{NaturalGradient: NaturalGradient{Damping: Damping{Lambda: 0.05}}}, &choleskySolver{})
			long, _ := stepOnce(t, tn, TNGD{NaturalGradient: ng}, &idealOU{T: 1e4})
			assert.Less(t, relErr(long.Reference, exact.NatGrad), 1e-8)
			assert.Less(t, long.SolveRelErr, 1e-8)
			assert.InDelta(t, 1, long.SolveCos, 1e-12)
			zero, _ := stepOnce(t, tn, TNGD{NaturalGradient: ng, Reset: true}, &idealOU{T: 0})
			re, cos := CompareSolves(zero.Grad, exact.NatGrad)
			assert.InDelta(t, re, zero.SolveRelErr, 1e-8*re)
			assert.InDelta(t, cos, zero.SolveCos, 1e-8)
			assert.Less(t, zero.SolveCos, 0.9999)
			wood, _ := stepOnce(t, tn, NGDWoodbury{NaturalGradient: ng}, nil)
			assert.Equal(t, 0.0, wood.SolveRelErr)
			plain, _ := stepOnce(t, tn, TNGD{NaturalGradient: NaturalGradient{}}, &idealOU{T: 1})
			assert.Nil(t, plain.Reference)
			assert.True(t, math.IsNaN(plain.SolveCos))
		})
	}
}

// gramSolver is a GramCurvatureSolver that checks the Gram matrix it is
// given against J Jᵀ formed densely, then solves densely.
type gramSolver struct {
	t      *testing.T
	calls  int
	maxErr float64
}

func (s *gramSolver) SolveTo(dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error {
	s.t.Fatal("SolveTo called on a GramCurvatureSolver")
	return nil
}

func (s *gramSolver) SolveGramTo(dst *mat.VecDense, J *mat.Dense, gram, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error {
	s.calls++
	var want mat.Dense
	want.Mul(J, J.T())
	scale := mat.Norm(&want, math.Inf(1))
	r, _ := J.Dims()
	for i := range r {
		for j := range r {
			s.maxErr = max(s.maxErr, math.Abs(gram.At(i, j)-want.At(i, j))/scale)
		}
	}
	return (&choleskySolver{}).SolveTo(dst, J, H, lambda, g, start)
}

// TestGramCurvatureSolver: a solver with SolveGramTo receives the Gram
// matrix of the minibatch (equal to the dense J Jᵀ to rounding), and the
// step and its reference solve (which reuses that Gram matrix) equal those
// of the plain dense solver.
func TestGramCurvatureSolver(t *testing.T) {
	for _, tn := range ngProblems(t) {
		t.Run(tn.name, func(t *testing.T) {
			ng := NaturalGradient{LR: 0.3, Damping: Damping{Lambda: 0.05}, Reference: true}
			want, _ := stepOnce(t, tn, TNGD{NaturalGradient: ng}, &choleskySolver{})
			gs := &gramSolver{t: t}
			got, _ := stepOnce(t, tn, TNGD{NaturalGradient: ng}, gs)
			assert.Equal(t, 1, gs.calls)
			assert.Less(t, gs.maxErr, 1e-13)
			assert.Less(t, relErr(got.NatGrad, want.NatGrad), 1e-14)
			assert.Less(t, relErr(got.Reference, want.Reference), 1e-12)
			assert.Less(t, got.SolveRelErr, 1e-8)
		})
	}
}
