package circuit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// lowRankHardware returns hardware with every imperfection the low-rank
// method models switched on: quantized arrays with G_min, programming
// error (so the two J copies differ and the drift is not symmetric),
// devices stuck at G_min, finite stage op-amp gain with offsets and noise, cell
// offsets and noise, Johnson noise (which differs between cells) and
// injected noise. noise false leaves the noise sources off.
func lowRankHardware(noise bool) *Hardware {
	hw := &Hardware{
		Arrays:     ArraySpec{GMin: 1e-6, Bits: 8, ProgrammingError: 0.05, StuckAtMin: 0.02},
		StageOpAmp: OpAmp{Gain: 1e4, Offset: 1e-3},
		CellOpAmp:  OpAmp{Offset: 1e-3},
	}
	if noise {
		hw.StageOpAmp.NoiseDensity = 2e-6
		hw.CellOpAmp.NoiseDensity = 1e-6
		hw.Noise = NoiseSpec{Temperature: 300, Kappa0: 1e-3}
	}
	return hw
}

// denseReference returns the dense model of s (M, c, L L ᵀ) and its fixed
// point x̄ = M⁻¹c.
func denseReference(t *testing.T, s *SPU) (M *mat.Dense, D *mat.SymDense, xbar *mat.VecDense) {
	t.Helper()
	M, c, L := s.denseModel()
	D = mat.NewSymDense(M.RawMatrix().Rows, nil)
	D.SymOuterK(1, L)
	xbar = mat.NewVecDense(len(c), nil)
	require.NoError(t, xbar.SolveVec(M, mat.NewVecDense(len(c), c)))
	return M, D, xbar
}

// denseInput returns ∫₀ʰ e^{−Ms} c ds of the dense model, from the
// exponential of the augmented matrix [[−M, c], [0, 0]]·h (no fixed point
// needed, so it serves unstable drifts).
func denseInput(M *mat.Dense, s *SPU, h float64) *mat.VecDense {
	_, c, _ := s.denseModel()
	n := len(c)
	a := mat.NewDense(n+1, n+1, nil)
	for i := range n {
		for j := range n {
			a.Set(i, j, -h*M.At(i, j))
		}
		a.Set(i, n, h*c[i])
	}
	var e mat.Dense
	e.Exp(a)
	v := mat.NewVecDense(n, nil)
	for i := range n {
		v.SetVec(i, e.At(i, n))
	}
	return v
}

// denseStep returns the exact transition of the dense model over h:
// E = e^{−Mh} and Σ_h, by the engine's scaling and doubling.
func denseStep(M *mat.Dense, D *mat.SymDense, h float64) (E, S *mat.Dense) {
	n := M.RawMatrix().Rows
	d := mat.DenseCopyOf(D) // both triangles: transition reads a full matrix
	e, q := transition(M.RawMatrix().Data, d.RawMatrix().Data, n, h)
	return mat.NewDense(n, n, e), mat.NewDense(n, n, q)
}

// lowRankCase is a small factored problem: J (r×N, r = b·dz) scaled by 3
// for rates up to ≈ 10/τ, λ = 0.5. Seeds are chosen so that the cases
// cover N > r, N < r, N = r and a drift with complex eigenvalues.
type lowRankCase struct {
	name      string
	n, b, dz  int
	seed      uint64
	wantPairs bool // the coupling K has complex conjugate eigenvalues
	// unstable adds devices stuck at G_max (1 %) and lowers λ to 0.15, which
	// pushes one mode of the drift past the damping: Re(d + λ_i) < 0.
	unstable bool
	// ideal uses exact arrays and op-amps with injected noise only: the two
	// J copies are identical (symmetric Gram, so the symmetric-definite
	// eigendecomposition applies) and the cell noise uniform (the noise
	// Gram is a multiple of the coupling's). "ideal clusters" has r = 80
	// with the 8-fold zero eigenvalue of the softmax blocks (one cluster)
	// and many close eigenvalues. "ideal N<r" has a singular P: the general
	// path with the noise Gram formed late.
	ideal bool
}

