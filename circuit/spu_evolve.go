package circuit

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Method selects how [SPU.Run] advances the circuit.
type Method int

const (
	// MethodAuto picks the fastest method that is exact (or, for
	// non-uniform cell damping, accurate to 1e-3) for the circuit:
	// MethodExactDense for small states (dimension up to
	// [Evolution.DenseLimit]), else MethodLowRank where it applies
	// (Factored, memoryless stages, no cell op-amp pole, identical cell
	// damping, a non-defective drift), MethodLowRankETD where only the
	// damping differs between cells, else MethodEuler. With op-amp rails
	// (a nonlinearity) it picks MethodEuler.
	MethodAuto Method = iota
	// MethodEuler is Euler–Maruyama with structured products: each step
	// costs one product with each array (J, H, Jᵀ or A) and never forms an
	// N×N matrix. Its mean is exact only as the step goes to 0 (its fixed
	// point is exact at any step); it handles the rails' nonlinearity.
	MethodEuler
	// MethodExactDense forms the dense drift and noise of the circuit and
	// propagates the exact Ornstein–Uhlenbeck transition (mean and
	// covariance, for non-symmetric drifts too) in one step per window:
	// O(dim³) to set up per programming and step length. With rails it
	// clips only at the end of each call.
	MethodExactDense
	// MethodLowRank propagates the exact Ornstein–Uhlenbeck transition of
	// a Factored SPU with memoryless stages in one step per call, using the
	// structure drift = d·I + low rank: per programming, two Gram matrices
	// of the J copies (r²N and r²N/2) and an r×r eigendecomposition; per
	// call, two passes over the J copy and one over the Jᵀ array, whatever
	// the window length. Exact in distribution for the circuit as
	// programmed (quantized, mismatched, two different J copies, cell and
	// stage noise). It needs identical cell damping (no capacitor mismatch,
	// infinite cell op-amp gain), no cell op-amp pole, λ > 0 and a drift
	// that is not defective (modes pushed past the damping by mismatch,
	// i.e. an unstable drift, are simulated exactly too); else Run returns
	// an error wrapping
	// [ErrMethodUnavailable]. With rails it clips only at the end of each
	// call. See spu_lowrank.go for the method and its accuracy.
	MethodLowRank
	// MethodLowRankETD extends MethodLowRank to cell damping that differs
	// between cells (capacitor mismatch, finite cell op-amp gain): the
	// drift is D + UVᵀ = d̄I + UVᵀ + Δ, and each step of h is one
	// exponential Euler step (Hochbruck & Ostermann, "Exponential
	// integrators", Acta Numerica 19 (2010), §2.1) with the exact low-rank
	// propagator of d̄I + UVᵀ and the remainder −Δ⊙x as forcing:
	// x ← e^{−Ah}x + hφ₁(−Ah)(c − Δ⊙x) + the exact noise of A. Its fixed
	// point is exact for any h; the transient and the noise covariance err
	// by about max|Δ_i|·h relative, and the window is cut into steps with
	// max|Δ_i|·h ≤ 1e-3 (one step for 1 % capacitor mismatch at λ = 0.01
	// over 10τ). With uniform damping it is MethodLowRank.
	MethodLowRankETD
)

// ErrMethodUnavailable reports a forced [Evolution.Method] that cannot
// model the programmed circuit (for example MethodLowRank with capacitor
// mismatch).
var ErrMethodUnavailable = errors.New("circuit: integration method not applicable")

var methodNames = []string{"auto", "euler-maruyama", "exact-dense", "low-rank", "low-rank-etd"}

func (m Method) String() string {
	if m >= 0 && int(m) < len(methodNames) {
		return methodNames[m]
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// MarshalText returns the method's name.
func (m Method) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads "auto", "euler-maruyama" (or "euler", "em"),
// "exact-dense" (or "exact"), "low-rank" (or "lowrank") or "low-rank-etd"
// (or "etd"), case-insensitively.
func (m *Method) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "", "auto":
		*m = MethodAuto
	case "euler-maruyama", "euler", "em":
		*m = MethodEuler
	case "exact-dense", "exact":
		*m = MethodExactDense
	case "low-rank", "lowrank":
		*m = MethodLowRank
	case "low-rank-etd", "etd":
		*m = MethodLowRankETD
	default:
		return fmt.Errorf("circuit: unknown method %q (want auto, euler-maruyama, exact-dense, low-rank or low-rank-etd)", b)
	}
	return nil
}

