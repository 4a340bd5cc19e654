package circuit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"unsafe"

	"github.com/tngd/tngd/internal/gemm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/unit/constant"
)

// Architecture selects how an [SPU] holds its system matrix.
type Architecture int

const (
	// Factored is the TNGD architecture: arrays J (r×N), H (r×r) and Jᵀ
	// (N×r), drift λI + JᵀHJ, F never formed.
	Factored Architecture = iota
	// Direct is the Thermodynamic Linear Algebra architecture: one N×N
	// array holding A.
	Direct
)

func (a Architecture) String() string {
	switch a {
	case Factored:
		return "factored"
	case Direct:
		return "direct"
	}
	return fmt.Sprintf("Architecture(%d)", int(a))
}

// Errors of the SPU. Test with errors.Is.
var (
	// ErrNotPositiveStable reports a direct-architecture matrix with an
	// eigenvalue whose real part is not positive: its process has no
	// stationary state. The error is a *[StabilityError].
	ErrNotPositiveStable = errors.New("circuit: matrix is not positive-stable")
	// ErrNonFiniteProblem reports NaN or ±Inf in a matrix or vector given
	// to an SPU.
	ErrNonFiniteProblem = errors.New("circuit: NaN or Inf in the problem")
	// ErrStateDiverged reports NaN or ±Inf in the SPU state during a run
	// (for example an Euler–Maruyama step beyond its stability limit). The
	// error is a *[DivergenceError].
	ErrStateDiverged = errors.New("circuit: SPU state diverged")
	// ErrSingularDrift reports a programmed drift without a unique fixed
	// point.
	ErrSingularDrift = errors.New("circuit: programmed drift is singular")
)

// StabilityError is returned for a matrix that is not positive-stable.
type StabilityError struct {
	MinReal float64 // smallest real part of its eigenvalues
}

func (e *StabilityError) Error() string {
	return fmt.Sprintf("circuit: matrix is not positive-stable: an eigenvalue has real part %.6g ≤ 0", e.MinReal)
}

// Unwrap makes errors.Is(err, ErrNotPositiveStable) hold.
func (e *StabilityError) Unwrap() error { return ErrNotPositiveStable }

// DivergenceError names the first non-finite state variable of a run.
type DivergenceError struct {
	Time  float64 // simulated time of the SPU, in seconds
	Index int     // state index (0 … N−1 are the cell voltages)
}

func (e *DivergenceError) Error() string {
	return fmt.Sprintf("circuit: SPU state diverged: state %d is not finite at t = %.6g s", e.Index, e.Time)
}

// Unwrap makes errors.Is(err, ErrStateDiverged) hold.
func (e *DivergenceError) Unwrap() error { return ErrStateDiverged }