var lowRankCases = []lowRankCase{
	{"N>r", 24, 3, 3, 21, false, false, false},
	{"N<r", 6, 4, 3, 21, true, false, false},
	{"N=r", 12, 4, 3, 21, true, false, false},
	{"N>r complex", 10, 3, 3, 22, true, false, false},
	{"unstable", 14, 3, 3, 20, false, true, false},
	{"ideal", 20, 3, 3, 27, false, false, true},
	{"ideal clusters", 150, 8, 10, 28, false, false, true},
	{"ideal N<r", 6, 4, 3, 23, false, false, true},
}

func (c lowRankCase) spu(t *testing.T, hw *Hardware) (*SPU, *rand.Rand) {
	t.Helper()
	rng := rand.New(rand.NewPCG(c.seed, uint64(c.n)))
	J, H, g := factoredProblem(c.n, c.b, c.dz, rng)
	lambda := 0.5
	if c.unstable {
		hw.Arrays.StuckAtMax = 0.01
		lambda = 0.15
		rng = rand.New(rand.NewPCG(c.seed, c.seed))
		J, H, g = factoredProblem(c.n, c.b, c.dz, rng)
		J.Scale(2, J)
	} else {
		J.Scale(3, J)
	}
	if c.ideal {
		*hw = Hardware{Noise: NoiseSpec{Kappa0: hw.Noise.Kappa0}}
	}
	s := newFactored(t, hw, J, H, lambda, g, c.seed)
	s.Reset(randVec(c.n, rng))
	lr, err := s.lowRankFactor()
	require.NoError(t, err)
	require.Equal(t, c.ideal, lr.twin, "identical J copies")
	// P = F diag(ε) Fᵀ is positive definite only for N ≥ r.
	require.Equal(t, c.ideal && c.n >= c.b*c.dz, lr.sym, "symmetric-definite eigendecomposition")
	pairs := false
	for _, k := range lr.kind {
		pairs = pairs || k == 1
	}
	if !c.ideal { // a symmetrizable K may come out with tiny complex pairs from rounding
		require.Equal(t, c.wantPairs, pairs, "complex eigenvalues")
	}
	require.Equal(t, c.unstable, s.Spectrum().Min < 0, "unstable mode")
	return s, rng
}

// lowRankStepCov returns the covariance L Lᵀ of one low-rank step of
// length h from its noise map L (lowRankNoiseMap).
func lowRankStepCov(t *testing.T, s *SPU, lr *lowRank, h float64) *mat.Dense {
	t.Helper()
	p, err := lr.prop(h)
	require.NoError(t, err)
	L := lowRankNoiseMap(s, lr, p)
	var c mat.Dense
	c.Mul(L, L.T())
	return &c
}

// lowRankNoiseMap returns the n×(n + rank) noise map of the step p: its
// columns are step(0, e_k) − step(0, 0) over the cell normals z and the
// coupled ones ζ.
func lowRankNoiseMap(s *SPU, lr *lowRank, p *lrProp) *mat.Dense {
	n := lr.n
	base := make([]float64, n)
	lr.step(&s.model, p, base, make([]float64, n), make([]float64, p.rank))
	L := mat.NewDense(n, n+p.rank, nil)
	for k := range n + p.rank {
		z, zeta := make([]float64, n), make([]float64, p.rank)
		if k < n {
			z[k] = 1
		} else {
			zeta[k-n] = 1
		}
		x := make([]float64, n)
		lr.step(&s.model, p, x, z, zeta)
		for i := range x {
			L.Set(i, k, x[i]-base[i])
		}
	}
	return L
}

