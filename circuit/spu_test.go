package circuit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// factoredProblem returns a random TNGD-like system: J (r×N) with entries
// in [−1, 1], H block diagonal with blocks diag(p) − ppᵀ (softmax
// cross-entropy, p random on the simplex) over dz outputs, scaled by 1/b,
// and g uniform in [−1, 1].
func factoredProblem(n, b, dz int, rng *rand.Rand) (J *mat.Dense, H *mat.SymDense, g *mat.VecDense) {
	r := b * dz
	J = randMatrix(r, n, rng)
	H = mat.NewSymDense(r, nil)
	for s := 0; s < b; s++ {
		p := make([]float64, dz)
		for o := range p {
			p[o] = rng.Float64() + 0.1
		}
		floats.Scale(1/floats.Sum(p), p)
		for i := 0; i < dz; i++ {
			for j := i; j < dz; j++ {
				v := -p[i] * p[j]
				if i == j {
					v += p[i]
				}
				H.SetSym(s*dz+i, s*dz+j, v/float64(b))
			}
		}
	}
	g = mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		g.SetVec(i, 2*rng.Float64()-1)
	}
	return J, H, g
}

// denseA returns λI + JᵀHJ.
func denseA(J *mat.Dense, H mat.Symmetric, lambda float64) *mat.Dense {
	_, n := J.Dims()
	var hj, a mat.Dense
	hj.Mul(H, J)
	a.Mul(J.T(), &hj)
	for i := 0; i < n; i++ {
		a.Set(i, i, a.At(i, i)+lambda)
	}
	return &a
}

// spdMatrix returns a random symmetric positive definite n×n matrix with
// eigenvalues in [lo, hi].
func spdMatrix(n int, lo, hi float64, rng *rand.Rand) *mat.SymDense {
	var qr mat.QR
	qr.Factorize(randMatrix(n, n, rng))
	var q mat.Dense
	qr.QTo(&q)
	d := make([]float64, n)
	for i := range d {
		d[i] = lo + (hi-lo)*float64(i)/float64(max(n-1, 1))
	}
	var a mat.Dense
	a.Mul(&q, mat.NewDiagDense(n, d))
	a.Mul(&a, q.T())
	s := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			s.SetSym(i, j, (a.At(i, j)+a.At(j, i))/2)
		}
	}
	return s
}

func randVec(n int, rng *rand.Rand) *mat.VecDense {
	v := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		v.SetVec(i, 2*rng.Float64()-1)
	}
	return v
}

func relErr(got, want mat.Vector) float64 {
	var d mat.VecDense
	d.SubVec(got, want)
	return mat.Norm(&d, 2) / mat.Norm(want, 2)
}

func newFactored(t *testing.T, hw *Hardware, J *mat.Dense, H *mat.SymDense, lambda float64, g *mat.VecDense, seed uint64) *SPU {
	t.Helper()
	r, n := J.Dims()
	s, err := NewSPU(hw, Factored, n, r, rand.NewPCG(seed, 99))
	require.NoError(t, err)
	_, err = s.ProgramFactored(J, H, lambda)
	require.NoError(t, err)
	_, err = s.SetInput(g)
	require.NoError(t, err)
	return s
}

func newDirect(t *testing.T, hw *Hardware, A mat.Matrix, b *mat.VecDense, seed uint64) *SPU {
	t.Helper()
	n, _ := A.Dims()
	s, err := NewSPU(hw, Direct, n, 0, rand.NewPCG(seed, 98))
	require.NoError(t, err)
	_, err = s.ProgramDirect(A)
	require.NoError(t, err)
	_, err = s.SetInput(b)
	require.NoError(t, err)
	return s
}

func TestSPUIdealFactoredSteadyState(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	J, H, g := factoredProblem(30, 3, 2, rng)
	const lambda = 1.0
	var want mat.VecDense
	require.NoError(t, want.SolveVec(denseA(J, H, lambda), g))

	for _, mode := range []string{"", ScaleFull, ScaleFixed} {
		t.Run("scaling "+mode, func(t *testing.T) {
			s := newFactored(t, &Hardware{Scaling: Scaling{Mode: mode}}, J, H, lambda, g, 1)
			var ss mat.VecDense
			require.NoError(t, s.MeanSteadyStateTo(&ss))
			assert.Less(t, relErr(&ss, &want), 1e-9)

			// Reset to g and run noiselessly until the slowest mode,
			// rate α·λ_min ≥ α·λ, has decayed below 1e-12.
			s.Reset(g)
			alpha := s.Scale().Alpha
			tEnd := 30 / (alpha * lambda)
			for _, m := range []Method{MethodExactDense, MethodEuler} {
				s.Reset(g)
				rep, err := s.Run(tEnd, &Evolution{Method: m})
				require.NoError(t, err)
				assert.Equal(t, m, rep.Method)
				var x mat.VecDense
				s.ReadTo(&x)
				assert.Less(t, relErr(&x, &want), 1e-9, "method %v", m)
			}
		})
	}
}