// DefaultDenseLimit is the largest state dimension for which MethodAuto
// propagates exactly with dense matrices.
const DefaultDenseLimit = 256

// Evolution configures [SPU.Run]. A nil *Evolution and the zero value mean
// automatic choices.
type Evolution struct {
	// Method forces a method; zero means MethodAuto.
	Method Method `toml:"method"`
	// Step is the largest Euler–Maruyama step, in units of τ; the window is
	// cut into equal steps no longer than it. Zero (or negative) means
	// min(0.1, 0.5/ρ), ρ the largest |eigenvalue| of the drift (estimated
	// by power iteration, see [SPU.Spectrum]): the paper's 0.1τ where it is
	// stable with a margin of 4.
	Step float64 `toml:"step"`
	// DenseLimit overrides [DefaultDenseLimit] when positive.
	DenseLimit int `toml:"dense_limit"`
}

// RunReport says what a run did.
type RunReport struct {
	Method         Method  // the method that ran
	Step           float64 // step length in τ (the whole window for exact methods)
	Steps          int     // number of steps
	Saturated      int     // cell outputs clipped at the rails (one per cell and step)
	StageSaturated int     // stage outputs clipped at the rails
	Time           float64 // analog time, s
}

// Spectrum describes the eigenvalues of the programmed drift matrix M
// (dx = −Mx dt + …, including stage and op-amp states), in units of 1/τ.
type Spectrum struct {
	// Min and Max are the smallest and largest real parts. Without Exact,
	// Max is Radius and Min is, for Factored, the smallest cell damping
	// (exact for the N − r eigenvalues of λI + low rank when N > r and the
	// cells are identical), for Direct α times the smallest real part of
	// the problem's A (imperfections ignored).
	Min, Max float64
	// Radius is the largest modulus: exact, or a power-iteration estimate
	// (a lower bound that is usually within a few per cent).
	Radius float64
	// Exact reports exact eigenvalues: a dense eigendecomposition
	// (dimension ≤ 600), or the low-rank factorization of MethodLowRank
	// when a run has computed it for the current programming.
	Exact bool
}

// denseSpectrumLimit is the largest dimension for an exact spectrum.
const denseSpectrumLimit = 600

// Spectrum returns the spectrum of the programmed drift (cached until the
// next programming). It panics before programming and input.
func (s *SPU) Spectrum() Spectrum {
	s.mustBeReady()
	s.ensurePlanned()
	s.rebuild()
	if s.spec != nil {
		return *s.spec
	}
	m := &s.model
	if sp, ok := s.lowRankSpectrum(); ok {
		s.spec = &sp
		return sp
	}
	var sp Spectrum
	if m.dim <= denseSpectrumLimit {
		M, _, _ := m.dense()
		var eig mat.Eigen
		if eig.Factorize(M, mat.EigenNone) {
			sp = Spectrum{Min: math.Inf(1), Max: math.Inf(-1), Exact: true}
			for _, l := range eig.Values(nil) {
				sp.Min = math.Min(sp.Min, real(l))
				sp.Max = math.Max(sp.Max, real(l))
				sp.Radius = math.Max(sp.Radius, math.Hypot(real(l), imag(l)))
			}
			s.spec = &sp
			return sp
		}
	}
	sp.Radius = m.radiusEstimate(30)
	sp.Max = sp.Radius
	sp.Min = math.Inf(1)
	if m.factored {
		for _, d := range m.d {
			sp.Min = math.Min(sp.Min, d)
		}
	} else {
		// The programmed matrix's own (α·A's) smallest real part.
		sp.Min = s.scale.Alpha * s.minReal
	}
	s.spec = &sp
	return sp
}

// radiusEstimate returns max_k ‖M v_k‖/‖v_k‖ over iters power iterations
// from a fixed start vector.
func (m *spuModel) radiusEstimate(iters int) float64 {
	v := make([]float64, m.dim)
	mv := make([]float64, m.dim)
	for i := range v {
		v[i] = 1 + float64(i%7)/7
	}
	est := 0.0
	for it := 0; it < iters; it++ {
		nv := norm2(v)
		if nv == 0 {
			break
		}
		for i := range v {
			v[i] /= nv
		}
		m.apply(mv, v, 1, 0, nil, false, false)
		est = math.Max(est, norm2(mv))
		v, mv = mv, v
	}
	return est
}