// TestLowRankMeanMatchesDense: without noise, low-rank steps equal the
// exact dense transition x̄ + e^{−Mh}(x − x̄) to 1e-9 relative, for short,
// medium and long steps, for a K-sample readout (burn-in, then K equal
// steps averaged) and for non-symmetric drifts (mismatched J copies,
// asymmetric H array, complex eigenvalues).
func TestLowRankMeanMatchesDense(t *testing.T) {
	for _, tc := range lowRankCases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := tc.spu(t, lowRankHardware(false))
			M, D, xbar := denseReference(t, s)
			if !tc.ideal {
				require.False(t, mat.EqualApprox(M, M.T(), 1e-6), "drift should be non-symmetric")
			}
			if tc.unstable {
				xbar = nil // no stable fixed point: propagate x itself below
			}
			x := mat.NewVecDense(tc.n, append([]float64(nil), s.x...))
			step := func(h float64) {
				E, _ := denseStep(M, D, h)
				if xbar == nil {
					x.MulVec(E, x)
					x.AddVec(x, denseInput(M, s, h))
					return
				}
				var dx mat.VecDense
				dx.SubVec(x, xbar)
				x.MulVec(E, &dx)
				x.AddVec(x, xbar)
			}
			for _, h := range []float64{0.01, 0.7, 3, 50, 0.7, 0.01} {
				rep, err := s.Run(h, &Evolution{Method: MethodLowRank})
				require.NoError(t, err)
				assert.Equal(t, MethodLowRank, rep.Method)
				step(h)
				got := mat.NewVecDense(tc.n, append([]float64(nil), s.x...))
				assert.Less(t, relErr(got, x), 1e-9, "h = %g", h)
			}
			// K-sample mean: burn-in 2, then K = 25 samples 0.12 apart.
			const burn, K, dt = 2.0, 25, 0.12
			_, err := s.Run(burn, &Evolution{Method: MethodLowRank})
			require.NoError(t, err)
			step(burn)
			got, want := mat.NewVecDense(tc.n, nil), mat.NewVecDense(tc.n, nil)
			for range K {
				_, err := s.Run(dt, &Evolution{Method: MethodLowRank})
				require.NoError(t, err)
				step(dt)
				got.AddVec(got, mat.NewVecDense(tc.n, s.x[:tc.n]))
				want.AddVec(want, x)
			}
			assert.Less(t, relErr(got, want), 1e-9, "K-sample mean")
		})
	}
}

// TestLowRankCovarianceMatchesDense: the noise of a low-rank step is a
// linear map of the standard normals (z, ζ) it draws; its covariance,
// assembled column by column, equals the exact transition covariance Σ_h
// of the dense model (scaling-and-doubling oracle) to 1e-8 relative, with
// cell noise that differs between cells (Johnson and op-amp noise only),
// with injected noise added, with stage noise, and for non-symmetric
// drifts.
func TestLowRankCovarianceMatchesDense(t *testing.T) {
	for _, tc := range lowRankCases {
		for _, kappa := range []float64{0, 1e-3} {
			t.Run(fmt.Sprintf("%s/kappa0=%g", tc.name, kappa), func(t *testing.T) {
				if tc.ideal && kappa == 0 {
					t.Skip("ideal hardware without injected noise is noise-free")
				}
				hw := lowRankHardware(true)
				hw.Noise.Kappa0 = kappa
				s, _ := tc.spu(t, hw)
				M, D, _ := denseReference(t, s)
				lr, err := s.lowRankFactor()
				require.NoError(t, err)
				require.True(t, lr.noisy)
				_, multiple := lr.noiseMultiple()
				require.Equal(t, tc.ideal, multiple, "noise Gram a multiple of the coupling's")
				for _, h := range []float64{0.05, 1, 20} {
					got := lowRankStepCov(t, s, lr, h)
					_, want := denseStep(M, D, h)
					var diff mat.Dense
					diff.Sub(got, want)
					rel := mat.Norm(&diff, 2) / mat.Norm(want, 2)
					assert.Less(t, rel, 1e-8, "h = %g", h)
				}
			})
		}
	}
}