func TestSPUIdealDirectSteadyState(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	n := 12
	// A non-symmetric, positive-stable matrix: SPD plus a skew part.
	A := mat.DenseCopyOf(spdMatrix(n, 0.5, 3, rng))
	skew := randMatrix(n, n, rng)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			A.Set(i, j, A.At(i, j)+0.3*(skew.At(i, j)-skew.At(j, i)))
		}
	}
	b := randVec(n, rng)
	var want mat.VecDense
	require.NoError(t, want.SolveVec(A, b))
	s := newDirect(t, nil, A, b, 2)
	var ss mat.VecDense
	require.NoError(t, s.MeanSteadyStateTo(&ss))
	assert.Less(t, relErr(&ss, &want), 1e-9)
	s.Reset(nil)
	_, err := s.Run(60, nil) // slowest rate ≥ 0.5 (symmetric part ≥ 0.5I)
	require.NoError(t, err)
	var x mat.VecDense
	s.ReadTo(&x)
	assert.Less(t, relErr(&x, &want), 1e-9)
}

func TestSPUDirectRefusesUnstable(t *testing.T) {
	A := mat.NewDense(2, 2, []float64{1, 0, 0, -0.5})
	s, err := NewSPU(nil, Direct, 2, 0, rand.NewPCG(1, 1))
	require.NoError(t, err)
	_, err = s.ProgramDirect(A)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrNotPositiveStable))
	var se *StabilityError
	require.True(t, errors.As(err, &se))
	assert.InDelta(t, -0.5, se.MinReal, 1e-12)
	// Non-symmetric with complex eigenvalues 0 ± i: not positive-stable.
	_, err = s.ProgramDirect(mat.NewDense(2, 2, []float64{0, 1, -1, 0}))
	assert.True(t, errors.Is(err, ErrNotPositiveStable))
	// NaN.
	_, err = s.ProgramDirect(mat.NewDense(2, 2, []float64{1, math.NaN(), 0, 1}))
	assert.True(t, errors.Is(err, ErrNonFiniteProblem))
}

// TestSPUMeanTransient checks ⟨x_t⟩ = e^{−αAt}(x₀ − A⁻¹b) + A⁻¹b for the
// exact method, and the Euler–Maruyama recursion (I − hαA)ⁿ for EM.
func TestSPUMeanTransient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	J, H, g := factoredProblem(16, 2, 3, rng)
	const lambda = 0.5
	A := denseA(J, H, lambda)
	var xs mat.VecDense
	require.NoError(t, xs.SolveVec(A, g))
	x0 := randVec(16, rng)
	s := newFactored(t, nil, J, H, lambda, g, 3)
	s.Reset(x0)
	alpha := s.Scale().Alpha
	const tw = 1.7
	var diff mat.VecDense
	diff.SubVec(x0, &xs)

	var e mat.Dense
	var aa mat.Dense
	aa.Scale(-alpha*tw, A)
	e.Exp(&aa)
	var want mat.VecDense
	want.MulVec(&e, &diff)
	want.AddVec(&want, &xs)
	_, err := s.Run(tw, &Evolution{Method: MethodExactDense})
	require.NoError(t, err)
	var got mat.VecDense
	s.ReadTo(&got)
	assert.Less(t, relErr(&got, &want), 1e-10)

	// Euler–Maruyama with h = 0.01: x_{k+1} − x* = (I − hαA)(x_k − x*).
	s.Reset(x0)
	rep, err := s.Run(tw, &Evolution{Method: MethodEuler, Step: 0.01})
	require.NoError(t, err)
	assert.Equal(t, 170, rep.Steps)
	var p mat.Dense
	p.Scale(-rep.Step*alpha, A)
	for i := 0; i < 16; i++ {
		p.Set(i, i, p.At(i, i)+1)
	}
	w := mat.VecDenseCopyOf(&diff)
	for range rep.Steps {
		w.MulVec(&p, w)
	}
	w.AddVec(w, &xs)
	s.ReadTo(&got)
	assert.Less(t, relErr(&got, w), 1e-12)
}

func TestSPUZeroTimeReturnsStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	J, H, g := factoredProblem(10, 2, 2, rng)
	x0 := randVec(10, rng)
	hw := &Hardware{Noise: NoiseSpec{Temperature: 300, Kappa0: 1e-2}}
	s := newFactored(t, hw, J, H, 0.1, g, 4)
	s.Reset(x0)
	rep, err := s.Run(0, nil)
	require.NoError(t, err)
	assert.Zero(t, rep.Time)
	var got mat.VecDense
	s.ReadTo(&got)
	assert.Less(t, relErr(&got, x0), 1e-15)
}