// SPU is a stochastic processing unit at component level: N op-amp RC
// integrator cells coupled by programmed resistor arrays, driven by DACs,
// read by ADCs, with noise. It solves linear systems by relaxing to (and
// fluctuating about) their solution.
//
// # Circuit
//
// Cell i is an inverting integrator: feedback capacitor C_i, output V_i
// (the state), summing node kept at virtual ground by its op-amp. Currents
// into the summing node come from the input conductance G_in driven by the
// DAC, from the damping conductance G_λ on the cell's own output
// (factored), and from a row of a resistor array. Each array entry is a
// differential pair G⁺ − G⁻ fed by a signal and its inverted copy (see
// [ResistorArray]); the model keeps the signed effective conductances and
// the polarity that makes the drift stable, i.e.
//
//	C_i dV_i/dt = −G_λV_i − Σ_k (G⁺−G⁻)_ik s_k + G_in·V_dac,i + noise
//
// with s the signals the row sees. In the Factored architecture s = w, the
// output of the H stage: two transimpedance stages with feedback resistor
// R compute u = R·G_J V (J array, r×N) and w = R·G_H u (H array, r×r), and
// the Jᵀ array (N×r, separately programmed) feeds w back into the cells;
// the only dynamic nodes are the N cells (stages are memoryless unless
// [Hardware.StageTau] or a stage [OpAmp.GBW] is set). With the
// dimensionless Ĵ_f = R·G_J (r×N), Ĥ = R·G_H (r×r) and Ĵ_bᵀ = R·G_Jᵀ (N×r,
// the Jᵀ array's own conductances) and time in units of τ = RC the drift is
//
//	dV/dt = −(λ̂I + Ĵ_bᵀ Ĥ Ĵ_f) V + c,
//
// which the controller scales to α(λI + JᵀHJ) (below). Errors in the two
// J copies are independent, so the programmed drift is not symmetric in
// general. In the Direct architecture one N×N array holds Â = R·G_A and the
// drift is ÂV (its diagonal pairs are self-loops).
//
// # Imperfections
//
// Each is off in the zero [Hardware] and switched on alone by its field:
//   - arrays: B-bit codes, G_min > 0, G_max, programming error, stuck
//     devices (see [ArraySpec]);
//   - op-amps (cells and stages, [OpAmp]): a cell op-amp of DC gain A₀
//     turns C dV/dt into C(1 + 1/A₀) dV/dt and adds −(G_tot/A₀)V, G_tot
//     being every conductance at its summing node; a stage of noise gain
//     n = 1 + R·G_tot has closed-loop gain 1/(1 + n/A₀). Offsets add
//     G_tot·V_os to a cell and n·V_os to a stage. A finite GBW gives a
//     cell a second state (its op-amp's output pole, ω_t = 2π·GBW:
//     dV/dt = ω_t(V_os − v⁻) − ω_t V/A₀, the capacitor voltage being the
//     other state) and a stage the time constant n/(2π·GBW) (added to
//     StageTau). Rails clip the state after each step (which breaks the
//     exactness of exact methods; auto picks Euler–Maruyama then) and the
//     memoryless stage outputs; each clip is counted. Input-referred
//     noise e_n acts as the current G_tot·e_n on a cell (its direct white
//     feed-through to the output, filtered by the op-amp, is neglected
//     unless GBW is set) and as the voltage n·e_n on a stage output;
//   - capacitors: mismatch σ ([Hardware.CapacitorMismatch]);
//   - converters: bits, full scale, clipping, conversion time, ADC noise
//     ([DAC], [ADC]);
//   - noise: Johnson noise 4kTG of every conductance (arrays, damping,
//     input, stage feedback), an injected source ([NoiseSpec]).
//
// Chip properties (stuck devices, offsets, capacitors) are drawn once, in
// [NewSPU]; programming errors at each programming; noise during runs —
// all from the source given to NewSPU, in that order, so the same seed
// and calls give the same results.
//
// # Scaling rule of the controller
//
// Let ĝ = R·(G_max − G_min), the largest dimensionless entry of an array.
// Factored: the J copies get s_J = ρĝ/max|J| and H gets s_H = ρĝ/max|H|,
// so the drift is α(λI + JᵀHJ) with α = s_J²s_H = ρ³α_full, α_full =
// ĝ³/(max|J|²·max|H|); the damping conductance is G_λ = αλ/R. Direct: the
// array gets s_A = α with α_full = ĝ/max|A|. The [Scaling] mode picks α
// (default: α = min(TimeScale, α_full), TimeScale = 1, so the device's drift
// is the problem's A in units of 1/τ whenever the arrays can hold it, as in
// the paper, and nothing clips). Both J and H then use the same fraction ρ
// of their range.
//
// The state is the cell voltage V = s_x·x. At each [SPU.Reset] (and before
// the first run) the controller plans s_x = Headroom·V_range/X̂, with V_range
// the smaller of the cell rail and the ADC full scale (else
// Scaling.VoltageRange) and X̂ = max(‖x₀‖_∞, ‖g‖_∞·m, 4√(κ₀·m)) a planning
// bound on |x|: m = 1/λ (factored; exact for g orthogonal to J's rows, the
// bulk of TNGD's solution) or an estimate of ‖A⁻¹‖_∞ (direct, from LAPACK's
// condition estimator). s_x is kept across programmings until the next
// Reset, so a warm start keeps its meaning. The DAC maps g/‖g‖_∞ to its full
// scale V_ref, and the input conductance G_in = α·s_x·‖g‖_∞/(V_ref·R) makes
// the fixed point V = s_x·A⁻¹g; readings are divided by s_x. [SPU.Scale]
// reports α, ρ, s_x and the rest.
//
// # Timing
//
// Programming writes r(r+2N) (factored) or N² (direct) entries at
// [ArraySpec.WriteTime] each, or one link word each; an input or a reset
// moves N words and takes one DAC conversion; a readout one ADC conversion
// and N words; a run its length. Each call reports its time in seconds.
//
// # Use
//
// Program with [SPU.ProgramFactored] or [SPU.ProgramDirect], set the input
// with [SPU.SetInput], start with [SPU.Reset] (or continue from the current
// state: warm start), evolve with [SPU.Run], read with [SPU.ReadTo]. An SPU
// is not safe for concurrent use.
type SPU struct {
	hw   Hardware // resolved
	arch Architecture
	n, r int
	rng  *rand.Rand
	tau  float64 // s

	// Chip, drawn at construction.
	capC        []float64 // F, per cell
	cellOffset  []float64 // V, per cell
	offU, offW  []float64 // V, per stage row (factored)
	arrJ, arrH  *ResistorArray
	arrJT, arrA *ResistorArray

	// Programming.
	programmed bool
	lambda     float64
	scale      Scale
	planBound  float64 // m of the scaling rule: 1/λ or ‖A⁻¹‖_∞
	minReal    float64 // smallest real part of A's eigenvalues (direct)
	gInf       float64 // ‖g‖_∞ of the input
	vdac       []float64
	inputSet   bool
	planned    bool

	model spuModel
	dirty bool // model must be rebuilt
	spec  *Spectrum
	exact *exactCache

	// progGen counts programmings; the low-rank factorization (kept across
	// invalidations, see lowRankFactor) is keyed by it.
	progGen  uint64
	lowrank  *lowRank
	noiseBuf []float64

	// Copies of J (factored; two buffers, jSrc[jCur] the last one) or A
	// (direct), from which exact arrays form their conductances when asked
	// (see arrayKeep).
	jSrc [2]*mat.Dense
	jCur int
	// jExact: the last factored programming made the J array and its copy
	// Jᵀ exact images of one J (exact arrays, ideal stage gain), so that
	// F = Bᵀ bit for bit; jClipped counts the J array's clipped entries.
	jExact   bool
	jClipped int
	aSrc     *mat.Dense
	hBuf     *mat.Dense // H as a *mat.Dense while programming

	x       []float64 // state, layout of the model
	xLayout int       // model dimension the state was laid out for
	time    float64   // s of analog evolution
}