// TestLowRankStatistics: sampled low-rank steps from a fixed start have
// the exact mean and covariance. S = 6000 samples of a 10-cell SPU are
// whitened with the exact Σ_h; the whitened sample mean has entries with
// standard error 1/√S and the whitened sample covariance diagonal
// entries √(2/S), off-diagonal 1/√S. Each of the 10 + 55 checks uses
// 5 standard errors (two-sided p ≈ 6e-7 each).
func TestLowRankStatistics(t *testing.T) {
	const n, S, h = 10, 6000, 0.8
	rng := rand.New(rand.NewPCG(23, 23))
	J, H, g := factoredProblem(n, 2, 3, rng)
	J.Scale(2, J)
	s := newFactored(t, lowRankHardware(true), J, H, 0.3, g, 23)
	x0 := randVec(n, rng)
	s.Reset(x0)
	start := append([]float64(nil), s.x...)
	M, D, xbar := denseReference(t, s)
	E, Sig := denseStep(M, D, h)
	var mean, dx mat.VecDense
	dx.SubVec(mat.NewVecDense(n, start), xbar)
	mean.MulVec(E, &dx)
	mean.AddVec(&mean, xbar)
	var ch mat.Cholesky
	require.True(t, ch.Factorize(mat.NewSymDense(n, Sig.RawMatrix().Data)))
	var l, Linv mat.TriDense
	ch.LTo(&l)
	require.NoError(t, Linv.InverseTri(&l))

	sum := make([]float64, n)
	sum2 := mat.NewDense(n, n, nil)
	w := mat.NewVecDense(n, nil)
	for range S {
		copy(s.x, start)
		_, err := s.Run(h, &Evolution{Method: MethodLowRank})
		require.NoError(t, err)
		var d mat.VecDense
		d.SubVec(mat.NewVecDense(n, append([]float64(nil), s.x[:n]...)), &mean)
		w.MulVec(&Linv, &d)
		for i := range n {
			sum[i] += w.AtVec(i)
			for j := range n {
				sum2.Set(i, j, sum2.At(i, j)+w.AtVec(i)*w.AtVec(j))
			}
		}
	}
	for i := range n {
		assert.InDelta(t, 0, sum[i]/S, 5/math.Sqrt(S), "mean %d", i)
		for j := i; j < n; j++ {
			c := sum2.At(i, j) / S
			if i == j {
				assert.InDelta(t, 1, c, 5*math.Sqrt(2.0/S), "var %d", i)
			} else {
				assert.InDelta(t, 0, c, 5/math.Sqrt(S), "cov %d %d", i, j)
			}
		}
	}
}

// TestLowRankAuto: MethodAuto picks the low-rank method above the dense
// limit, its exponential Euler variant where the cell damping differs
// between cells, Euler–Maruyama with stages that have memory or with
// rails; a forced exact low-rank method on non-uniform damping reports
// ErrMethodUnavailable.
func TestLowRankAuto(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 24))
	J, H, g := factoredProblem(12, 2, 2, rng)
	ev := &Evolution{DenseLimit: 4}
	for _, tc := range []struct {
		name  string
		edit  func(hw *Hardware)
		want  Method
		exact bool // spectrum exact
	}{
		{"uniform damping", func(*Hardware) {}, MethodLowRank, true},
		{"capacitor mismatch", func(hw *Hardware) { hw.CapacitorMismatch = 0.01 }, MethodLowRankETD, false},
		{"finite cell gain", func(hw *Hardware) { hw.CellOpAmp.Gain = 1e4 }, MethodLowRankETD, false},
		{"stage memory", func(hw *Hardware) { hw.StageTau = 0.1 }, MethodEuler, false},
		{"rails", func(hw *Hardware) { hw.CellOpAmp.Rail = 10 }, MethodEuler, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hw := lowRankHardware(true)
			tc.edit(hw)
			s := newFactored(t, hw, J, H, 0.3, g, 24)
			s.Reset(nil)
			rep, err := s.Run(1, ev)
			require.NoError(t, err)
			assert.Equal(t, tc.want, rep.Method)
			if tc.want != MethodEuler {
				assert.Equal(t, tc.exact, s.Spectrum().Exact)
			}
			if tc.want == MethodLowRankETD {
				_, err = s.Run(1, &Evolution{Method: MethodLowRank})
				assert.True(t, errors.Is(err, ErrMethodUnavailable), "%v", err)
			}
		})
	}
}