// TestSPUDenseModel checks the structured model against the drift and
// noise written out by hand: ideal cells α(λI + JᵀHJ) with κ₀ noise, and
// the block drift of finite-speed stages (PHYSICS.md §3).
func TestSPUDenseModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	J, H, g := factoredProblem(8, 2, 2, rng)
	const lambda, kappa = 0.3, 1e-2
	A := denseA(J, H, lambda)

	t.Run("memoryless", func(t *testing.T) {
		s := newFactored(t, &Hardware{Noise: NoiseSpec{Kappa0: kappa}}, J, H, lambda, g, 5)
		sc := s.Scale()
		M, c, L := s.denseModel()
		var want mat.Dense
		want.Scale(sc.Alpha, A)
		assert.True(t, mat.EqualApprox(M, &want, 1e-12))
		// c = α·s_x·g.
		for i := range c {
			assert.InDelta(t, sc.Alpha*sc.State*g.AtVec(i), c[i], 1e-12)
		}
		// Diffusion 2κ₀α·s_x²·I in volts per τ: Σ_x = κ₀A⁻¹.
		var D mat.Dense
		D.Mul(L, L.T())
		for i := 0; i < 8; i++ {
			for j := 0; j < 8; j++ {
				w := 0.0
				if i == j {
					w = 2 * kappa * sc.Alpha * sc.State * sc.State
				}
				assert.InDelta(t, w, D.At(i, j), 1e-12*w+1e-300)
			}
		}
		sigma, err := SolveLyapunov(M, mat.NewSymDense(8, D.RawMatrix().Data))
		require.NoError(t, err)
		var ainv mat.Dense
		require.NoError(t, ainv.Inverse(A))
		ainv.Scale(kappa*sc.State*sc.State, &ainv)
		assert.True(t, mat.EqualApprox(sigma, &ainv, 1e-10))
	})

	t.Run("finite-speed stages", func(t *testing.T) {
		const ta = 0.2
		s := newFactored(t, &Hardware{StageTau: ta}, J, H, lambda, g, 5)
		sc := s.Scale()
		sJ, sH := sc.J*s.hw.R, sc.H*s.hw.R
		M, _, _ := s.denseModel()
		n, r := 8, 4
		require.Equal(t, []int{n + 2*r, n + 2*r}, []int{M.RawMatrix().Rows, M.RawMatrix().Cols})
		want := mat.NewDense(n+2*r, n+2*r, nil)
		for i := 0; i < n; i++ {
			want.Set(i, i, sc.Alpha*lambda)
			for k := 0; k < r; k++ {
				want.Set(i, n+r+k, sJ*J.At(k, i))
				want.Set(n+k, i, -sJ*J.At(k, i)/ta)
			}
		}
		for k := 0; k < r; k++ {
			want.Set(n+k, n+k, 1/ta)
			want.Set(n+r+k, n+r+k, 1/ta)
			for l := 0; l < r; l++ {
				want.Set(n+r+k, n+l, -sH*H.At(k, l)/ta)
			}
		}
		assert.True(t, mat.EqualApprox(M, want, 1e-12))
		// Same fixed point as memoryless stages.
		var ss, xs mat.VecDense
		require.NoError(t, s.MeanSteadyStateTo(&ss))
		require.NoError(t, xs.SolveVec(A, g))
		assert.Less(t, relErr(&ss, &xs), 1e-9)
		s.Reset(nil)
		_, err := s.Run(80, nil)
		require.NoError(t, err)
		var x mat.VecDense
		s.ReadTo(&x)
		assert.Less(t, relErr(&x, &xs), 1e-9)
	})
}

// TestSPUFiniteGain checks the shift of the fixed point by finite op-amp
// gain A₀ against the analytic formula: a cell with open-loop gain A₀ obeys
// C(1 + 1/A₀) dV/dt = −Σ G_k V_k + G_in V_dac − (G_tot/A₀) V, so in units of
// x the system becomes (A + diag(R·G_tot,i/(α A₀))) x = b.
func TestSPUFiniteGain(t *testing.T) {
	for _, n := range []int{1, 4} {
		rng := rand.New(rand.NewPCG(6, uint64(n)))
		A := spdMatrix(n, 0.5, 2, rng)
		b := randVec(n, rng)
		const a0 = 200.0
		s := newDirect(t, &Hardware{CellOpAmp: OpAmp{Gain: a0}}, A, b, 6)
		sc := s.Scale()
		aPlus, mSum := s.DirectArray().Conductances()
		shifted := mat.DenseCopyOf(A)
		for i := 0; i < n; i++ {
			gt := sc.Input
			for j := 0; j < n; j++ {
				gt += aPlus.At(i, j) + mSum.At(i, j)
			}
			shifted.Set(i, i, shifted.At(i, i)+s.hw.R*gt/(sc.Alpha*a0))
		}
		var want, ideal, got mat.VecDense
		require.NoError(t, want.SolveVec(shifted, b))
		require.NoError(t, ideal.SolveVec(A, b))
		require.NoError(t, s.MeanSteadyStateTo(&got))
		assert.Less(t, relErr(&got, &want), 1e-12)
		assert.Greater(t, relErr(&got, &ideal), 1e-4, "the shift is visible")
		s.Reset(nil)
		_, err := s.Run(80, nil)
		require.NoError(t, err)
		s.ReadTo(&got)
		assert.Less(t, relErr(&got, &want), 1e-9)
	}
}