// Scale is what the controller's scaling rule chose at the last
// programming (see [SPU]).
type Scale struct {
	// Alpha is the drift scale: the device's drift is α·A in units of 1/τ.
	Alpha float64
	// AlphaFull is the largest α at which every entry fits its array.
	AlphaFull float64
	// Utilization ρ is the fraction of the conductance range used by the
	// largest entry of each array (> 1: entries clipped).
	Utilization float64
	// J, H and A are the conductances per unit of J, H and A, in siemens
	// (zero where not used).
	J, H, A float64
	// Damping is the damping conductance G_λ in siemens (factored).
	Damping float64
	// State is s_x, the cell voltage per unit of x, in volts.
	State float64
	// InputReference is the DAC voltage V_ref that ‖g‖_∞ maps to, and
	// Input the cells' input conductance G_in in siemens.
	InputReference, Input float64
	// InjectedPSD is the one-sided PSD of the injected current noise of
	// each cell, in A²/Hz.
	InjectedPSD float64
	// JohnsonKappa0 is the κ₀ (normalized units) equivalent of the Johnson
	// noise of the cells' own conductances, averaged over cells:
	// k·T·R·G_tot/(α·s_x²·C) (see [NoiseSpec]).
	JohnsonKappa0 float64
}

// ProgramReport says what a programming did.
type ProgramReport struct {
	Entries int     // signed entries written (pairs)
	Clipped int     // entries clipped to the conductance range
	Stuck   int     // stuck devices on the chip
	Time    float64 // s
}

// IOReport says what an input, reset or readout did.
type IOReport struct {
	Clipped int     // values clipped by the converter
	Time    float64 // s
}

// NewSPU returns a chip of the given architecture with n cells and, for
// Factored, r stage rows (r is ignored for Direct), described by hw (nil:
// the defaults). It draws the chip's fixed properties from src and keeps src
// for programming errors and noise. It returns an error wrapping
// [ErrInvalidHardware] for an invalid hw, and panics if n < 1, r < 1
// (factored) or src is nil. The cells start at 0 V.
func NewSPU(hw *Hardware, arch Architecture, n, r int, src rand.Source) (*SPU, error) {
	if err := hw.Validate(); err != nil {
		return nil, err
	}
	if n < 1 || (arch == Factored && r < 1) {
		panic("circuit: SPU dimensions must be positive")
	}
	if arch != Factored && arch != Direct {
		panic("circuit: unknown SPU architecture")
	}
	if src == nil {
		panic("circuit: nil random source for SPU")
	}
	if arch == Direct {
		r = 0
	}
	s := &SPU{hw: hw.resolved(), arch: arch, n: n, r: r, rng: rand.New(src), dirty: true}
	s.tau = s.hw.R * s.hw.C
	s.capC = make([]float64, n)
	for i := range s.capC {
		s.capC[i] = s.hw.C
		if s.hw.CapacitorMismatch > 0 {
			// Clamp at 1e-3·C: a capacitor cannot be negative.
			s.capC[i] = s.hw.C * math.Max(1e-3, 1+s.hw.CapacitorMismatch*s.rng.NormFloat64())
		}
	}
	draw := func(m int, sigma float64) []float64 {
		v := make([]float64, m)
		if sigma > 0 {
			for i := range v {
				v[i] = sigma * s.rng.NormFloat64()
			}
		}
		return v
	}
	s.cellOffset = draw(n, s.hw.CellOpAmp.Offset)
	if arch == Factored {
		s.offU = draw(r, s.hw.StageOpAmp.Offset)
		s.offW = draw(r, s.hw.StageOpAmp.Offset)
		s.arrJ = NewResistorArray(s.hw.Arrays, r, n, s.rng)
		s.arrH = NewResistorArray(s.hw.Arrays, r, r, s.rng)
		s.arrJT = NewResistorArray(s.hw.Arrays, n, r, s.rng)
	} else {
		s.arrA = NewResistorArray(s.hw.Arrays, n, n, s.rng)
	}
	s.vdac = make([]float64, n)
	return s, nil
}

// Architecture returns the SPU's architecture.
func (s *SPU) Architecture() Architecture { return s.arch }

// Dims returns the number of cells N and of stage rows r (0 for Direct).
func (s *SPU) Dims() (n, r int) { return s.n, s.r }

// Hardware returns the description with defaults resolved.
func (s *SPU) Hardware() Hardware { return s.hw }

// Tau returns the time unit τ = R·C in seconds.
func (s *SPU) Tau() float64 { return s.tau }

// Time returns the total analog time run so far, in seconds.
func (s *SPU) Time() float64 { return s.time }

// Scale returns the scaling of the last programming and reset.
func (s *SPU) Scale() Scale {
	s.ensurePlanned()
	s.rebuild()
	return s.scale
}

// Arrays returns the J (r×N), H (r×r) and Jᵀ (N×r) arrays of a Factored
// SPU, or nils. The arrays belong to the SPU.
func (s *SPU) Arrays() (j, h, jt *ResistorArray) { return s.arrJ, s.arrH, s.arrJT }