// TestLowRankETD: with cell damping that differs between cells, the
// exponential Euler variant agrees with the exact dense transition: its
// fixed point exactly (1e-9), its mean transient and its transition
// covariance to the stated order max|Δ|·h (≤ 1e-3 by construction; the
// bound checked is 3e-3 relative to the change of the mean, and to the
// covariance), for 1 % capacitor mismatch and for a low cell op-amp gain
// (A₀ = 300: the damping then varies by ±5 %).
func TestLowRankETD(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 25))
	const n = 16
	J, H, g := factoredProblem(n, 3, 3, rng)
	J.Scale(2, J)
	for _, tc := range []struct {
		name string
		edit func(hw *Hardware)
	}{
		{"capacitor mismatch", func(hw *Hardware) { hw.CapacitorMismatch = 0.01 }},
		{"finite cell gain", func(hw *Hardware) { hw.CellOpAmp.Gain = 300 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hw := lowRankHardware(true)
			hw.Arrays = ArraySpec{GMin: 1e-6, Bits: 12, ProgrammingError: 0.01}
			tc.edit(hw)
			s := newFactored(t, hw, J, H, 0.1, g, 25)
			x0 := randVec(n, rng)
			x0.ScaleVec(10, x0)
			s.Reset(x0)
			start := append([]float64(nil), s.x...)
			M, D, xbar := denseReference(t, s)
			require.Greater(t, s.Spectrum().Min, 0.0, "a stable drift")
			_, delta := s.model.lowRankDamping()
			require.Greater(t, delta, 0.0)
			lr, err := s.lowRankFactor()
			require.NoError(t, err)
			for _, h := range []float64{0.5, 10, 50} {
				steps := max(1, int(math.Ceil(h*lr.deltaMax/lowRankETDTol-1e-9)))
				p, err := lr.prop(h / float64(steps))
				require.NoError(t, err)
				zero, zeroZ := make([]float64, n), make([]float64, p.rank)
				// One step as an affine map: x ↦ S x + b, noise L (z, ζ).
				base := make([]float64, n)
				lr.step(&s.model, p, base, zero, zeroZ)
				S := mat.NewDense(n, n, nil)
				for k := range n {
					x := make([]float64, n)
					x[k] = 1
					lr.step(&s.model, p, x, zero, zeroZ)
					for i := range n {
						S.Set(i, k, x[i]-base[i])
					}
				}
				L := lowRankNoiseMap(s, lr, p)
				var Q mat.Dense
				Q.Mul(L, L.T())
				mean := mat.NewVecDense(n, append([]float64(nil), start...))
				cov := mat.NewDense(n, n, nil)
				for range steps {
					mean.MulVec(S, mean)
					mean.AddVec(mean, mat.NewVecDense(n, base))
					cov.Mul(S, cov)
					cov.Mul(cov, S.T())
					cov.Add(cov, &Q)
				}
				E, Sig := denseStep(M, D, h)
				var want, dx, moved, e1 mat.VecDense
				dx.SubVec(mat.NewVecDense(n, start), xbar)
				want.MulVec(E, &dx)
				want.AddVec(&want, xbar)
				moved.SubVec(mat.NewVecDense(n, start), &want)
				e1.SubVec(mean, &want)
				var dc mat.Dense
				dc.Sub(cov, Sig)
				em, ec := mat.Norm(&e1, 2)/mat.Norm(&moved, 2), mat.Norm(&dc, 2)/mat.Norm(Sig, 2)
				t.Logf("h = %g: %d steps, mean error %.2e of the change, covariance error %.2e", h, steps, em, ec)
				assert.Less(t, em, 3e-3, "mean, h = %g", h)
				assert.Less(t, ec, 3e-3, "covariance, h = %g", h)
			}
			// Fixed point: exact.
			x := append([]float64(nil), xbar.RawVector().Data...)
			p, err := lr.prop(7)
			require.NoError(t, err)
			lr.step(&s.model, p, x, make([]float64, n), make([]float64, p.rank))
			assert.Less(t, relErr(mat.NewVecDense(n, x), xbar), 1e-9, "fixed point")
		})
	}
}

