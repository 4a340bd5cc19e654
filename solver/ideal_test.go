package solver

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tngd/tngd/nn"
	"gonum.org/v1/gonum/mat"
)

// sampleTimes returns the times (in τ) of the samples averaged by w.
func sampleTimes(w Window) []float64 {
	k := w.samples()
	if k == 1 {
		return []float64{w.Time}
	}
	ts := make([]float64, k)
	for j := range ts {
		ts[j] = w.BurnIn + float64(j+1)*(w.Time-w.BurnIn)/float64(k)
	}
	return ts
}

// expNeg returns e^{−At} by gonum's Padé-based mat.Exp.
func expNeg(a *mat.Dense, t float64) *mat.Dense {
	var m, e mat.Dense
	m.Scale(-t, a)
	e.Exp(&m)
	return &e
}

// denseMean returns the exact means of the readout and of the end state of
// window w from x0: ⟨x_t⟩ = e^{−At}(x₀ − A⁻¹g) + A⁻¹g (PHYSICS.md §2),
// averaged over the sample times for the readout.
func denseMean(t *testing.T, a *mat.Dense, g, x0 *mat.VecDense, w Window) (readout, state *mat.VecDense) {
	n := g.Len()
	var xs, d mat.VecDense
	require.NoError(t, xs.SolveVec(a, g))
	d.SubVec(x0, &xs)
	at := func(tt float64) *mat.VecDense {
		var y mat.VecDense
		y.MulVec(expNeg(a, tt), &d)
		y.AddVec(&y, &xs)
		return &y
	}
	readout = mat.NewVecDense(n, nil)
	ts := sampleTimes(w)
	for _, tt := range ts {
		readout.AddVec(readout, at(tt))
	}
	readout.ScaleVec(1/float64(len(ts)), readout)
	return readout, at(w.Time + w.Delay)
}

// denseCov returns the exact covariances of the readout, of the end state,
// and between them, for a deterministic start: Cov(x_t, x_s) =
// e^{−A(t−s)} Σ_s for t ≥ s with Σ_s = κ₀A⁻¹(I − e^{−2As}) (PHYSICS.md §4).
func denseCov(t *testing.T, a *mat.Dense, kappa0 float64, w Window) (cR, cS, cRS *mat.Dense) {
	n, _ := a.Dims()
	var ainv mat.Dense
	require.NoError(t, ainv.Inverse(a))
	sigma := func(s float64) *mat.Dense {
		e := expNeg(a, 2*s)
		var m, id mat.Dense
		id.Scale(-1, e)
		for i := 0; i < n; i++ {
			id.Set(i, i, id.At(i, i)+1)
		}
		m.Mul(&ainv, &id)
		m.Scale(kappa0, &m)
		return &m
	}
	cross := func(t1, t2 float64) *mat.Dense { // Cov(x_t1, x_t2)
		lo, hi := min(t1, t2), max(t1, t2)
		var m mat.Dense
		m.Mul(expNeg(a, hi-lo), sigma(lo))
		return &m
	}
	ts := sampleTimes(w)
	k := float64(len(ts))
	tEnd := w.Time + w.Delay
	cR = mat.NewDense(n, n, nil)
	cRS = mat.NewDense(n, n, nil)
	for _, t1 := range ts {
		for _, t2 := range ts {
			cR.Add(cR, cross(t1, t2))
		}
		cRS.Add(cRS, cross(t1, tEnd))
	}
	cR.Scale(1/(k*k), cR)
	cRS.Scale(1/k, cRS)
	return cR, sigma(tEnd), cRS
}

// deviceCases are small problems for the exact device: r < N, r > N,
// singular and zero Hessians.
var deviceCases = []struct {
	r, n, dz int
	kind     hessianKind
	lambda   float64
}{
	{r: 6, n: 10, dz: 3, kind: hessCE, lambda: 0.3},
	{r: 8, n: 8, dz: 8, kind: hessDensePSD, lambda: 0.5},
	{r: 12, n: 5, dz: 4, kind: hessMSE, lambda: 0.2},
	{r: 4, n: 9, dz: 2, kind: hessZero, lambda: 1},
	{r: 40, n: 60, dz: 10, kind: hessCE, lambda: 0.3}, // r ≥ symeigMin
}