// DirectArray returns the N×N array of a Direct SPU, or nil.
func (s *SPU) DirectArray() *ResistorArray { return s.arrA }

// Cell is the programmed state of one integrator cell, for export.
type Cell struct {
	Capacitance  float64 // C_i, F
	Damping      float64 // G_λ from the cell's output to its summing node, S
	Input        float64 // G_in from the DAC, S
	InputVoltage float64 // DAC output V_dac (entering as +G_in·V_dac), V
	Offset       float64 // input offset of its op-amp, V
}

// Stage is one row of an inner transimpedance stage, for export.
type Stage struct {
	Feedback float64 // feedback conductance 1/R, S
	Offset   float64 // input offset of its op-amp, V
	Tau      float64 // explicit time constant StageTau·τ, s (GBW not included)
}

// Cells returns the programmed cells (a new slice).
func (s *SPU) Cells() []Cell {
	s.ensurePlanned()
	s.rebuild()
	out := make([]Cell, s.n)
	for i := range out {
		out[i] = Cell{Capacitance: s.capC[i], Damping: s.scale.Damping, Input: s.scale.Input, InputVoltage: s.vdac[i], Offset: s.cellOffset[i]}
	}
	return out
}

// Stages returns the rows of the J stage and of the H stage (new slices;
// nil for Direct).
func (s *SPU) Stages() (j, h []Stage) {
	if s.arch != Factored {
		return nil, nil
	}
	j, h = make([]Stage, s.r), make([]Stage, s.r)
	for k := range j {
		j[k] = Stage{Feedback: 1 / s.hw.R, Offset: s.offU[k], Tau: s.hw.StageTau * s.tau}
		h[k] = Stage{Feedback: 1 / s.hw.R, Offset: s.offW[k], Tau: s.hw.StageTau * s.tau}
	}
	return j, h
}

// ProgramFactored programs a Factored SPU for the drift λI + JᵀHJ: J (r×N)
// into the J and Jᵀ arrays, H (r×r) into the H array, λ ≥ 0 into the
// damping conductance, scaled by the controller's rule (see [SPU]). It
// retains nothing: exact arrays (no quantization, programming error or
// stuck devices) keep a copy of J instead of their conductances, in one of
// two r×N buffers of the SPU, and form G⁺ and G⁻ from it when they are
// first asked for (see [ResistorArray]); the results are the same. It
// returns [ErrNonFiniteProblem] for NaN or Inf in the data (the arrays then
// keep their previous programming), and panics on mismatched dimensions, a
// negative λ or a Direct SPU.
func (s *SPU) ProgramFactored(J mat.Matrix, H mat.Symmetric, lambda float64) (ProgramReport, error) {
	if s.arch != Factored {
		panic("circuit: ProgramFactored on a Direct SPU")
	}
	if r, c := J.Dims(); r != s.r || c != s.n {
		panic(fmt.Sprintf("circuit: J is %d×%d, SPU has r = %d, N = %d", r, c, s.r, s.n))
	}
	if H.SymmetricDim() != s.r {
		panic(fmt.Sprintf("circuit: H is %d×%d, SPU has r = %d", H.SymmetricDim(), H.SymmetricDim(), s.r))
	}
	if !(lambda >= 0) || math.IsInf(lambda, 1) {
		panic(fmt.Sprintf("circuit: lambda = %v, want a finite value ≥ 0", lambda))
	}
	// Exact J arrays (see ResistorArray.exact) defer their conductances:
	// they keep a copy of J, made while max|J| is found, in the buffer of
	// s.jSrc that they do not use now (so a failed programming leaves them
	// intact), and are programmed from it.
	exJ, exJT := s.arrJ.exact(), s.arrJT.exact()
	var src *mat.Dense
	var mJ float64
	var okJ bool
	if exJ || exJT {
		k := s.jCur ^ 1
		s.jSrc[k] = spuDense(s.jSrc[k], s.r, s.n)
		src = s.jSrc[k]
		mJ, okJ = maxAbsCopy(src, J)
	} else {
		mJ, okJ = maxAbs(J)
	}
	// H as a *mat.Dense, read in parallel.
	hd := s.denseH(H)
	mH, okH := maxAbs(hd)
	if !okJ || !okH {
		return ProgramReport{}, fmt.Errorf("%w: J or H", ErrNonFiniteProblem)
	}
	g := s.hw.R * (s.hw.Arrays.GMax - s.hw.Arrays.GMin)
	alphaFull := math.Inf(1)
	if mJ > 0 && mH > 0 {
		alphaFull = g * g * g / (mJ * mJ * mH)
	}
	alpha := s.pickAlpha(alphaFull)
	var sJ, sH, rho float64
	switch {
	case !math.IsInf(alphaFull, 1):
		rho = math.Cbrt(alpha / alphaFull)
		sJ, sH = rho*g/mJ, rho*g/mH
	case mJ > 0:
		sJ = g / mJ
		sH = alpha / (sJ * sJ)
	default:
		sJ, sH = 1, alpha
	}
	R := s.hw.R
	s.lambda = lambda
	// The voltage scale s_x is kept until the next Reset (warm start).
	s.scale = Scale{Alpha: alpha, AlphaFull: alphaFull, Utilization: rho, J: sJ / R, H: sH / R, Damping: alpha * lambda / R, State: s.scale.State}
	rep := ProgramReport{Stuck: s.arrJ.Stuck() + s.arrH.Stuck() + s.arrJT.Stuck()}
	// The Jᵀ array reads J through its transpose (in cache blocks for a
	// *mat.Dense J): no N×r copy of Jᵀ is made.
	jt := J.T()
	// The model's stage matrices are written as the arrays are programmed.
	m := &s.model
	m.F, m.Hs, m.B = spuDense(m.F, s.r, s.n), spuDense(m.Hs, s.r, s.r), spuDense(m.B, s.n, s.r)
	gain := s.stageGain()
	var keepJ, keepJT *arrayKeep
	if src != nil {
		s.jCur ^= 1
		J, jt = src, src.T() // the same numbers
		if exJ {
			keepJ = &arrayKeep{src: src, max: mJ}
		}
		if exJT {
			keepJT = &arrayKeep{src: jt, max: mJ}
		}
	}
	for _, p := range []struct {
		a     *ResistorArray
		t     mat.Matrix
		scale float64
		d     arrayDiff
		keep  *arrayKeep
	}{{s.arrJ, J, sJ / R, arrayDiff{m.F, R, gain}, keepJ}, {s.arrH, hd, sH / R, arrayDiff{m.Hs, R, gain}, nil}, {s.arrJT, jt, sJ / R, arrayDiff{m.B, R, nil}, keepJT}} {
		ar := p.a.programTo(p.t, p.scale, s.rng, &p.d, p.keep)
		rep.Entries += ar.Entries
		rep.Clipped += ar.Clipped
		if p.a == s.arrJ {
			s.jClipped = ar.Clipped
		}
	}
	s.jExact = exJ && exJT && gain == nil
	s.planBound = math.Inf(1)
	if lambda > 0 {
		s.planBound = 1 / lambda
	}
	rep.Time = s.programTime(rep.Entries)
	s.programmed = true
	s.progGen++
	m.diffs, m.diffsGen = true, s.progGen
	s.invalidate()
	return rep, nil
}