// TestLowRankAgreesWithEuler: on a mid-size SPU (N = 300 cells above the
// dense limit, r = 20, mismatch and noise on), windows of 1τ by
// Euler–Maruyama at h = 0.005τ and by the low-rank method from the same
// start have the same law. Both sets of S = 600 end states are whitened
// with the low-rank transition's exact mean μ and covariance Σ (checked
// against the dense oracle in TestLowRankCovarianceMatchesDense), w =
// L⁻¹(x − μ), LLᵀ = Σ. For each set, (1/S)Σ‖w‖²/N has mean 1 and standard
// error √(2/(SN)) = 0.33 %; Euler–Maruyama's bias at this step is below
// μh/2 ≤ 0.5 % in the r coupled modes, < 0.05 % on average over the N
// modes. The whitened sample mean w̄ has S‖w̄‖²/N ≈ χ²_N/N, mean 1, standard
// error √(2/N) = 0.08. Bounds: 4 standard errors (plus the bias for
// Euler–Maruyama).
func TestLowRankAgreesWithEuler(t *testing.T) {
	if testing.Short() {
		t.Skip("long: 600 Euler–Maruyama windows of 200 steps")
	}
	const n, S, tw, h = 300, 600, 1.0, 0.005
	rng := rand.New(rand.NewPCG(26, 26))
	J, H, g := factoredProblem(n, 4, 5, rng)
	J.Scale(3/math.Sqrt(n), J)
	hw := lowRankHardware(true)
	hw.Arrays = ArraySpec{GMin: 1e-6, Bits: 12, ProgrammingError: 0.01}
	s := newFactored(t, hw, J, H, 0.3, g, 26)
	s.Reset(randVec(n, rng))
	start := append([]float64(nil), s.x...)
	lr, err := s.lowRankFactor()
	require.NoError(t, err)
	p, err := lr.prop(tw)
	require.NoError(t, err)
	// Exact mean and covariance of the low-rank step (its noise map, which
	// does not depend on the start: the step is affine).
	mu := append([]float64(nil), start...)
	lr.step(&s.model, p, mu, make([]float64, n), make([]float64, p.rank))
	L := lowRankNoiseMap(s, lr, p)
	var sig mat.SymDense
	sig.SymOuterK(1, L)
	var ch mat.Cholesky
	require.True(t, ch.Factorize(&sig))
	var low, inv mat.TriDense
	ch.LTo(&low)
	require.NoError(t, inv.InverseTri(&low))

	stats := func(ev *Evolution) (chi, mean float64) {
		sum := mat.NewVecDense(n, nil)
		w := mat.NewVecDense(n, nil)
		d := mat.NewVecDense(n, nil)
		for range S {
			copy(s.x, start)
			_, err := s.Run(tw, ev)
			require.NoError(t, err)
			for i := range n {
				d.SetVec(i, s.x[i]-mu[i])
			}
			w.MulVec(&inv, d)
			chi += mat.Dot(w, w) / n
			sum.AddVec(sum, w)
		}
		return chi / S, mat.Dot(sum, sum) / S / n
	}
	chiLR, meanLR := stats(&Evolution{Method: MethodLowRank})
	chiEM, meanEM := stats(&Evolution{Method: MethodEuler, Step: h})
	se := math.Sqrt(2.0 / (S * n))
	t.Logf("‖w‖²/N: low-rank %.4f, Euler–Maruyama %.4f (SE %.4f); S‖w̄‖²/N: %.3f, %.3f", chiLR, chiEM, se, meanLR, meanEM)
	assert.InDelta(t, 1, chiLR, 4*se)
	assert.InDelta(t, 1, chiEM, 4*se+0.0005)
	assert.InDelta(t, 1, meanLR, 4*math.Sqrt(2.0/n))
	assert.InDelta(t, 1, meanEM, 4*math.Sqrt(2.0/n))
}