// TestSPUCellPole checks that a finite GBW keeps the fixed point and adds a
// fast pole near 2π·GBW·τ.
func TestSPUCellPole(t *testing.T) {
	A := mat.NewDense(1, 1, []float64{0.8})
	b := mat.NewVecDense(1, []float64{0.4})
	hw := &Hardware{CellOpAmp: OpAmp{Gain: 1e4, GBW: 50e6}}
	s := newDirect(t, hw, A, b, 7)
	var got mat.VecDense
	require.NoError(t, s.MeanSteadyStateTo(&got))
	sp := s.Spectrum()
	require.True(t, sp.Exact)
	omega := 2 * math.Pi * 50e6 * s.Tau()
	// Slow pole ≈ α·a (shifted by O(1/A₀, a/ω)), fast pole ≈ ω(1 + R·G_tot).
	assert.InEpsilon(t, s.Scale().Alpha*0.8, sp.Min, 0.02)
	assert.Greater(t, sp.Max, omega)
	s.Reset(nil)
	_, err := s.Run(40, nil)
	require.NoError(t, err)
	var x mat.VecDense
	s.ReadTo(&x)
	assert.InEpsilon(t, got.AtVec(0), x.AtVec(0), 1e-9)
	assert.InEpsilon(t, 0.5, x.AtVec(0), 1e-3)
}

func TestSPUSaturation(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	A := spdMatrix(6, 0.5, 2, rng)
	b := randVec(6, rng)
	var xs mat.VecDense
	require.NoError(t, xs.SolveVec(A, b))
	// Plan with VoltageRange so that the solution needs 4× the rail.
	hw := &Hardware{CellOpAmp: OpAmp{Rail: 0.1}, Scaling: Scaling{Headroom: 1}}
	s := newDirect(t, hw, A, b, 8)
	s.Reset(nil)
	// Force a voltage scale that puts the solution beyond the rail.
	s.scale.State = 0.4 / mat.Norm(&xs, math.Inf(1))
	s.invalidate()
	rep, err := s.Run(20, nil)
	require.NoError(t, err)
	assert.Equal(t, MethodEuler, rep.Method, "rails force Euler–Maruyama")
	assert.Positive(t, rep.Saturated)
	v := make([]float64, 6)
	s.VoltagesTo(v)
	for _, x := range v {
		assert.LessOrEqual(t, math.Abs(x), 0.1)
	}
	// The planned scale keeps the state inside the rails. The slowest
	// rate is α·0.5 ≥ 0.1 here; 300τ decays it below 1e-13.
	s.Reset(nil)
	rep, err = s.Run(300, nil)
	require.NoError(t, err)
	assert.Zero(t, rep.Saturated)
	var x mat.VecDense
	s.ReadTo(&x)
	assert.Less(t, relErr(&x, &xs), 1e-9)
}

func TestSPUStageSaturation(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	J, H, g := factoredProblem(20, 2, 2, rng)
	hw := &Hardware{StageOpAmp: OpAmp{Rail: 1e-3}}
	s := newFactored(t, hw, J, H, 0.5, g, 9)
	s.Reset(g)
	rep, err := s.Run(5, nil)
	require.NoError(t, err)
	assert.Positive(t, rep.StageSaturated)
}