// denseH returns a copy of H as a *mat.Dense, in s.hBuf (a *mat.SymDense
// is read from its upper triangle, row by row).
func (s *SPU) denseH(H mat.Symmetric) *mat.Dense {
	n := H.SymmetricDim()
	s.hBuf = spuDense(s.hBuf, n, n)
	sd, ok := H.(*mat.SymDense)
	if !ok || sd.RawSymmetric().Uplo != blas.Upper {
		s.hBuf.Copy(H)
		return s.hBuf
	}
	raw, out := sd.RawSymmetric(), s.hBuf.RawMatrix()
	for i := 0; i < n; i++ {
		row := out.Data[i*out.Stride : i*out.Stride+n]
		for j := 0; j < i; j++ {
			row[j] = raw.Data[j*raw.Stride+i]
		}
		copy(row[i:], raw.Data[i*raw.Stride+i:i*raw.Stride+n])
	}
	return s.hBuf
}

// stageGain returns the closed-loop gain cl of a stage row as a function
// of its array's row sum Σ(G⁺ + G⁻) (as spuModel.build computes it), or
// nil when it is 1 (ideal stage op-amps).
func (s *SPU) stageGain() func(rowSum float64) float64 {
	amp, R := s.hw.StageOpAmp, s.hw.R
	if amp.Gain == 0 {
		return nil
	}
	return func(rowSum float64) float64 { return amp.closedLoop(1 + R*rowSum) }
}

// spuDense returns d (or a new matrix) shaped r×c.
func spuDense(d *mat.Dense, r, c int) *mat.Dense {
	if d == nil {
		return mat.NewDense(r, c, nil)
	}
	if dr, dc := d.Dims(); dr != r || dc != c {
		d.Reset()
		d.ReuseAs(r, c)
	}
	return d
}