// TestLowRankGramHint: with a Gram hint J Jᵀ (SPU.SetGram), the low-rank
// method takes the coupling from it exactly when the J array is an exact
// image of J (ideal arrays, also with G_min > 0), and the noise-free
// trajectory is the one computed without the hint to rounding (1e-12
// relative; with noise the law is the same but the pivoted Cholesky may
// order the draws differently). A wrong hint (2·J Jᵀ) on ideal hardware is used
// and changes the trajectory (the hint is not a no-op); quantized or
// mismatched arrays ignore it; a new programming invalidates it.
func TestLowRankGramHint(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 41))
	J, H, g := factoredProblem(60, 3, 10, rng)
	J.Scale(3, J)
	var gram mat.SymDense
	gram.SymOuterK(1, J)
	var wrong mat.SymDense
	wrong.ScaleSym(2, &gram)
	cases := []struct {
		name       string
		hw         Hardware
		hint       *mat.SymDense
		wantHinted bool
		same       bool
	}{
		{"ideal", Hardware{}, &gram, true, true},
		{"g_min", Hardware{Arrays: ArraySpec{GMin: 1e-5}}, &gram, true, true},
		{"wrong hint", Hardware{}, &wrong, true, false},
		{"quantized", Hardware{Arrays: ArraySpec{Bits: 8}}, &wrong, false, true},
		{"mismatch", Hardware{Arrays: ArraySpec{ProgrammingError: 0.01}}, &wrong, false, true},
	}
	run := func(s *SPU) []float64 {
		s.Reset(g)
		var out []float64
		for _, h := range []float64{0.3, 5, 50} {
			_, err := s.Run(h, &Evolution{Method: MethodLowRank})
			require.NoError(t, err)
			out = append(out, s.x[:s.n]...)
		}
		return out
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plain := newFactored(t, &c.hw, J, H, 0.5, g, 7)
			want := run(plain)
			require.False(t, plain.lowrank.hinted)
			hinted := newFactored(t, &c.hw, J, H, 0.5, g, 7)
			hinted.SetGram(J, c.hint)
			got := run(hinted)
			assert.Equal(t, c.wantHinted, hinted.lowrank.hinted, "hint used")
			d := relErr(mat.NewVecDense(len(got), got), mat.NewVecDense(len(want), want))
			if c.same {
				assert.Less(t, d, 1e-12)
			} else {
				assert.Greater(t, d, 1e-3)
			}
			// A new programming invalidates the hint.
			_, err := hinted.ProgramFactored(J, H, 0.5)
			require.NoError(t, err)
			run(hinted)
			assert.False(t, hinted.lowrank.hinted, "hint kept across programmings")
		})
	}
}