// TestSPUQuantizationBound checks the steady state of B-bit arrays against
// the perturbation bound ‖δx‖/‖x‖ ≤ κ/(1 − κ), κ = ‖A⁻¹‖₂‖δF‖₂ with
// ‖δF‖ ≤ ‖δJ_b‖‖H‖‖J‖ + ‖J‖‖δH‖‖J‖ + ‖J‖‖H‖‖δJ_f‖ and each ‖δ·‖₂ ≤ the
// Frobenius norm of its rounding errors (at most half a code step each),
// all in units of the problem.
func TestSPUQuantizationBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	J, H, g := factoredProblem(40, 4, 2, rng)
	const lambda = 0.5
	A := denseA(J, H, lambda)
	var xs mat.VecDense
	require.NoError(t, xs.SolveVec(A, g))
	var ainv mat.Dense
	require.NoError(t, ainv.Inverse(A))
	nA := mat.Norm(&ainv, 2)
	nJ, nH := mat.Norm(J, 2), mat.Norm(H, 2)
	for _, bits := range []int{10, 12, 14, 16} {
		s := newFactored(t, &Hardware{Arrays: ArraySpec{Bits: bits}}, J, H, lambda, g, 10)
		sc := s.Scale()
		jArr, hArr, jtArr := s.Arrays()
		// Errors in problem units: (G⁺ − G⁻)/scale − value.
		errOf := func(a *ResistorArray, want mat.Matrix, scale float64) float64 {
			var d mat.Dense
			a.DiffTo(&d, 1/scale)
			d.Sub(&d, want)
			return mat.Norm(&d, 2)
		}
		dJf := errOf(jArr, J, sc.J)
		dH := errOf(hArr, H, sc.H)
		dJb := errOf(jtArr, J.T(), sc.J)
		// Every rounding error is at most half a step.
		half := jArr.Step() / 2 / sc.J
		assert.LessOrEqual(t, dJf, half*math.Sqrt(float64(40*8))+1e-15)
		dF := dJb*nH*nJ + nJ*dH*nJ + nJ*nH*dJf
		kappa := nA * dF
		require.Less(t, kappa, 1.0)
		var ss mat.VecDense
		require.NoError(t, s.MeanSteadyStateTo(&ss))
		e := relErr(&ss, &xs)
		assert.LessOrEqual(t, e, kappa/(1-kappa), "bits %d", bits)
		assert.Positive(t, e)
		t.Logf("bits %2d: error %.3g, bound %.3g", bits, e, kappa/(1-kappa))

		// First order: δx ≈ −A⁻¹ δF x with the actual δF = J_bᵀĤJ_f − JᵀHJ;
		// the remainder is second order, ≤ (‖A⁻¹‖‖δF‖)²/(1 − ‖A⁻¹‖‖δF‖)·‖x‖.
		var jf, hq, jb, hj, fq mat.Dense
		jArr.DiffTo(&jf, 1/sc.J)
		hArr.DiffTo(&hq, 1/sc.H)
		jtArr.DiffTo(&jb, 1/sc.J)
		hj.Mul(&hq, &jf)
		fq.Mul(&jb, &hj)
		var dFm mat.Dense
		dFm.Sub(&fq, denseA(J, H, 0))
		var dx1, tmp mat.VecDense
		tmp.MulVec(&dFm, &xs)
		dx1.MulVec(&ainv, &tmp)
		dx1.ScaleVec(-1, &dx1)
		var dx mat.VecDense
		dx.SubVec(&ss, &xs)
		eps1 := nA * mat.Norm(&dFm, 2)
		var rem mat.VecDense
		rem.SubVec(&dx, &dx1)
		assert.LessOrEqual(t, mat.Norm(&rem, 2), eps1*eps1/(1-eps1)*mat.Norm(&xs, 2), "bits %d", bits)
		assert.LessOrEqual(t, e, eps1/(1-eps1), "bits %d", bits)
	}
}

// TestSPUJohnsonEquipartition: a single cell with a self-conductance and no
// input is a passive RC node: ⟨V²⟩ = kT/C whatever G.
func TestSPUJohnsonEquipartition(t *testing.T) {
	for _, a := range []float64{0.3, 2} {
		s := newDirect(t, &Hardware{Noise: NoiseSpec{Temperature: 300}}, mat.NewDense(1, 1, []float64{a}), mat.NewVecDense(1, []float64{0}), 11)
		M, _, L := s.denseModel()
		var D mat.SymDense
		D.SymOuterK(1, L)
		sigma, err := SolveLyapunov(M, &D)
		require.NoError(t, err)
		assert.InEpsilon(t, Boltzmann*300/1e-9, sigma.At(0, 0), 1e-12)
	}
}

func TestSPUCapacitorMismatchAndOffsets(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	A := spdMatrix(5, 0.5, 2, rng)
	b := randVec(5, rng)
	hw := &Hardware{CapacitorMismatch: 0.05, CellOpAmp: OpAmp{Offset: 1e-3}}
	s := newDirect(t, hw, A, b, 12)
	sc := s.Scale()
	M, c, _ := s.denseModel()
	plus, minus := s.DirectArray().Conductances()
	for i := 0; i < 5; i++ {
		ci := s.capC[i]
		assert.NotEqual(t, 1e-9, ci)
		gt := sc.Input
		for j := 0; j < 5; j++ {
			assert.InDelta(t, 1e-9/ci*sc.Alpha*A.At(i, j), M.At(i, j), 1e-12)
			gt += plus.At(i, j) + minus.At(i, j)
		}
		// c = (C/C_i)(α s_x b_i + R G_tot V_os).
		want := 1e-9 / ci * (sc.Alpha*sc.State*b.AtVec(i) + s.hw.R*gt*s.cellOffset[i])
		assert.InDelta(t, want, c[i], 1e-12)
	}
	// Fixed point: αA V = α s_x b + R G_tot V_os (mismatch drops out).
	var ss mat.VecDense
	require.NoError(t, s.MeanSteadyStateTo(&ss))
	var want mat.VecDense
	var Mc mat.Dense
	Mc.Scale(sc.Alpha, A)
	rhs := mat.NewVecDense(5, nil)
	for i := 0; i < 5; i++ {
		rhs.SetVec(i, c[i]*s.capC[i]/1e-9/sc.State)
	}
	require.NoError(t, want.SolveVec(&Mc, rhs))
	assert.Less(t, relErr(&ss, &want), 1e-12)
}