// ProgramDirect programs a Direct SPU with A (N×N), which may be
// non-symmetric but must be positive-stable (every eigenvalue with a
// positive real part), scaled by the controller's rule (see [SPU]). It
// retains nothing. It returns a *[StabilityError] (wrapping
// [ErrNotPositiveStable]) for a matrix that is not positive-stable and
// [ErrNonFiniteProblem] for NaN or Inf; it panics on a wrong size or a
// Factored SPU. An exact array keeps an N×N copy of A instead of its
// conductances (see [SPU.ProgramFactored]).
func (s *SPU) ProgramDirect(A mat.Matrix) (ProgramReport, error) {
	if s.arch != Direct {
		panic("circuit: ProgramDirect on a Factored SPU")
	}
	if r, c := A.Dims(); r != s.n || c != s.n {
		panic(fmt.Sprintf("circuit: A is %d×%d, SPU has N = %d", r, c, s.n))
	}
	mA, ok := maxAbs(A)
	if !ok {
		return ProgramReport{}, fmt.Errorf("%w: A", ErrNonFiniteProblem)
	}
	minRe, err := minRealEigen(A)
	if err != nil {
		return ProgramReport{}, err
	}
	if !(minRe > 0) {
		return ProgramReport{}, &StabilityError{MinReal: minRe}
	}
	s.minReal = minRe
	// ‖A⁻¹‖_∞ = ‖A⁻ᵀ‖₁ = cond₁(Aᵀ)/‖Aᵀ‖₁ (LAPACK dgecon estimate).
	var lu mat.LU
	lu.Factorize(A.T())
	s.planBound = lu.Cond() / mat.Norm(A, math.Inf(1))
	if math.IsInf(s.planBound, 0) || math.IsNaN(s.planBound) {
		s.planBound = 1 / minRe
	}
	g := s.hw.R * (s.hw.Arrays.GMax - s.hw.Arrays.GMin)
	alphaFull := math.Inf(1)
	if mA > 0 {
		alphaFull = g / mA
	}
	alpha := s.pickAlpha(alphaFull)
	rho := alpha / alphaFull
	R := s.hw.R
	s.scale = Scale{Alpha: alpha, AlphaFull: alphaFull, Utilization: rho, A: alpha / R, State: s.scale.State}
	m := &s.model
	m.Ahat = spuDense(m.Ahat, s.n, s.n)
	// An exact array defers its conductances, keeping a copy of A.
	var keep *arrayKeep
	if s.arrA.exact() {
		s.aSrc = spuDense(s.aSrc, s.n, s.n)
		keep = &arrayKeep{src: s.aSrc, fill: true, max: mA}
	}
	ar := s.arrA.programTo(A, alpha/R, s.rng, &arrayDiff{m.Ahat, R, nil}, keep)
	rep := ProgramReport{Entries: ar.Entries, Clipped: ar.Clipped, Stuck: s.arrA.Stuck(), Time: s.programTime(ar.Entries)}
	s.programmed = true
	s.progGen++
	m.diffs, m.diffsGen = true, s.progGen
	s.invalidate()
	return rep, nil
}

// pickAlpha applies the scaling mode.
func (s *SPU) pickAlpha(alphaFull float64) float64 {
	t := s.hw.Scaling.TimeScale
	switch s.hw.Scaling.Mode {
	case ScaleFixed:
		return t
	case ScaleFull:
		if math.IsInf(alphaFull, 1) {
			return t
		}
		return alphaFull
	}
	return math.Min(t, alphaFull)
}

func (s *SPU) programTime(entries int) float64 {
	if s.hw.Arrays.WriteTime > 0 {
		return float64(entries) * s.hw.Arrays.WriteTime
	}
	return float64(entries) * s.hw.Link.wordTime()
}

func (s *SPU) ioTime(conversion float64) float64 {
	return conversion + float64(s.n)*s.hw.Link.wordTime()
}

// SetInput converts the right-hand side g (length N; the gradient of TNGD,
// b of Ax = b) with the DAC and applies it to the cells. It returns the
// conversion's report, or [ErrNonFiniteProblem]; it panics on a wrong
// length. It retains nothing.
func (s *SPU) SetInput(g mat.Vector) (IOReport, error) {
	if g.Len() != s.n {
		panic(fmt.Sprintf("circuit: len(g) = %d, SPU has N = %d", g.Len(), s.n))
	}
	gi := 0.0
	for i := 0; i < s.n; i++ {
		v := g.AtVec(i)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return IOReport{}, fmt.Errorf("%w: right-hand side", ErrNonFiniteProblem)
		}
		gi = math.Max(gi, math.Abs(v))
	}
	s.gInf = gi
	ref := s.hw.DAC.Reference()
	rep := IOReport{Time: s.ioTime(s.hw.DAC.ConversionTime)}
	for i := range s.vdac {
		if gi == 0 {
			s.vdac[i] = 0
			continue
		}
		v, c := s.hw.DAC.Output(ref * g.AtVec(i) / gi)
		s.vdac[i] = v
		if c {
			rep.Clipped++
		}
	}
	s.inputSet = true
	s.invalidate()
	return rep, nil
}

// Reset sets the state to x0 (length N, in units of x; nil: all zero)
// through the DAC, re-planning the voltage scale s_x first (see [SPU]).
// The inner stages and op-amp poles start at their equilibrium with it. It
// panics before programming and input or on a wrong length; it retains
// nothing.
func (s *SPU) Reset(x0 mat.Vector) IOReport {
	s.mustBeReady()
	if x0 != nil && x0.Len() != s.n {
		panic(fmt.Sprintf("circuit: len(x0) = %d, SPU has N = %d", x0.Len(), s.n))
	}
	xi := 0.0
	if x0 != nil {
		for i := 0; i < s.n; i++ {
			xi = math.Max(xi, math.Abs(x0.AtVec(i)))
		}
	}
	s.plan(xi)
	s.rebuild()
	v := make([]float64, s.n)
	rep := IOReport{Time: s.ioTime(s.hw.DAC.ConversionTime)}
	if x0 != nil && xi > 0 {
		// The DAC writes x₀/‖x₀‖_∞ at full scale through a gain s_x‖x₀‖_∞/V_ref.
		ref := s.hw.DAC.Reference()
		for i := range v {
			o, c := s.hw.DAC.Output(ref * x0.AtVec(i) / xi)
			if c {
				rep.Clipped++
			}
			v[i] = o * s.scale.State * xi / ref
		}
	}
	s.model.initState(s.ensureState(), v)
	return rep
}