var deviceWindows = []Window{
	{Time: 0.5},
	{Time: 3, Samples: 7, BurnIn: 1},
	{Time: 2, Delay: 0.7},
	{Time: 4, Samples: 5, Delay: 1.3},
	{Time: 2.5, Samples: 3, BurnIn: 2.5}, // all samples at Time
}

func TestIdealZeroTimeReturnsStart(t *testing.T) {
	rng := newRand(t, 2, 1)
	p := newProblem(rng, 6, 10, 3, hessCE, 0.1, 3)
	start := mat.NewVecDense(10, nil)
	for i := 0; i < 10; i++ {
		start.SetVec(i, rng.NormFloat64())
	}
	for _, w := range []Window{{}, {Samples: 4}} {
		t.Run(fmt.Sprintf("%+v", w), func(t *testing.T) {
			dv := &IdealDevice{Window: w, Kappa0: 0.1, Rand: newRand(t, 1, 2)}
			var x mat.VecDense
			require.NoError(t, dv.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
			assert.Equal(t, p.g.RawVector().Data, x.RawVector().Data, "first warm call starts from g")
			require.NoError(t, dv.SolveTo(&x, p.J, p.H, p.lambda, p.g, start))
			assert.Equal(t, start.RawVector().Data, x.RawVector().Data, "reset to start")
			assert.Equal(t, start.RawVector().Data, dv.State())
		})
	}
}

// TestIdealLongTimeIsExact: with κ₀ = 0 and t·λ_min = 60 the transient
// e^{−60} ≈ 1e-26 is gone, so the readout is A⁻¹g up to round-off.
func TestIdealLongTimeIsExact(t *testing.T) {
	rng := newRand(t, 3, 1)
	for _, tc := range digitalCases {
		t.Run(fmt.Sprintf("r=%d/N=%d/%v", tc.r, tc.n, tc.kind), func(t *testing.T) {
			p := newProblem(rng, tc.r, tc.n, tc.dz, tc.kind, tc.lambda, 3)
			want := p.exact(t)
			for _, w := range []Window{{Time: 60 / tc.lambda}, {Time: 80 / tc.lambda, Samples: 10, BurnIn: 60 / tc.lambda}} {
				dv := &IdealDevice{Window: w}
				var x mat.VecDense
				require.NoError(t, dv.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
				assert.Less(t, relErr(&x, want), 1e-9)
			}
		})
	}
}

// TestIdealMeanTransient compares the noiseless device with the dense
// matrix exponential, for every window shape, and checks that a warm call
// continues from the end state (time-homogeneity: two windows of t equal
// one of 2t).
func TestIdealMeanTransient(t *testing.T) {
	rng := newRand(t, 4, 1)
	for _, tc := range deviceCases {
		p := newProblem(rng, tc.r, tc.n, tc.dz, tc.kind, tc.lambda, 2)
		a := p.denseA()
		x0 := mat.NewVecDense(tc.n, nil)
		for i := 0; i < tc.n; i++ {
			x0.SetVec(i, rng.NormFloat64())
		}
		for _, w := range deviceWindows {
			t.Run(fmt.Sprintf("r=%d/N=%d/%v/%+v", tc.r, tc.n, tc.kind, w), func(t *testing.T) {
				dv := &IdealDevice{Window: w}
				var x mat.VecDense
				require.NoError(t, dv.SolveTo(&x, p.J, p.H, p.lambda, p.g, x0))
				wantR, wantS := denseMean(t, a, p.g, x0, w)
				// 1e-9: mat.Exp is accurate to ~1e-14 here.
				assert.Less(t, relErr(&x, wantR), 1e-9, "readout")
				assert.Less(t, relErr(mat.NewVecDense(tc.n, dv.State()), wantS), 1e-9, "state")
				assert.Equal(t, Stats{AnalogTime: w.Time + w.Delay, Samples: w.samples()}, dv.Stats())

				// Warm call: continues from the state.
				require.NoError(t, dv.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
				wantR2, _ := denseMean(t, a, p.g, wantS, w)
				assert.Less(t, relErr(&x, wantR2), 1e-9, "warm readout")
			})
		}
	}
}

// TestIdealCovariance reads the noise map of the device off its linear
// response to unit normals (z₁ = e_k, then z₂ = e_k, with g = x₀ = 0) and
// compares the implied covariances with the dense formulas. This checks
// the joint law of readout and end state exactly, without sampling.
func TestIdealCovariance(t *testing.T) {
	rng := newRand(t, 5, 1)
	const kappa0 = 0.3
	for _, tc := range deviceCases {
		p := newProblem(rng, tc.r, tc.n, tc.dz, tc.kind, tc.lambda, 2)
		a := p.denseA()
		for _, w := range deviceWindows {
			t.Run(fmt.Sprintf("r=%d/N=%d/%v/%+v", tc.r, tc.n, tc.kind, w), func(t *testing.T) {
				n := tc.n
				twoOut := w.samples() > 1 || w.Delay > 0
				m, nOut := 3, 1
				if twoOut {
					m, nOut = 4, 2
				}
				dv := &IdealDevice{Window: w, Kappa0: kappa0}
				// Columns of lR, lS1, lS2: responses to z₁ = e_k, z₂ = e_k.
				lR, lS1, lS2 := mat.NewDense(n, n, nil), mat.NewDense(n, n, nil), mat.NewDense(n, n, nil)
				for _, noise := range []int{2, 3}[:m-2] {
					for k := 0; k < n; k++ {
						v := columns(make([]float64, n*m), n, m)
						v[noise][k] = 1
						out, err := dv.run(p.J, nil, p.H, p.lambda, v, true, twoOut)
						require.NoError(t, err)
						require.Len(t, out, nOut)
						for i := 0; i < n; i++ {
							if noise == 2 {
								lR.Set(i, k, out[0][i])
								lS1.Set(i, k, out[nOut-1][i])
							} else {
								lS2.Set(i, k, out[1][i])
								assert.Zero(t, out[0][i], "z₂ must not reach the readout")
							}
						}
					}
				}
				var gotR, gotS, gotRS, tmp mat.Dense
				gotR.Mul(lR, lR.T())
				gotS.Mul(lS1, lS1.T())
				tmp.Mul(lS2, lS2.T())
				gotS.Add(&gotS, &tmp)
				gotRS.Mul(lR, lS1.T())
				wantR, wantS, wantRS := denseCov(t, a, kappa0, w)
				for _, c := range []struct {
					name      string
					got, want *mat.Dense
				}{{"readout", &gotR, wantR}, {"state", &gotS, wantS}, {"cross", &gotRS, wantRS}} {
					var d mat.Dense
					d.Sub(c.got, c.want)
					// Relative to the stationary scale κ₀/λ: cancellation in
					// I − e^{−2As} and in the readout/state Cholesky factor
					// (a difference of nearly equal variances) costs a few
					// digits; 1e-9 still detects any modelling error.
					assert.Less(t, mat.Norm(&d, 2)/(kappa0/tc.lambda), 1e-9, c.name)
				}
			})
		}
	}
}

func TestIdealIndefiniteHessian(t *testing.T) {
	rng := newRand(t, 6, 1)
	p := newProblem(rng, 4, 8, 2, hessMSE, 1, 1)
	p.H.SetSym(1, 1, -0.5)
	dv := &IdealDevice{Window: Window{Time: 1}}
	var x mat.VecDense
	err := dv.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil)
	assert.True(t, errors.Is(err, ErrIndefiniteHessian), "got %v", err)
	assert.Nil(t, dv.State(), "a failed first call leaves no state")
}

func TestIdealPanics(t *testing.T) {
	rng := newRand(t, 7, 1)
	p := newProblem(rng, 4, 8, 2, hessMSE, 1, 1)
	var x mat.VecDense
	for _, tc := range []struct {
		name string
		dv   *IdealDevice
		lam  float64
	}{
		{"nil Rand", &IdealDevice{Window: Window{Time: 1}, Kappa0: 1}, 1},
		{"negative kappa", &IdealDevice{Window: Window{Time: 1}, Kappa0: -1}, 1},
		{"burn-in beyond time", &IdealDevice{Window: Window{Time: 1, BurnIn: 2, Samples: 3}}, 1},
		{"negative time", &IdealDevice{Window: Window{Time: -1}}, 1},
		{"zero lambda", &IdealDevice{Window: Window{Time: 1}}, 0},
	} {
		assert.Panics(t, func() { _ = tc.dv.SolveTo(&x, p.J, p.H, tc.lam, p.g, nil) }, tc.name)
	}
	assert.Panics(t, func() { _ = (&IdealDevice{}).SolveTo(mat.NewVecDense(3, nil), p.J, p.H, 1, p.g, nil) }, "dst length")
}

func TestIdealDeterministicBySeed(t *testing.T) {
	rng := newRand(t, 8, 1)
	p := newProblem(rng, 6, 10, 3, hessCE, 0.1, 3)
	run := func(seed uint64) []float64 {
		dv := &IdealDevice{Window: Window{Time: 2, Samples: 4, Delay: 1}, Kappa0: 0.01, Rand: newRand(t, seed, 9)}
		var x mat.VecDense
		var out []float64
		for range 3 { // warm calls
			require.NoError(t, dv.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
			out = append(out, x.RawVector().Data...)
		}
		return out
	}
	assert.Equal(t, run(1), run(1))
	assert.NotEqual(t, run(1), run(2))
}

// TestIdealGramHint: SolveGramTo with the Gram matrix J Jᵀ gives SolveTo's
// readout and state to rounding, call after warm call with noise, samples
// and a delay (the same seed draws the same normals), including a
// rank-deficient J; the device satisfies nn.GramCurvatureSolver.
func TestIdealGramHint(t *testing.T) {
	var _ nn.GramCurvatureSolver = (*IdealDevice)(nil)
	rng := newRand(t, 10, 1)
	for _, dup := range []bool{false, true} {
		p := newProblem(rng, 8, 40, 2, hessCE, 0.1, 3)
		if dup {
			p.J.SetRow(7, p.J.RawRowView(0)) // rank 7 of 8
		}
		var gram mat.SymDense
		gram.SymOuterK(1, p.J)
		w := Window{Time: 2, Samples: 4, Delay: 1}
		plain := &IdealDevice{Window: w, Kappa0: 0.01, Rand: newRand(t, 3, 9)}
		hinted := &IdealDevice{Window: w, Kappa0: 0.01, Rand: newRand(t, 3, 9)}
		for call := range 3 {
			var x, y mat.VecDense
			require.NoError(t, plain.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
			require.NoError(t, hinted.SolveGramTo(&y, p.J, &gram, p.H, p.lambda, p.g, nil))
			assert.Less(t, relErr(&y, &x), 1e-12, "dup %v call %d readout", dup, call)
			assert.Less(t, relErr(mat.NewVecDense(40, hinted.State()), mat.NewVecDense(40, plain.State())), 1e-12, "dup %v call %d state", dup, call)
		}
	}
	assert.Panics(t, func() {
		p := newProblem(rng, 8, 40, 2, hessCE, 0.1, 3)
		var x mat.VecDense
		(&IdealDevice{}).SolveGramTo(&x, p.J, mat.NewSymDense(7, nil), p.H, p.lambda, p.g, nil)
	})
}

// TestIdealIllConditionedJ: Jacobians of trained networks have singular
// values spread over many decades and repeated rows. The device never
// divides by them (no G⁻¹ or Σ⁻¹ appears in its formula), so its mean
// transient stays accurate: J = U diag(s) Vᵀ with s from 1 to 1e-8, then
// a copy of the first rows appended (rank-deficient, r > rank).
func TestIdealIllConditionedJ(t *testing.T) {
	rng := newRand(t, 9, 1)
	const r0, n, extra = 16, 30, 8
	p := newProblem(rng, r0+extra, n, 4, hessCE, 0.05, 1)
	var svd mat.SVD
	base := mat.NewDense(r0, n, nil)
	base.Copy(p.J.Slice(0, r0, 0, n))
	require.True(t, svd.Factorize(base, mat.SVDThin))
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	s := make([]float64, r0)
	for i := range s {
		s[i] = 3 * math.Pow(1e-8, float64(i)/float64(r0-1))
	}
	var us mat.Dense
	us.Mul(&u, mat.NewDiagDense(r0, s))
	base.Mul(&us, v.T())
	p.J.Slice(0, r0, 0, n).(*mat.Dense).Copy(base)
	p.J.Slice(r0, r0+extra, 0, n).(*mat.Dense).Copy(base.Slice(0, extra, 0, n))

	a := p.denseA()
	for _, w := range []Window{{Time: 2}, {Time: 5, Samples: 4, Delay: 1}, {Time: 2000}} {
		dv := &IdealDevice{Window: w}
		var x mat.VecDense
		require.NoError(t, dv.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
		want, _ := denseMean(t, a, p.g, p.g, w)
		assert.Less(t, relErr(&x, want), 1e-9, "%+v", w)
	}
	var x mat.VecDense
	require.NoError(t, (&Woodbury{}).SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
	assert.Less(t, relErr(&x, p.exact(t)), 1e-9, "Woodbury")
}