func norm2(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// noisy reports whether the model has any noise.
func (m *spuModel) noisy() bool {
	for _, s := range [][]float64{m.sigC, m.sigU, m.sigW} {
		for _, v := range s {
			if v != 0 {
				return true
			}
		}
	}
	if m.cellPole {
		for _, v := range m.sigP {
			if v != 0 {
				return true
			}
		}
		return m.sigE != 0
	}
	return false
}

// Run evolves the circuit for t units of τ (t ≥ 0) from its current state
// with the method of ev (nil: automatic), drawing noise from the SPU's
// source. It returns a *[DivergenceError] if the state stops being finite.
// It panics for a negative or non-finite t, or before programming and
// input.
func (s *SPU) Run(t float64, ev *Evolution) (RunReport, error) {
	if !(t >= 0) || math.IsInf(t, 1) {
		panic(fmt.Sprintf("circuit: run length %v, want a finite value ≥ 0", t))
	}
	s.mustBeReady()
	s.ensurePlanned()
	s.rebuild()
	var e Evolution
	if ev != nil {
		e = *ev
	}
	limit := DefaultDenseLimit
	if e.DenseLimit > 0 {
		limit = e.DenseLimit
	}
	method := e.Method
	auto := method == MethodAuto
	if auto {
		method = MethodEuler
		rails := s.hw.CellOpAmp.Rail > 0 || (s.arch == Factored && s.hw.StageOpAmp.Rail > 0)
		switch {
		case rails:
		case s.model.dim <= limit && exactAvailable:
			method = MethodExactDense
		case s.lowRankExactOK() == nil:
			method = MethodLowRank
		case s.lowRankStructural() == nil:
			method = MethodLowRankETD
		}
	}
	rep := RunReport{Method: method, Time: t * s.tau}
	if t == 0 {
		return rep, nil
	}
	var err error
	switch method {
	case MethodEuler:
		err = s.runEuler(t, e.Step, &rep)
	case MethodExactDense:
		err = s.runExact(t, &rep)
		if auto && errors.Is(err, ErrUnstable) {
			// Array errors made the programmed drift unstable: the engine
			// refuses such a model, but the window of a real chip is still
			// well defined (its state grows). Simulate it as a large chip.
			switch {
			case s.lowRankExactOK() == nil:
				rep = RunReport{Method: MethodLowRank, Time: t * s.tau}
				err = s.runLowRank(t, &rep)
			case s.lowRankStructural() == nil:
				rep = RunReport{Method: MethodLowRankETD, Time: t * s.tau}
				err = s.runLowRank(t, &rep)
			default:
				err = errLowRank
			}
			if errors.Is(err, errLowRank) {
				rep = RunReport{Method: MethodEuler, Time: t * s.tau}
				err = s.runEuler(t, e.Step, &rep)
			}
		}
	case MethodLowRank, MethodLowRankETD:
		if method == MethodLowRank {
			err = s.lowRankExactOK()
		}
		if err == nil {
			err = s.runLowRank(t, &rep)
		}
		if auto && errors.Is(err, errLowRank) {
			// The programmed drift is nearly defective or has a singular
			// Lyapunov equation (modes with opposite rates).
			rep = RunReport{Method: MethodEuler, Time: t * s.tau}
			err = s.runEuler(t, e.Step, &rep)
		}
	default:
		panic(fmt.Sprintf("circuit: unknown method %v", method))
	}
	s.time += t * s.tau
	if err != nil {
		return rep, err
	}
	for i, v := range s.x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return rep, &DivergenceError{Time: s.time, Index: i}
		}
	}
	return rep, nil
}