// plan chooses s_x for a start of magnitude xi (see the scaling rule).
func (s *SPU) plan(xi float64) {
	vr := math.Inf(1)
	if s.hw.CellOpAmp.Rail > 0 {
		vr = s.hw.CellOpAmp.Rail
	}
	if s.hw.ADC.FullScale > 0 {
		vr = math.Min(vr, s.hw.ADC.FullScale)
	}
	if math.IsInf(vr, 1) {
		vr = s.hw.Scaling.VoltageRange
	}
	m := s.planBound
	if math.IsInf(m, 1) {
		m = 1
	}
	bound := math.Max(xi, s.gInf*m)
	bound = math.Max(bound, 4*math.Sqrt(s.hw.Noise.Kappa0*m))
	if !(bound > 0) {
		bound = 1
	}
	s.scale.State = s.hw.Scaling.Headroom * vr / bound
	s.planned = true
	s.invalidate()
}

func (s *SPU) ensurePlanned() {
	if !s.planned && s.programmed && s.inputSet {
		s.plan(0)
	}
}

func (s *SPU) mustBeReady() {
	if !s.programmed {
		panic("circuit: SPU used before programming")
	}
	if !s.inputSet {
		panic("circuit: SPU used before SetInput")
	}
}

func (s *SPU) invalidate() {
	s.dirty = true
	s.spec = nil
	s.exact = nil
}

// ensureState returns the state slice laid out for the current model,
// converting the cell voltages from the previous layout if it changed.
func (s *SPU) ensureState() []float64 {
	dim := s.model.dim
	if len(s.x) == dim && s.xLayout == dim {
		return s.x
	}
	v := make([]float64, s.n)
	copy(v, s.x) // cell voltages come first in every layout; 0 if new
	s.x = make([]float64, dim)
	s.xLayout = dim
	s.model.initState(s.x, v)
	return s.x
}

// rebuild recomputes the model coefficients after a change.
func (s *SPU) rebuild() {
	if !s.dirty {
		return
	}
	s.mustBeReady()
	R := s.hw.R
	sc := &s.scale
	sc.InputReference = s.hw.DAC.Reference()
	sc.Input = 0
	if s.gInf > 0 {
		sc.Input = sc.Alpha * sc.State * s.gInf / (sc.InputReference * R)
	}
	switch {
	case s.hw.Noise.Kappa0 > 0:
		sc.InjectedPSD = 4 * s.hw.Noise.Kappa0 * sc.Alpha * sc.State * sc.State * s.hw.C / R
	default:
		sc.InjectedPSD = s.hw.Noise.InjectedPSD
	}
	s.model.build(s)
	if s.hw.Noise.Temperature > 0 {
		k := float64(constant.Boltzmann) * s.hw.Noise.Temperature
		sum := 0.0
		for i, gt := range s.model.gtot {
			sum += k * gt / (sc.Alpha * sc.State * sc.State * s.capC[i])
		}
		sc.JohnsonKappa0 = sum / float64(s.n)
	} else {
		sc.JohnsonKappa0 = 0
	}
	s.dirty = false
	s.ensureState()
}

// VoltagesTo writes the cell output voltages (volts) into dst (length N),
// without any converter. For tests and probes.
func (s *SPU) VoltagesTo(dst []float64) {
	if len(dst) != s.n {
		panic("circuit: VoltagesTo: length mismatch")
	}
	copy(dst, s.ensureStateNoBuild())
}

func (s *SPU) ensureStateNoBuild() []float64 {
	if len(s.x) < s.n {
		s.x = make([]float64, s.n)
	}
	return s.x[:s.n]
}

// ReadTo reads every cell through the ADC and writes the readings, in units
// of x (divided by s_x), into dst (length N; an empty dst is resized). It
// draws the ADC noise from the SPU's source. It panics before programming
// and input.
func (s *SPU) ReadTo(dst *mat.VecDense) IOReport {
	s.mustBeReady()
	s.ensurePlanned()
	s.rebuild()
	if dst.IsEmpty() {
		dst.ReuseAsVec(s.n)
	}
	if dst.Len() != s.n {
		panic("circuit: ReadTo: length mismatch")
	}
	rep := IOReport{Time: s.ioTime(s.hw.ADC.ConversionTime)}
	for i := 0; i < s.n; i++ {
		v, c := s.hw.ADC.Read(s.x[i], s.rng)
		if c {
			rep.Clipped++
		}
		dst.SetVec(i, v/s.scale.State)
	}
	return rep
}

// maxAbs returns max|m_ij| and whether every entry is finite. A
// *mat.Dense is read on up to GOMAXPROCS goroutines (as a resistor array is
// programmed), any other matrix through At.
func maxAbs(m mat.Matrix) (float64, bool) {
	r, c := m.Dims()
	if d, ok := m.(*mat.Dense); ok {
		raw := d.RawMatrix()
		return maxAbsRows(r, c, func(lo, hi int) (bm float64, ok bool) {
			ok = true
			for i := lo; i < hi && ok; i++ {
				bm, ok = maxAbsRow(raw.Data[i*raw.Stride:i*raw.Stride+c], bm)
			}
			return bm, ok
		})
	}
	mx := 0.0
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			v := m.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, false
			}
			mx = math.Max(mx, math.Abs(v))
		}
	}
	return mx, true
}