// TestLowRankExactCopies: when the SPU records that its two J copies are
// exact images of one J (exact arrays, ideal stage op-amps), the low-rank
// method skips its comparison of the arrays; the comparison itself must
// then find F = Bᵀ bit for bit and, without clipping, F = c·J within the
// hint's tolerance. Quantized arrays and finite stage gain are not
// recorded as exact (the comparison decides there).
func TestLowRankExactCopies(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 45))
	J, H, _ := factoredProblem(90, 3, 10, rng)
	J.Scale(5, J)
	cases := []struct {
		name        string
		hw          Hardware
		exact, clip bool
		wantTwin    bool
	}{
		{"ideal", Hardware{}, true, false, true},
		{"g_min", Hardware{Arrays: ArraySpec{GMin: 1e-5}}, true, false, true},
		{"clipping", Hardware{Scaling: Scaling{Mode: ScaleFixed, TimeScale: 50}}, true, true, true},
		{"quantized", Hardware{Arrays: ArraySpec{Bits: 6}}, false, false, true},
		{"stage gain", Hardware{StageOpAmp: OpAmp{Gain: 1e4}}, false, false, false},
		{"mismatch", Hardware{Arrays: ArraySpec{ProgrammingError: 0.01}}, false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := NewSPU(&c.hw, Factored, 90, 30, rand.NewPCG(1, 1))
			require.NoError(t, err)
			rep, err := s.ProgramFactored(J, H, 0.1)
			require.NoError(t, err)
			require.Equal(t, c.exact, s.jExact, "recorded as exact")
			require.Equal(t, c.clip, s.jClipped > 0, "clipped: %d of %d", s.jClipped, rep.Entries)
			m := &s.model
			fm, bm, jm := m.F.RawMatrix(), m.B.RawMatrix(), J.RawMatrix()
			full := s.hw.R * (s.hw.Arrays.GMax - s.hw.Arrays.GMin)
			twin, image := lrCopies(fm.Data, fm.Stride, bm.Data, bm.Stride, jm.Data, jm.Stride, s.hw.R*s.scale.J, lrHintTol*full, 30, 90)
			assert.Equal(t, c.wantTwin, twin, "F = Bᵀ")
			if c.exact {
				assert.Equal(t, !c.clip, image, "F = c·J")
			}
		})
	}
}

// TestLowRankPaddedRows: a batch padded with zero rows of J and H (unused
// stage rows, as for the last partial minibatch of an epoch) keeps the
// symmetric path, and the low-rank steps equal the dense transition (to
// 1e-9 relative, noise off) and its covariance (to 1e-8 of the
// stationary scale, injected noise on).
func TestLowRankPaddedRows(t *testing.T) {
	for _, kappa := range []float64{0, 1e-3} {
		rng := rand.New(rand.NewPCG(47, 47))
		J, H, g := factoredProblem(40, 4, 5, rng)
		J.Scale(3, J)
		for k := 12; k < 20; k++ { // samples 3 and 4 unused
			for i := range 40 {
				J.Set(k, i, 0)
			}
			for l := range 20 {
				H.SetSym(k, l, 0)
			}
		}
		hw := &Hardware{Noise: NoiseSpec{Kappa0: kappa}}
		s := newFactored(t, hw, J, H, 0.5, g, 47)
		s.Reset(randVec(40, rng))
		lr, err := s.lowRankFactor()
		require.NoError(t, err)
		require.True(t, lr.sym, "symmetric path with padded rows")
		M, D, xbar := denseReference(t, s)
		x := mat.NewVecDense(40, append([]float64(nil), s.x...))
		for _, h := range []float64{0.3, 5, 50} {
			_, err := s.Run(h, &Evolution{Method: MethodLowRank})
			require.NoError(t, err)
			E, S := denseStep(M, D, h)
			var dx mat.VecDense
			dx.SubVec(x, xbar)
			x.MulVec(E, &dx)
			x.AddVec(x, xbar)
			if kappa == 0 {
				assert.Less(t, relErr(mat.NewVecDense(40, append([]float64(nil), s.x...)), x), 1e-9, "h = %g", h)
				continue
			}
			got := lowRankStepCov(t, s, s.lowrank, h)
			var diff mat.Dense
			diff.Sub(got, S)
			assert.Less(t, mat.Norm(&diff, 2)/mat.Norm(S, 2), 1e-8, "h = %g", h)
		}
	}
}