// TestSPUStageImperfections compares the Woodbury fixed point with a dense
// solve of the assembled model when stage gain, offsets, mismatch and
// G_min make the drift non-symmetric.
func TestSPUStageImperfections(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	J, H, g := factoredProblem(25, 3, 2, rng)
	hw := &Hardware{
		Arrays:     ArraySpec{GMin: 1e-6, Bits: 10, ProgrammingError: 0.02},
		StageOpAmp: OpAmp{Gain: 500, Offset: 1e-3},
		CellOpAmp:  OpAmp{Gain: 1e3, Offset: 1e-3},
	}
	s := newFactored(t, hw, J, H, 0.2, g, 13)
	M, c, _ := s.denseModel()
	assert.False(t, mat.EqualApprox(M, M.T(), 1e-9), "mismatched J copies: non-symmetric drift")
	var want mat.VecDense
	require.NoError(t, want.SolveVec(M, mat.NewVecDense(len(c), c)))
	want.ScaleVec(1/s.Scale().State, &want)
	var ss mat.VecDense
	require.NoError(t, s.MeanSteadyStateTo(&ss))
	assert.Less(t, relErr(&ss, &want), 1e-10)
}

func TestSPUScalingAndTiming(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	J, H, g := factoredProblem(50, 4, 3, rng)
	J.Scale(20, J) // too large for α = 1
	mJ, _ := maxAbs(J)
	mH, _ := maxAbs(H)
	full := 1 / (mJ * mJ * mH)
	tests := []struct {
		mode    string
		alpha   float64
		clipped bool
	}{{"", math.Min(1, full), false}, {ScaleFull, full, false}, {ScaleFixed, 1, full < 1}}
	for _, tc := range tests {
		s, err := NewSPU(&Hardware{Scaling: Scaling{Mode: tc.mode}}, Factored, 50, 12, rand.NewPCG(1, 2))
		require.NoError(t, err)
		rep, err := s.ProgramFactored(J, H, 0.01)
		require.NoError(t, err)
		assert.InEpsilon(t, tc.alpha, s.scale.Alpha, 1e-12, tc.mode)
		assert.Equal(t, tc.clipped, rep.Clipped > 0, tc.mode)
		// r(r + 2N) words of 16 bits at 50 Gb/s.
		assert.Equal(t, 12*(12+100), rep.Entries)
		assert.InEpsilon(t, float64(12*(12+100))*16/50e9, rep.Time, 1e-12)
		in, err := s.SetInput(g)
		require.NoError(t, err)
		assert.InEpsilon(t, 50*16/50e9, in.Time, 1e-12)
	}
	// The paper's figure: b = 64, dz = 10, N = 1e5 takes ≈ 41 ms to program.
	var s SPU
	s.hw = (*Hardware)(nil).resolved()
	assert.InDelta(t, 0.041, s.programTime(640*(640+2*100000)), 0.001)
}

func TestSPUDeterminism(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 15))
	J, H, g := factoredProblem(12, 2, 2, rng)
	hw := &Hardware{Arrays: ArraySpec{ProgrammingError: 0.05, StuckAtMin: 0.05}, Noise: NoiseSpec{Kappa0: 0.01}, ADC: ADC{Noise: 1e-3}}
	read := func() []float64 {
		s := newFactored(t, hw, J, H, 0.3, g, 77)
		s.Reset(g)
		_, err := s.Run(3, &Evolution{Method: MethodEuler})
		require.NoError(t, err)
		var x mat.VecDense
		s.ReadTo(&x)
		return x.RawVector().Data
	}
	assert.Equal(t, read(), read())
}

func TestSPUPanics(t *testing.T) {
	_, err := NewSPU(&Hardware{R: -1}, Factored, 3, 2, rand.NewPCG(1, 1))
	assert.True(t, errors.Is(err, ErrInvalidHardware))
	assert.Panics(t, func() { _, _ = NewSPU(nil, Factored, 3, 0, rand.NewPCG(1, 1)) })
	assert.Panics(t, func() { _, _ = NewSPU(nil, Factored, 3, 2, nil) })
	s, err := NewSPU(nil, Factored, 3, 2, rand.NewPCG(1, 1))
	require.NoError(t, err)
	assert.Panics(t, func() { _, _ = s.Run(1, nil) }, "run before programming")
	assert.Panics(t, func() { _, _ = s.ProgramFactored(mat.NewDense(3, 3, nil), mat.NewSymDense(2, nil), 1) })
	assert.Panics(t, func() { _, _ = s.ProgramDirect(mat.NewDense(3, 3, nil)) })
}