// maxAbsCopy copies m into dst (of m's shape) and returns maxAbs(m). A
// *mat.Dense is read on up to GOMAXPROCS goroutines.
func maxAbsCopy(dst *mat.Dense, m mat.Matrix) (float64, bool) {
	r, c := m.Dims()
	d, ok := m.(*mat.Dense)
	if !ok {
		dst.Copy(m)
		return maxAbs(dst)
	}
	raw, out := d.RawMatrix(), dst.RawMatrix()
	return maxAbsRows(r, c, func(lo, hi int) (bm float64, ok bool) {
		ok = true
		for i := lo; i < hi; i++ {
			row := out.Data[i*out.Stride : i*out.Stride+c]
			if ok {
				bm, ok = maxAbsCopyRow(row, raw.Data[i*raw.Stride:i*raw.Stride+c], bm)
			} else {
				copy(row, raw.Data[i*raw.Stride:i*raw.Stride+c])
			}
		}
		return bm, ok
	})
}

// maxAbsRows runs block over the rows lo … hi−1 of an r×c matrix, in
// blocks on up to GOMAXPROCS goroutines (as a resistor array is
// programmed), and combines what the blocks return (their max|m_ij| and
// whether their entries are finite) into maxAbs's result.
func maxAbsRows(r, c int, block func(lo, hi int) (float64, bool)) (float64, bool) {
	var mu sync.Mutex
	mx, finite := 0.0, true
	arrayParallel(r, arrayBlockRows(c), r*c, func(int) func(lo, hi int) {
		return func(lo, hi int) {
			bm, ok := block(lo, hi)
			mu.Lock()
			mx, finite = math.Max(mx, bm), finite && ok
			mu.Unlock()
		}
	})
	if !finite {
		return 0, false
	}
	return mx, true
}

// maxAbsCopyRow copies row into dst and returns maxAbsRow(row, mx).
func maxAbsCopyRow(dst, row []float64, mx float64) (float64, bool) {
	m := gemm.MaxAbsCopy(dst, row, math.Float64bits(mx))
	if m >= absInf {
		return 0, false
	}
	return math.Float64frombits(m), true
}

// maxAbsRow returns max(mx, max_j |row_j|) for a finite mx ≥ 0 and whether
// every entry of row is finite.
func maxAbsRow(row []float64, mx float64) (float64, bool) {
	if len(row) == 0 {
		return mx, true
	}
	return maxAbsBits(unsafe.Slice((*uint64)(unsafe.Pointer(&row[0])), len(row)), math.Float64bits(mx))
}

// absMask clears the sign bit of a float64's bits. The bits of |x| order
// as the numbers do (IEEE 754 magnitudes are monotonic in their encoding),
// and those of ±Inf and NaN are the largest: from absInf up.
const (
	absMask = 1<<63 - 1
	absInf  = 0x7ff0000000000000
)

// maxAbsBits is maxAbsRow on the bits u of the row, with m the bits of mx:
// integer maxima, no branch per entry.
func maxAbsBits(u []uint64, m uint64) (float64, bool) {
	m0, m1, m2, m3 := m, m, m, m
	j := 0
	for ; j+4 <= len(u); j += 4 {
		u4 := u[j : j+4 : j+4]
		m0, m1, m2, m3 = max(m0, u4[0]&absMask), max(m1, u4[1]&absMask), max(m2, u4[2]&absMask), max(m3, u4[3]&absMask)
	}
	for ; j < len(u); j++ {
		m0 = max(m0, u[j]&absMask)
	}
	m = max(m0, m1, m2, m3)
	if m >= absInf {
		return 0, false
	}
	return math.Float64frombits(m), true
}

// minRealEigen returns the smallest real part of A's eigenvalues. For a
// symmetric A it tries a Cholesky factorization first: success proves
// positive definiteness, and the smallest eigenvalue is then estimated as
// 1/‖A⁻¹‖₂ by inverse iteration.
func minRealEigen(A mat.Matrix) (float64, error) {
	n, _ := A.Dims()
	if sym, ok := asSymmetric(A); ok {
		var ch mat.Cholesky
		if ch.Factorize(sym) {
			v := mat.NewVecDense(n, nil)
			for i := 0; i < n; i++ {
				v.SetVec(i, 1+float64(i%7)/7)
			}
			nrm := 0.0
			for it := 0; it < 50; it++ {
				v.ScaleVec(1/mat.Norm(v, 2), v)
				if err := ch.SolveVecTo(v, v); err != nil {
					break
				}
				nv := mat.Norm(v, 2)
				if math.Abs(nv-nrm) <= 1e-6*nv {
					nrm = nv
					break
				}
				nrm = nv
			}
			if nrm > 0 {
				return 1 / nrm, nil
			}
		}
	}
	var eig mat.Eigen
	if !eig.Factorize(A, mat.EigenNone) {
		return 0, fmt.Errorf("circuit: eigenvalues of A did not converge")
	}
	m := math.Inf(1)
	for _, l := range eig.Values(nil) {
		m = math.Min(m, real(l))
	}
	return m, nil
}

// asSymmetric returns A as a mat.Symmetric if it is exactly symmetric.
func asSymmetric(A mat.Matrix) (mat.Symmetric, bool) {
	if s, ok := A.(mat.Symmetric); ok {
		return s, true
	}
	n, _ := A.Dims()
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			if A.At(i, j) != A.At(j, i) {
				return nil, false
			}
		}
	}
	s := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			s.SetSym(i, j, A.At(i, j))
		}
	}
	return s, true
}