// runEuler advances by Euler–Maruyama steps.
func (s *SPU) runEuler(t, maxStep float64, rep *RunReport) error {
	m := &s.model
	if maxStep <= 0 {
		maxStep = 0.1
		if rho := s.Spectrum().Radius; rho > 0 {
			maxStep = math.Min(maxStep, 0.5/rho)
		}
	}
	steps := int(math.Ceil(t/maxStep - 1e-12))
	steps = max(steps, 1)
	h := t / float64(steps)
	rep.Step, rep.Steps = h, steps
	dx := make([]float64, m.dim)
	var z []float64
	if m.noisy() {
		z = make([]float64, m.nNoise)
	}
	sh := math.Sqrt(h)
	x := s.x
	for range steps {
		for i := range z {
			z[i] = s.rng.NormFloat64()
		}
		rep.StageSaturated += m.apply(dx, x, h, sh, z, true, true)
		for i, v := range dx {
			x[i] += v
		}
		c, st := m.clipState(x)
		rep.Saturated += c
		rep.StageSaturated += st
	}
	return nil
}

// MeanSteadyStateTo writes into dst (length N; an empty dst is resized) the
// fixed point of the programmed circuit's mean dynamics, in units of x: the
// value its time average converges to, rails ignored. For a Factored SPU it
// uses the Woodbury identity on the diagonal-plus-low-rank drift
// (O(r²N), no N×N matrix). It returns [ErrSingularDrift] if the drift has
// no unique fixed point, and panics before programming and input.
func (s *SPU) MeanSteadyStateTo(dst *mat.VecDense) error {
	s.mustBeReady()
	s.ensurePlanned()
	s.rebuild()
	if dst.IsEmpty() {
		dst.ReuseAsVec(s.n)
	}
	if dst.Len() != s.n {
		panic("circuit: MeanSteadyStateTo: length mismatch")
	}
	m := &s.model
	n := s.n
	v := make([]float64, n)
	if m.factored {
		// c = c₀ − ε⊙B(Ĥu₀ + w₀): the offsets of the stages.
		c := make([]float64, n)
		m.gemv(1, m.Hs, m.u0, m.w)
		for k := range m.w {
			m.w[k] += m.w0[k]
		}
		m.gemv(1, m.B, m.w, c)
		for i := range c {
			c[i] = m.c0[i] - m.eps[i]*c[i]
		}
		ok := true
		for _, d := range m.d {
			ok = ok && d > 0
		}
		if !ok {
			return ErrSingularDrift
		}
		// (D + E B Ĥ F)⁻¹c = y − D⁻¹E B K⁻¹ Ĥ F y, y = D⁻¹c,
		// K = I + Ĥ F D⁻¹E B (r×r).
		r := s.r
		y := make([]float64, n)
		for i := range y {
			y[i] = c[i] / m.d[i]
		}
		fd := mat.DenseCopyOf(m.F)
		raw := fd.RawMatrix()
		for k := 0; k < r; k++ {
			row := raw.Data[k*raw.Stride : k*raw.Stride+n]
			for i := range row {
				row[i] *= m.eps[i] / m.d[i]
			}
		}
		var p, K mat.Dense
		p.Mul(fd, m.B)
		K.Mul(m.Hs, &p)
		for k := 0; k < r; k++ {
			K.Set(k, k, K.At(k, k)+1)
		}
		fy := make([]float64, r)
		m.gemv(1, m.F, y, fy)
		hfy := mat.NewVecDense(r, nil)
		m.gemv(1, m.Hs, fy, hfy.RawVector().Data)
		var zv mat.VecDense
		if err := zv.SolveVec(&K, hfy); err != nil {
			return fmt.Errorf("%w: %v", ErrSingularDrift, err)
		}
		bz := make([]float64, n)
		m.gemv(1, m.B, zv.RawVector().Data, bz)
		for i := range v {
			v[i] = y[i] - m.eps[i]/m.d[i]*bz[i]
		}
	} else {
		A := mat.NewDense(n, n, nil)
		A.Copy(m.Ahat)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				A.Set(i, j, A.At(i, j)*m.eps[i])
			}
			A.Set(i, i, A.At(i, i)+m.d[i])
		}
		var sol mat.VecDense
		if err := sol.SolveVec(A, mat.NewVecDense(n, append([]float64(nil), m.c0...))); err != nil {
			return fmt.Errorf("%w: %v", ErrSingularDrift, err)
		}
		copy(v, sol.RawVector().Data)
	}
	for i := range v {
		dst.SetVec(i, v[i]/s.scale.State)
	}
	return nil
}