// TestSPUEulerIncrement checks that the fused Euler–Maruyama increment
// equals h(−Mx + c) + √h·Lz with the dense M, c, L of every layout
// (memoryless and finite-speed stages, cell op-amp poles, direct).
func TestSPUEulerIncrement(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 16))
	J, H, g := factoredProblem(9, 2, 2, rng)
	A := spdMatrix(6, 0.5, 2, rng)
	b := randVec(6, rng)
	noisy := NoiseSpec{Temperature: 300, Kappa0: 1e-3}
	amp := OpAmp{Gain: 1e3, Offset: 1e-3, NoiseDensity: 1e-8}
	tests := []struct {
		name string
		arch Architecture
		hw   Hardware
	}{
		{"memoryless", Factored, Hardware{Noise: noisy, StageOpAmp: amp, CellOpAmp: amp}},
		{"stage tau", Factored, Hardware{Noise: noisy, StageTau: 0.2, StageOpAmp: amp}},
		{"cell pole", Factored, Hardware{Noise: noisy, CellOpAmp: OpAmp{Gain: 1e3, GBW: 1e8, NoiseDensity: 1e-8}}},
		{"direct pole", Direct, Hardware{Noise: noisy, CellOpAmp: OpAmp{GBW: 1e8, Offset: 1e-3}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s *SPU
			if tc.arch == Factored {
				s = newFactored(t, &tc.hw, J, H, 0.3, g, 16)
			} else {
				s = newDirect(t, &tc.hw, A, b, 16)
			}
			M, c, L := s.denseModel()
			m := &s.model
			x := make([]float64, m.dim)
			z := make([]float64, m.nNoise)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			for i := range z {
				z[i] = rng.NormFloat64()
			}
			const h = 0.03
			got := make([]float64, m.dim)
			m.apply(got, x, h, math.Sqrt(h), z, true, false)
			var mx, lz mat.VecDense
			mx.MulVec(M, mat.NewVecDense(m.dim, x))
			lz.MulVec(L, mat.NewVecDense(m.nNoise, z))
			for i := range got {
				want := h*(c[i]-mx.AtVec(i)) + math.Sqrt(h)*lz.AtVec(i)
				assert.InDelta(t, want, got[i], 1e-12*(1+math.Abs(want)), "component %d", i)
			}
		})
	}
}

// TestSPUEulerStationaryVariance: one cell with drift a and injected κ₀
// under Euler–Maruyama at step h is the AR(1) x ← (1 − ah)x + √(2κ₀h)ξ
// (in units of x), whose stationary variance is 2κ₀h/(1 − (1 − ah)²). With
// a = 1, h = 0.1, κ₀ = 0.01 that is 0.010526. 2·10⁵ steps with lag-1
// correlation 0.9 are ≈ 10⁴ independent samples: the sample variance has a
// relative standard error ≈ √(2/10⁴) = 1.4 %; the tolerance is 4 SE.
func TestSPUEulerStationaryVariance(t *testing.T) {
	const a, h, kappa, steps = 1.0, 0.1, 0.01, 200000
	s := newDirect(t, &Hardware{Noise: NoiseSpec{Kappa0: kappa}}, mat.NewDense(1, 1, []float64{a}), mat.NewVecDense(1, []float64{0}), 17)
	s.Reset(nil)
	_, err := s.Run(50, &Evolution{Method: MethodEuler, Step: h})
	require.NoError(t, err)
	var x mat.VecDense
	var sum, sum2 float64
	for range steps {
		_, err := s.Run(h, &Evolution{Method: MethodEuler, Step: h})
		require.NoError(t, err)
		s.ReadTo(&x)
		v := x.AtVec(0)
		sum += v
		sum2 += v * v
	}
	mean := sum / steps
	variance := sum2/steps - mean*mean
	want := 2 * kappa * h / (1 - (1-a*h)*(1-a*h))
	assert.InEpsilon(t, want, variance, 4*0.014)
}

// BenchmarkSPURun times Euler–Maruyama windows of 1τ (10 steps of 0.1τ) on
// a factored SPU with r = 640 and noise on: the cost per step is one
// product with each J copy. Allocations are per window, not per step.
func BenchmarkSPURun(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		b.Run(fmt.Sprintf("N=%d/r=640", n), func(b *testing.B) {
			if testing.Short() && n > 2000 {
				b.Skip("N > 2000 skipped in -short mode")
			}
			rng := rand.New(rand.NewPCG(uint64(n), 640))
			J, H, g := factoredProblem(n, 64, 10, rng)
			J.Scale(1/math.Sqrt(float64(n)), J)
			s, err := NewSPU(&Hardware{Noise: NoiseSpec{Temperature: 300, Kappa0: 1e-3}}, Factored, n, 640, rand.NewPCG(1, 1))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.ProgramFactored(J, H, 0.01); err != nil {
				b.Fatal(err)
			}
			if _, err := s.SetInput(g); err != nil {
				b.Fatal(err)
			}
			s.Reset(g)
			ev := &Evolution{Method: MethodEuler, Step: 0.1}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Run(1, ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A programmed drift that is not stable (here an indefinite H with a small
// λ, as coarse arrays can produce) is refused by the engine's dense model,
// but the automatic method still simulates the window as a real chip
// would: by the exact low-rank transition, which matches e^{−αAt} on the
// growing mode too.
func TestSPUUnstableDriftRunsUnderAuto(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	J, _, g := factoredProblem(12, 2, 2, rng)
	r, _ := J.Dims()
	H := mat.NewSymDense(r, nil)
	for i := range r {
		H.SetSym(i, i, 1)
	}
	H.SetSym(0, 0, -1) // indefinite: JᵀHJ + λI has a negative eigenvalue
	const lambda = 0.01
	A := denseA(J, H, lambda)
	var eig mat.Eigen
	require.True(t, eig.Factorize(A, mat.EigenNone))
	minRe := math.Inf(1)
	for _, v := range eig.Values(nil) {
		minRe = math.Min(minRe, real(v))
	}
	require.Less(t, minRe, 0.0, "the test needs an unstable drift")

	s := newFactored(t, nil, J, H, lambda, g, 4)
	x0 := randVec(12, rng)
	s.Reset(x0)
	_, err := s.Run(1, &Evolution{Method: MethodExactDense})
	assert.ErrorIs(t, err, ErrUnstable, "a forced dense method refuses the model")

	s.Reset(x0)
	alpha := s.Scale().Alpha
	rep, err := s.Run(1, nil)
	require.NoError(t, err)
	assert.Equal(t, MethodLowRank, rep.Method)
	// Oracle: x(t) = e^{−αAt}(x₀ − A⁻¹g) + A⁻¹g (A is invertible here).
	var xs, diff, want, got mat.VecDense
	require.NoError(t, xs.SolveVec(A, g))
	diff.SubVec(x0, &xs)
	var aa, e mat.Dense
	aa.Scale(-alpha, A)
	e.Exp(&aa)
	want.MulVec(&e, &diff)
	want.AddVec(&want, &xs)
	s.ReadTo(&got)
	assert.Less(t, relErr(&got, &want), 1e-9)
}

// TestProgramFactoredWorkers: the model of a programmed factored SPU
// (stage matrices, row sums, noise terms) is bit-identical with 1 and 3
// goroutines (arrays of 8×9,000 entries, above the parallel threshold),
// on mismatched hardware; on ideal arrays and op-amps the two J copies
// come out identical, F = Bᵀ entry for entry (the twin case of the
// low-rank method).
func TestProgramFactoredWorkers(t *testing.T) {
	defer func(w int) { arrayWorkers = w }(arrayWorkers)
	const n, b, dz = 9000, 4, 2
	J, H, g := factoredProblem(n, b, dz, rand.New(rand.NewPCG(21, 22)))
	for _, tc := range []struct {
		name string
		hw   *Hardware
	}{
		{"ideal", nil},
		{"mismatched", &Hardware{
			Arrays:     ArraySpec{GMin: 1e-6, Bits: 12, ProgrammingError: 0.01, StuckAtMin: 1e-4},
			StageOpAmp: OpAmp{Gain: 1e5, Offset: 1e-4, NoiseDensity: 1e-8},
			Noise:      NoiseSpec{Temperature: 300},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var models [2]*spuModel
			var s *SPU
			for k, w := range []int{1, 3} {
				arrayWorkers = w
				s = newFactored(t, tc.hw, J, H, 0.01, g, 23)
				s.Reset(g)
				models[k] = &s.model
			}
			m1, m3 := models[0], models[1]
			// The stage matrices written while programming equal R·cl_k·(G⁺ − G⁻)
			// computed afterwards from the arrays.
			R := s.hw.R
			for _, st := range []struct {
				a    *ResistorArray
				got  *mat.Dense
				gain bool
			}{{s.arrJ, m3.F, true}, {s.arrH, m3.Hs, true}, {s.arrJT, m3.B, false}} {
				rows, _ := st.a.Dims()
				cl := make([]float64, rows)
				sums := make([]float64, rows)
				st.a.RowSumsTo(sums)
				for k := range cl {
					cl[k] = 1
					if st.gain {
						cl[k] = s.hw.StageOpAmp.closedLoop(1 + R*sums[k])
					}
				}
				var want mat.Dense
				st.a.diffTo(&want, R, cl)
				assert.True(t, mat.Equal(&want, st.got))
			}
			assert.True(t, mat.Equal(m1.F, m3.F), "F")
			assert.True(t, mat.Equal(m1.Hs, m3.Hs), "Ĥ")
			assert.True(t, mat.Equal(m1.B, m3.B), "B")
			assert.Equal(t, m1.gtot, m3.gtot)
			assert.Equal(t, m1.sigU, m3.sigU)
			assert.Equal(t, m1.sigC, m3.sigC)
			if tc.hw == nil {
				assert.True(t, mat.Equal(m1.F, m1.B.T()), "identical J copies")
			} else {
				assert.False(t, mat.Equal(m1.F, m1.B.T()), "independent errors in the J copies")
			}
		})
	}
}
