package circuit

import (
	"fmt"
	"github.com/tngd/tngd/internal/gemm"
	"math"
	"math/cmplx"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// The low-rank exact method (MethodLowRank).
//
// # Model
//
// A Factored SPU with memoryless stages and no cell op-amp pole obeys, in
// units of τ (see spuModel),
//
//	dx = (−M x + c) dt + L dW,   M = D + U Vᵀ,
//
// with D = diag(d_i) the cell damping, U = diag(ε)·B (N×r: B the Jᵀ
// array's own dimensionless conductances, ε the cells' 1/capacitance
// factors), Vᵀ = Ĥ·F (r×N: Ĥ the H stage, F the J stage, the J array's
// copy), c the constant input (DAC, offsets), and noise L Lᵀ = Q + U SSᵀ Uᵀ:
// Q = diag(σ_i²) the white current noise of each cell (Johnson, injected,
// op-amp) and S = [Ĥ diag(σ_u), diag(σ_w)] the stage noise, which enters
// through the Jᵀ array. The two J copies differ (independent programming
// errors), so M is not symmetric. MethodLowRank needs D = d·I with d > 0:
// identical capacitors and infinite cell op-amp gain; otherwise
// MethodLowRankETD uses the propagator of d̄I + UVᵀ (d̄ the midrange of the
// d_i) in exponential Euler steps for the remainder (see runLowRank). The
// drift need not be stable: mismatch can push a mode of dI + K past the
// damping.
//
// # Transition
//
// Let K = VᵀU = Ĥ F diag(ε) B (r×r) and K = X Λ X⁻¹ (λ_i, possibly
// complex). For any analytic f, f(dI + UVᵀ) = f(d)I + U X diag((f(d+λ_i) −
// f(d))/λ_i) X⁻¹ Vᵀ (expand (UVᵀ)ⁿ = U Kⁿ⁻¹ Vᵀ), so over a step h, with
// e = e^{−dh} and φ(μ) = (1 − e^{−μh})/μ,
//
//	mean:  x ← e x + φ(d) c + U X [e φ_i x̃_i + ψ_i c̃_i]_i,
//	       x̃ = X⁻¹Vᵀx, c̃ = X⁻¹Vᵀc, φ_i = −φ(λ_i),
//	       ψ_i = (φ(d+λ_i) − φ(d))/λ_i = (d e φ(λ_i) − (1 − e))/(d(d + λ_i)).
//
// The noise of the step has the covariance Σ_h = Σ∞ − e^{−Mh}Σ∞e^{−Mᵀh}
// (PHYSICS.md §4; it holds for any solution Σ∞ of the Lyapunov equation
// M Σ + Σ Mᵀ = L Lᵀ, stationary or not, see lrSolvable), with Σ∞ in the
// closed form
//
//	Σ∞ = Q/(2d) + U Y₁ Uᵀ + U Y₂ Wᵀ + W Y₂ᵀ Uᵀ,   W = Q V,
//	Y₂ = −(2d I + K)⁻¹/(2d),
//	(dI + K) Y₁ + Y₁ (dI + K)ᵀ = SSᵀ − G Y₂ᵀ − Y₂ G,   G = VᵀQV,
//
// (insert into M Σ + Σ Mᵀ = L Lᵀ), which in the coordinates X is
// elementwise: Ỹ_ij = (S̃_ij − G̃_ij(y_i + ȳ_j))/(2d + λ_i + λ̄_j),
// y_i = −1/(2d(2d + λ_i)), G̃ = X⁻¹GX⁻ᴴ, S̃ = X⁻¹SSᵀX⁻ᴴ. Then
//
//	Σ_h = c_d Q + U C_UU Uᵀ + U C_UW Wᵀ + W C_UWᵀ Uᵀ,   c_d = (1 − e²)/(2d),
//
// with C_UW and C_UU elementwise in the coordinates X (see lrProp). The
// noise is drawn as √c_d Q^½ z + U ω with z ~ N(0, I_N) and, given z,
// ω = (C_UW/√c_d) VᵀQ^½ z + ρ, ρ ~ N(0, C_UU − C_UW G C_UWᵀ/c_d): the
// regression of the span(U) part on z, exact because (z, ω) is jointly
// Gaussian. The covariance of ρ (r×r) is factorized by pivoted Cholesky.
//
// So the method is exact in distribution for any h, with no step, for the
// circuit as programmed. Cost per programming: the Gram matrices
// F diag(ε) B (r²N; r²N/2 when the two copies are identical; none when
// the caller gives J Jᵀ, see SPU.SetGram) and F Q Fᵀ (r²N/2; none when
// Q ∝ ε and the copies are identical), an eigendecomposition (symmetric-
// definite when the copies are identical, lrEigenSymDef, else
// non-symmetric, lrEigen) and a few products of r×r matrices, all on the
// blocked kernels of package gemm; per step length: O(r²)
// scalar functions and a Cholesky factorization (r³/3), cached for the
// last lowRankCacheSize lengths; per step: one pass over the J copy (F x
// and F Q^½ z together), one over the Jᵀ array (B ω) and O(r²), without
// allocating.
//
// # Accuracy
//
// The mean is exact to rounding amplified by the condition number of X
// (refused above lowRankMaxCond). The covariance is computed as a
// difference of stationary terms: its absolute error is about ε times the
// stationary covariance, i.e. relative ≈ ε/(dh)² for steps with dh ≪ 1.

// lowRankCacheSize is the number of step lengths whose propagators the
// low-rank method keeps (least recently used replaced): a K-sample readout
// uses three (burn-in, sample interval, delay).
const lowRankCacheSize = 4

// lowRankMaxCond is the largest condition number of the eigenvector matrix
// X that the low-rank method accepts: beyond it the drift is close to
// defective and f(K) = X f(Λ) X⁻¹ loses more than ~1e-4 relative.
const lowRankMaxCond = 1e12

// errLowRank is wrapped by the reasons the low-rank method cannot run.
var errLowRank = fmt.Errorf("%w (low-rank)", ErrMethodUnavailable)

// lowRank is the factorization of one programming for MethodLowRank.
type lowRank struct {
	n, r int

	// Keys of the eigen level.
	gen uint64
	d   float64
	eps []float64
	err error // non-nil: the programming does not admit the method

	lam  []complex128 // eigenvalues λ_i of K
	kind []int8       // 0 real, 1 first (Im > 0) and 2 second of a conjugate pair
	xr   []float64    // r×r real form X_r of the eigenvectors (X = X_r T)
	xinv []float64    // r×r X_r⁻¹
	cond float64      // condition number estimate of X_r (1-norm)
	twin bool         // F = Bᵀ: the two J copies are identical
	sym  bool         // the symmetric-definite path computed X (lrEigenSymDef)
	p    []float64    // r×r P = F diag(ε) B

	// Gram hint (SPU.SetGram): J and J Jᵀ of the programming hintGen.
	hintJ   *mat.Dense
	hintG   mat.Symmetric
	hintGen uint64
	hintC   float64 // F = hintC·J for an exact image (R·Scale.J)
	hintTol float64 // lrHintTol times the full scale of F
	hinted  bool    // the last coupling came from the hint

	// exact: the programming made F = Bᵀ by construction (SPU.jExact);
	// unclipped: and nothing of the J array clipped.
	exact, unclipped bool

	// Noise level, keyed by Q = σ² per cell and the stage noise.
	noiseOK      bool
	q, sigQ      []float64 // σ_i², σ_i per cell
	keySU, keySW []float64
	noisy        bool
	gq, ss       []float64    // r×r G = VᵀQV, S Sᵀ (nil without noise)
	gqLazy       bool         // G = gqScale·Ĥ P Ĥ, formed only when needed
	gqScale      float64      // Q = gqScale·ε
	stageNoisy   bool         // S Sᵀ ≠ 0
	gt, yt       []complex128 // r×r G̃, Ỹ (nil without noise)

	// Input level, keyed by the cell constants and stage offsets.
	inputOK           bool
	keyC0, keyU, keyW []float64
	c                 []float64    // N, constant input
	delta             []float64    // N, d_i − d̄ (nil: uniform damping)
	deltaMax          float64      // max |d_i − d̄|
	vc                []float64    // r, Vᵀc
	ct                []complex128 // r, X⁻¹Vᵀc

	props [lowRankCacheSize]lrProp
	tick  uint64
	par   gemm.Par

	// Work.
	f1, f2, h1, h2, u1, u2, v, om []float64 // r
	f3, h3, u3                    []float64 // r, for Δ⊙x
	zq, bo, dx                    []float64 // N
}

// lrProp is the propagator of one step length h.
type lrProp struct {
	h        float64
	used     uint64
	e, phiD  float64      // e^{−dh}, φ(d)
	sqcd     float64      // √c_d
	a, b, nz []complex128 // multipliers of x̃, c̃, z̃ (per eigenvalue)
	chol     []float64    // r×r lower pivoted Cholesky factor of Cov(v)
	piv      []int
	rank     int
}

// lowRankStructural reports why the low-rank methods cannot model s's
// circuit (nil if they can): they need a Factored SPU with memoryless
// stages, no cell op-amp pole and cell damping d_i > 0. MethodLowRank
// needs moreover identical damping (see lowRankExactOK).
func (s *SPU) lowRankStructural() error {
	m := &s.model
	switch {
	case !m.factored:
		return fmt.Errorf("%w: direct architecture", errLowRank)
	case m.stageDyn:
		return fmt.Errorf("%w: stages with memory (stage_tau or stage GBW)", errLowRank)
	case m.cellPole:
		return fmt.Errorf("%w: cell op-amp pole (cell GBW)", errLowRank)
	}
	for _, d := range m.d {
		if !(d > 0) {
			return fmt.Errorf("%w: no cell damping (λ = 0)", errLowRank)
		}
	}
	return nil
}

// lowRankDamping returns the reference damping d̄ of the low-rank methods,
// the midrange of the cells' d_i (which minimizes max|d_i − d̄|), and that
// largest deviation δ = max|d_i − d̄|, 0 when the d_i agree to 1e-13
// relative (then d̄ = d_0 exactly).
func (m *spuModel) lowRankDamping() (dbar, delta float64) {
	lo, hi := m.d[0], m.d[0]
	for _, d := range m.d {
		lo, hi = min(lo, d), max(hi, d)
	}
	if hi-lo <= 1e-13*hi {
		return m.d[0], 0
	}
	return (lo + hi) / 2, (hi - lo) / 2
}

// lowRankExactOK reports why MethodLowRank (exact) cannot model s's
// circuit, nil if it can: lowRankStructural and identical cell damping.
func (s *SPU) lowRankExactOK() error {
	if err := s.lowRankStructural(); err != nil {
		return err
	}
	if _, delta := s.model.lowRankDamping(); delta > 0 {
		return fmt.Errorf("%w: cell damping differs between cells (capacitor mismatch or finite cell op-amp gain); %v applies", errLowRank, MethodLowRankETD)
	}
	return nil
}

// lowRankFactor returns the factorization of the current programming,
// computing what changed since the last call. It returns an error
// wrapping errLowRank if the programmed drift does not admit the method
// (nearly defective, or a singular Lyapunov equation).
//
// The eigendecomposition (serial LAPACK) runs in its own goroutine while
// this one computes the Gram matrix of the noise and the input on the
// other cores; the two touch disjoint data, so the result does not depend
// on the scheduling.
func (s *SPU) lowRankFactor() (*lowRank, error) {
	if err := s.lowRankStructural(); err != nil {
		return nil, err
	}
	m := &s.model
	lr := s.lowrank
	if lr == nil || lr.n != s.n || lr.r != s.r {
		lr = &lowRank{n: s.n, r: s.r}
		s.lowrank = lr
	}
	dbar, _ := m.lowRankDamping()
	needEig := lr.gen != s.progGen || lr.d != dbar || !slices.Equal(lr.eps, m.eps) || (lr.lam == nil && lr.err == nil)
	if !needEig && lr.err != nil {
		return nil, lr.err
	}
	needNoise := needEig || !lr.noiseOK || !lr.sameNoise(m)
	needInput := needEig || !lr.inputOK || !slices.Equal(lr.keyC0, m.c0) || !slices.Equal(lr.keyU, m.u0) || !slices.Equal(lr.keyW, m.w0) || !lr.sameDelta(m)
	if needNoise || needInput {
		lr.props = [lowRankCacheSize]lrProp{}
	}
	var done chan struct{}
	if needEig {
		lr.exact, lr.unclipped = s.jExact, s.jClipped == 0
		hsym := lr.coupling(m, s.progGen, dbar)
		done = make(chan struct{})
		go func() {
			defer close(done)
			lr.eigen(m, hsym)
		}()
	}
	if needNoise {
		lr.noiseGram(m)
	}
	if needInput {
		lr.input(m)
	}
	if done != nil {
		<-done
	}
	if lr.err != nil {
		return nil, lr.err
	}
	if needNoise {
		lr.noiseCoordinates(m)
	}
	if needInput {
		lr.inputCoordinates()
	}
	return lr, nil
}

// sameDelta reports whether lr.delta is d_i − d̄ of m.
func (lr *lowRank) sameDelta(m *spuModel) bool {
	if lr.delta == nil {
		_, dm := m.lowRankDamping()
		return dm == 0
	}
	for i, d := range m.d {
		if lr.delta[i] != d-lr.d {
			return false
		}
	}
	return true
}

func (lr *lowRank) sameNoise(m *spuModel) bool {
	if !slices.Equal(lr.keySU, m.sigU) || !slices.Equal(lr.keySW, m.sigW) {
		return false
	}
	for i, sg := range m.sigC {
		if lr.sigQ[i] != sg {
			return false
		}
	}
	return true
}

// coupling records the eigen level's keys (the reference damping d̄),
// computes P = F diag(ε) B and returns a copy of Ĥ when the two J copies
// are identical and Ĥ is symmetric (nil otherwise): then P is symmetric
// and the symmetric-definite path applies (lrEigenSymDef).
func (lr *lowRank) coupling(m *spuModel, gen uint64, dbar float64) (hsym []float64) {
	n, r := lr.n, lr.r
	lr.gen, lr.d = gen, dbar
	lr.eps = append(lr.eps[:0], m.eps...)
	lr.err = nil
	lr.noiseOK, lr.inputOK = false, false
	fm, bm, hm := m.F.RawMatrix(), m.B.RawMatrix(), m.Hs.RawMatrix()
	lr.p = grow(lr.p, r*r)
	p := lr.p
	// Identical J copies (no programming error or stuck devices, ideal
	// stage op-amps): P = F diag(ε) Fᵀ is symmetric, half the work, or
	// taken from the Gram hint when F is an exact image of its J. Known
	// from the programming for exact arrays, else found by comparison
	// (lrCopies, which stops at the first difference).
	var jd []float64
	ldj := 0
	if lr.hintJ != nil && lr.hintGen == gen {
		jm := lr.hintJ.RawMatrix()
		jd, ldj = jm.Data, jm.Stride
	}
	var twin, image bool
	if lr.exact {
		// Exact arrays programmed from one copy of J with ideal stages: F =
		// Bᵀ by construction, and F = c·J to rounding without clipping.
		twin, image = true, jd != nil && lr.unclipped
	} else {
		twin, image = lrCopies(fm.Data, fm.Stride, bm.Data, bm.Stride, jd, ldj, lr.hintC, lr.hintTol, r, n)
	}
	lr.twin, lr.hinted = twin, image && lr.gramFromHint(m.eps)
	switch {
	case lr.hinted:
	case lr.twin:
		lrMulTo(p, r, r, r, n, lrOperand{fm.Data, fm.Stride, false}, m.eps, lrOperand{fm.Data, fm.Stride, true}, true)
	default:
		lrMulTo(p, r, r, r, n, lrOperand{fm.Data, fm.Stride, false}, m.eps, lrOperand{bm.Data, bm.Stride, false}, false)
	}
	hsym = nil
	if lr.twin {
		hsym = make([]float64, r*r)
		for i := range r {
			copy(hsym[i*r:(i+1)*r], hm.Data[i*hm.Stride:i*hm.Stride+r])
		}
		for i := 0; i < r && hsym != nil; i++ {
			for j := range i {
				if hsym[i*r+j] != hsym[j*r+i] {
					hsym = nil
					break
				}
			}
		}
	}

	lr.f1, lr.f2, lr.h1, lr.h2 = grow(lr.f1, r), grow(lr.f2, r), grow(lr.h1, r), grow(lr.h2, r)
	lr.u1, lr.u2, lr.v, lr.om = grow(lr.u1, r), grow(lr.u2, r), grow(lr.v, r), grow(lr.om, r)
	lr.zq, lr.bo = grow(lr.zq, n), grow(lr.bo, n)
	return hsym
}

// SetGram gives the SPU the Gram matrix gram = J Jᵀ (r×r, in the units of
// J) of the J just passed to ProgramFactored, computed by the caller more
// cheaply than the r²N product of the arrays (for a neural network, from
// its layer structure). The low-rank method then takes P = F diag(ε) Fᵀ
// from it when the programmed J array is an exact image of J, row by row
// (F_k = c_k J_k to 1e-13 relative: no quantization, programming error,
// stuck device or clipping), its copy Jᵀ is identical and the capacitors
// are; otherwise, or after another programming, the hint is ignored. J and
// gram are retained until the next call: pass nil, nil after the window to
// release them. The results do not depend on the hint beyond rounding.
func (s *SPU) SetGram(J *mat.Dense, gram mat.Symmetric) {
	if J != nil {
		if r, c := J.Dims(); r != s.r || c != s.n || gram.SymmetricDim() != s.r {
			panic(fmt.Sprintf("circuit: SetGram with J %d×%d and a Gram of dimension %d for r = %d, N = %d", r, c, gram.SymmetricDim(), s.r, s.n))
		}
	}
	if s.lowrank == nil || s.lowrank.n != s.n || s.lowrank.r != s.r {
		s.lowrank = &lowRank{n: s.n, r: s.r}
	}
	lr := s.lowrank
	lr.hintJ, lr.hintG, lr.hintGen = J, gram, s.progGen
	lr.hintC = s.hw.R * s.scale.J
	lr.hintTol = lrHintTol * s.hw.R * (s.hw.Arrays.GMax - s.hw.Arrays.GMin)
	if J == nil {
		lr.hintG = nil
	}
}

// lrHintTol is the largest departure |F_ki − c J_ki| of the J array from
// the exact image c·J of the hint's J, relative to the arrays' full scale
// R·(G_max − G_min), at which the hint is used: a few ulps (with
// G_min > 0 the pair difference G⁺ − G⁻ rounds at ε·G_min); quantization
// or programming errors are many orders larger.
const lrHintTol = 1e-13

// gramFromHint fills lr.p = F diag(ε) Fᵀ = ε₀ c² G from the hint
// G = J Jᵀ, for F = c·J and identical ε; it reports false if the ε
// differ.
func (lr *lowRank) gramFromHint(eps []float64) bool {
	r := lr.r
	for _, e := range eps {
		if e != eps[0] {
			return false
		}
	}
	p := lr.p
	f := eps[0] * lr.hintC * lr.hintC
	for k := range r {
		for l := k; l < r; l++ {
			v := f * lr.hintG.At(k, l)
			p[k*r+l], p[l*r+k] = v, v
		}
	}
	return true
}

// lrCopies compares the r×n row-major f (the J array) with the transpose
// of the n×r row-major b (its copy Jᵀ) and, when j is not nil, with c·j (j
// r×n row-major, the J that was programmed): twin reports f = bᵀ exactly,
// image that |f − c·j| ≤ tol everywhere. Blocks of 8 rows of f (one cache
// line of each row of b) are dealt to the cores, so that each array is
// streamed once; the comparison stops at the first difference.
func lrCopies(f []float64, ldf int, b []float64, ldb int, j []float64, ldj int, c, tol float64, r, n int) (twin, image bool) {
	const blk = 8
	blocks := (r + blk - 1) / blk
	nw := lrWorkers(blocks)
	var differ, off atomic.Bool
	off.Store(j == nil)
	var wg sync.WaitGroup
	for id := range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for q := id; q < blocks && !differ.Load(); q += nw {
				k0, k1 := q*blk, min(q*blk+blk, r)
				for i := range n {
					row := b[i*ldb+k0 : i*ldb+k1]
					for k, v := range row {
						if f[(k0+k)*ldf+i] != v {
							differ.Store(true)
							return
						}
					}
				}
				if off.Load() {
					continue
				}
				for k := k0; k < k1; k++ {
					fr, jr := f[k*ldf:k*ldf+n], j[k*ldj:k*ldj+n]
					for i, v := range jr {
						if !(math.Abs(fr[i]-c*v) <= tol) {
							off.Store(true)
							break
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	twin = !differ.Load()
	return twin, twin && !off.Load()
}

// eigen computes the eigendecomposition K = X Λ X⁻¹ of K = Ĥ P, checks
// stability and conditioning, and sets lr.err if the method cannot run.
// With hsym (the symmetric Ĥ of identical J copies) it tries the
// symmetric-definite path first (lrEigenSymDef), else the general one.
func (lr *lowRank) eigen(m *spuModel, hsym []float64) {
	r, d := lr.r, lr.d
	lr.lam = nil
	for _, v := range lr.p {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			lr.err = fmt.Errorf("%w: non-finite coupling", errLowRank)
			return
		}
	}
	wr, wi := make([]float64, r), make([]float64, r)
	lr.xr = grow(lr.xr, r*r)
	lr.xinv = grow(lr.xinv, r*r)
	lr.sym = false
	if hsym != nil {
		if cond, ok := lrEigenSymDef(hsym, lr.p, r, wr, lr.xr, lr.xinv); ok {
			lam := make([]complex128, r)
			lr.kind = slices.Grow(lr.kind[:0], r)[:r]
			for i, v := range wr {
				lam[i], lr.kind[i] = complex(v, 0), 0
			}
			if err := lrSolvable(d, lam); err != nil {
				lr.err = err
				return
			}
			lr.cond = cond
			if !(lr.cond <= lowRankMaxCond) {
				lr.err = fmt.Errorf("%w: coupling nearly defective (eigenvector condition %.3g)", errLowRank, lr.cond)
				return
			}
			lr.lam, lr.sym = lam, true
			return
		}
	}
	hm := m.Hs.RawMatrix()
	k := make([]float64, r*r)
	lrMulTo(k, r, r, r, r, lrOperand{hm.Data, hm.Stride, false}, nil, lrOperand{lr.p, r, false}, false)
	if !lrEigen(k, r, wr, wi, lr.xr) {
		lr.err = fmt.Errorf("%w: eigenvalues of the coupling did not converge", errLowRank)
		return
	}
	lam := make([]complex128, r)
	lr.kind = slices.Grow(lr.kind[:0], r)[:r]
	for i := 0; i < r; i++ {
		lam[i] = complex(wr[i], wi[i])
		lr.kind[i] = 0
		if wi[i] > 0 && i+1 < r {
			lr.kind[i], lr.kind[i+1] = 1, 2
			lam[i+1] = complex(wr[i+1], wi[i+1])
			i++
		}
	}
	if err := lrSolvable(d, lam); err != nil {
		lr.err = err
		return
	}

	// X_r⁻¹ by LU, with a condition estimate.
	copy(lr.xinv, lr.xr)
	xi := blas64.General{Rows: r, Cols: r, Stride: r, Data: lr.xinv}
	work := make([]float64, 4*r)
	anorm := lapack64.Lange(lapack.MaxColumnSum, xi, work)
	ipiv := make([]int, r)
	if !lapack64.Getrf(xi, ipiv) {
		lr.err = fmt.Errorf("%w: defective coupling (singular eigenvectors)", errLowRank)
		return
	}
	lr.cond = 1 / lapack64.Gecon(lapack.MaxColumnSum, xi, anorm, work, make([]int, r))
	if !(lr.cond <= lowRankMaxCond) {
		lr.err = fmt.Errorf("%w: coupling nearly defective (eigenvector condition %.3g)", errLowRank, lr.cond)
		return
	}
	var wq [1]float64
	lapack64.Getri(xi, ipiv, wq[:], -1)
	work = grow(work, int(wq[0]))
	lapack64.Getri(xi, ipiv, work, len(work))
	lr.lam = lam
}

// noiseGram records the noise level's keys and computes the r×r
// G = Ĥ F Q Fᵀ Ĥᵀ and S Sᵀ = Ĥ diag(σ_u²) Ĥᵀ + diag(σ_w²).
func (lr *lowRank) noiseGram(m *spuModel) {
	n, r := lr.n, lr.r
	lr.noiseOK = true
	lr.keySU = append(lr.keySU[:0], m.sigU...)
	lr.keySW = append(lr.keySW[:0], m.sigW...)
	lr.q, lr.sigQ = grow(lr.q, n), grow(lr.sigQ, n)
	cellNoise := false
	for i, sg := range m.sigC {
		lr.sigQ[i] = sg
		lr.q[i] = sg * sg
		cellNoise = cellNoise || sg != 0
	}
	stageNoise := false
	su2 := make([]float64, r)
	for k := range r {
		su2[k] = m.sigU[k] * m.sigU[k]
		stageNoise = stageNoise || m.sigU[k] != 0 || m.sigW[k] != 0
	}
	lr.noisy = cellNoise || stageNoise
	if !lr.noisy {
		lr.gq, lr.ss = nil, nil
		return
	}
	fm, hm := m.F.RawMatrix(), m.Hs.RawMatrix()
	hop := lrOperand{hm.Data, hm.Stride, false}
	hopT := lrOperand{hm.Data, hm.Stride, true}
	lr.gq, lr.ss = grow(lr.gq, r*r), grow(lr.ss, r*r)
	clear(lr.gq)
	clear(lr.ss)
	lr.gqLazy, lr.stageNoisy = false, stageNoise
	if cellNoise {
		if c, ok := lr.noiseMultiple(); ok {
			// F Q Fᵀ = c·F diag(ε) Fᵀ = c·P, already computed: G = c·Ĥ P Ĥᵀ,
			// formed in noiseCoordinates only if the eigendecomposition
			// did not take the symmetric path (then G̃ = c·Λ²).
			lr.gqLazy, lr.gqScale = true, c
		} else {
			gf := make([]float64, r*r)
			lrMulTo(gf, r, r, r, n, lrOperand{fm.Data, fm.Stride, false}, lr.q, lrOperand{fm.Data, fm.Stride, true}, true)
			lr.hpht(lr.gq, hm.Data, hm.Stride, gf)
		}
	}
	if stageNoise {
		lrMulTo(lr.ss, r, r, r, r, hop, su2, hopT, true)
		for k := range r {
			lr.ss[k*r+k] += m.sigW[k] * m.sigW[k]
		}
	}
}

// hpht writes Ĥ A Ĥᵀ (symmetrized) into dst for the r×r symmetric a.
func (lr *lowRank) hpht(dst, h []float64, ldh int, a []float64) {
	r := lr.r
	tmp := make([]float64, r*r)
	lrMulTo(tmp, r, r, r, r, lrOperand{h, ldh, false}, nil, lrOperand{a, r, false}, false)
	lrMulTo(dst, r, r, r, r, lrOperand{tmp, r, false}, nil, lrOperand{h, ldh, true}, false)
	symmetrize(dst, r)
}

// noiseMultiple reports whether Q = c·ε with identical J copies, so that
// F Q Fᵀ = c·P (P = F diag(ε) Fᵀ from coupling): uniform cell noise and
// capacitors, as with injected noise alone.
func (lr *lowRank) noiseMultiple() (float64, bool) {
	if !lr.twin || len(lr.p) == 0 {
		return 0, false
	}
	for i := range lr.q {
		if lr.q[i] != lr.q[0] || lr.eps[i] != lr.eps[0] {
			return 0, false
		}
	}
	return lr.q[0] / lr.eps[0], true
}

// noiseCoordinates computes G̃ = X⁻¹GX⁻ᴴ and Ỹ (see the method). On the
// symmetric path with G = c·Ĥ P Ĥ (lr.gqLazy), G̃ = c·Λ² without a product:
// X⁻¹Ĥ P = Λ X⁻¹ (from K X = X Λ) and X⁻¹ Ĥ X⁻ᵀ = Z⁻¹ S Z⁻ᵀ = Λ.
func (lr *lowRank) noiseCoordinates(m *spuModel) {
	r, d := lr.r, lr.d
	if !lr.noisy {
		lr.gt, lr.yt = nil, nil
		return
	}
	// Ĝ = X_r⁻¹ G X_r⁻ᵀ and Ŝ likewise, then to complex coordinates.
	xinv := lrOperand{lr.xinv, r, false}
	xinvT := lrOperand{lr.xinv, r, true}
	lr.gt, lr.yt = growC(lr.gt, r*r), growC(lr.yt, r*r)
	st := make([]complex128, r*r)
	tmp := make([]float64, r*r)
	out := make([]float64, r*r)
	if lr.gqLazy && !lr.sym {
		hm := m.Hs.RawMatrix()
		gf := make([]float64, r*r)
		for i, v := range lr.p {
			gf[i] = lr.gqScale * v
		}
		lr.hpht(lr.gq, hm.Data, hm.Stride, gf)
	}
	for _, p := range []struct {
		src  []float64
		dst  []complex128
		zero bool // src = 0
		diag bool // dst = c·Λ²
	}{{lr.gq, lr.gt, false, lr.gqLazy && lr.sym}, {lr.ss, st, !lr.stageNoisy, false}} {
		switch {
		case p.zero:
			clear(p.dst)
			continue
		case p.diag:
			clear(p.dst)
			for i, l := range lr.lam {
				p.dst[i*r+i] = complex(lr.gqScale, 0) * l * l
			}
			continue
		}
		lrMulTo(tmp, r, r, r, r, xinv, nil, lrOperand{p.src, r, false}, false)
		lrMulTo(out, r, r, r, r, lrOperand{tmp, r, false}, nil, xinvT, false)
		for i, v := range out {
			p.dst[i] = complex(v, 0)
		}
		lr.toCoordinates(p.dst)
	}
	y := make([]complex128, r)
	for i, l := range lr.lam {
		y[i] = -1 / (complex(2*d, 0) * (complex(2*d, 0) + l))
	}
	for i := range r {
		for j := range r {
			den := complex(2*d, 0) + lr.lam[i] + cmplx.Conj(lr.lam[j])
			lr.yt[i*r+j] = (st[i*r+j] - lr.gt[i*r+j]*(y[i]+cmplx.Conj(y[j]))) / den
		}
	}
}

// input records the input level's keys and computes the constant input
// c = c₀ − ε⊙B(Ĥu₀ + w₀), Vᵀc = Ĥ F c and the damping deviations
// Δ = d_i − d̄ (nil when the damping is uniform).
func (lr *lowRank) input(m *spuModel) {
	n, r := lr.n, lr.r
	lr.inputOK = true
	lr.delta, lr.deltaMax = nil, 0
	if _, dm := m.lowRankDamping(); dm > 0 {
		lr.delta = grow(lr.delta, n)
		for i, d := range m.d {
			lr.delta[i] = d - lr.d
			lr.deltaMax = max(lr.deltaMax, math.Abs(lr.delta[i]))
		}
		lr.dx, lr.f3, lr.h3, lr.u3 = grow(lr.dx, n), grow(lr.f3, r), grow(lr.h3, r), grow(lr.u3, r)
	}
	lr.keyC0 = append(lr.keyC0[:0], m.c0...)
	lr.keyU = append(lr.keyU[:0], m.u0...)
	lr.keyW = append(lr.keyW[:0], m.w0...)
	hm, fm, bm := m.Hs.RawMatrix(), m.F.RawMatrix(), m.B.RawMatrix()
	w := make([]float64, r)
	gemm.RowDotsTo([][]float64{w}, hm.Data, hm.Stride, r, r, [][]float64{m.u0})
	offsets := false
	for k := range w {
		w[k] += m.w0[k]
		offsets = offsets || w[k] != 0
	}
	lr.c = grow(lr.c, n)
	copy(lr.c, m.c0)
	if offsets { // stage offsets: a pass over the Jᵀ array
		bw := make([]float64, n)
		gemm.RowDotsTo([][]float64{bw}, bm.Data, bm.Stride, n, r, [][]float64{w})
		for i := range lr.c {
			lr.c[i] -= m.eps[i] * bw[i]
		}
	}
	fc := make([]float64, r)
	lr.vc = grow(lr.vc, r)
	gemm.RowDotsTo([][]float64{fc}, fm.Data, fm.Stride, r, n, [][]float64{lr.c})
	gemm.RowDotsTo([][]float64{lr.vc}, hm.Data, hm.Stride, r, r, [][]float64{fc})
}

// inputCoordinates computes c̃ = X⁻¹Vᵀc.
func (lr *lowRank) inputCoordinates() {
	r := lr.r
	u := make([]float64, r)
	gemm.RowDotsTo([][]float64{u}, lr.xinv, r, r, r, [][]float64{lr.vc})
	lr.ct = growC(lr.ct, r)
	lr.coords(lr.ct, u)
}

// coords writes into dst the complex coordinates T⁻¹u of the real
// coordinates u = X_r⁻¹v: real eigenvalues keep u_i; a pair (j, j+1) gets
// (u_j ∓ i·u_{j+1})/2.
func (lr *lowRank) coords(dst []complex128, u []float64) {
	for i := 0; i < lr.r; i++ {
		if lr.kind[i] == 1 {
			dst[i] = complex(u[i], -u[i+1]) / 2
			dst[i+1] = complex(u[i], u[i+1]) / 2
			i++
			continue
		}
		dst[i] = complex(u[i], 0)
	}
}

// toCoordinates replaces the r×r a by T⁻¹ a T⁻ᴴ.
func (lr *lowRank) toCoordinates(a []complex128) {
	r := lr.r
	for i := 0; i < r; i++ { // rows: T⁻¹ = ½[[1, −i], [1, i]] per pair
		if lr.kind[i] != 1 {
			continue
		}
		x, y := a[i*r:(i+1)*r], a[(i+1)*r:(i+2)*r]
		for j := range x {
			p, q := x[j], y[j]
			x[j], y[j] = (p-1i*q)/2, (p+1i*q)/2
		}
		i++
	}
	for j := 0; j < r; j++ { // columns: T⁻ᴴ = ½[[1, 1], [i, −i]] per pair
		if lr.kind[j] != 1 {
			continue
		}
		for i := range r {
			p, q := a[i*r+j], a[i*r+j+1]
			a[i*r+j], a[i*r+j+1] = (p+1i*q)/2, (p-1i*q)/2
		}
		j++
	}
}

// fromCoordinates writes into the real r×r dst the real part of T a Tᴴ.
func (lr *lowRank) fromCoordinates(dst []float64, a []complex128) {
	r := lr.r
	for i := 0; i < r; i++ { // rows: T = [[1, 1], [i, −i]] per pair
		if lr.kind[i] != 1 {
			continue
		}
		x, y := a[i*r:(i+1)*r], a[(i+1)*r:(i+2)*r]
		for j := range x {
			p, q := x[j], y[j]
			x[j], y[j] = p+q, 1i*(p-q)
		}
		i++
	}
	for j := 0; j < r; j++ { // columns: Tᴴ = [[1, −i], [1, i]] per pair
		if lr.kind[j] != 1 {
			continue
		}
		for i := range r {
			p, q := a[i*r+j], a[i*r+j+1]
			a[i*r+j], a[i*r+j+1] = p+q, -1i*(p-q)
		}
		j++
	}
	for i, v := range a {
		dst[i] = real(v)
	}
}

// prop returns the propagator of step h, computing it on first use.
func (lr *lowRank) prop(h float64) (*lrProp, error) {
	lr.tick++
	slot := 0
	for i := range lr.props {
		p := &lr.props[i]
		if p.a != nil && math.Abs(p.h-h) <= stepRelTol*h {
			p.used = lr.tick
			return p, nil
		}
		if p.used < lr.props[slot].used {
			slot = i
		}
	}
	p := &lr.props[slot]
	if err := lr.computeProp(p, h); err != nil {
		p.a = nil
		return nil, err
	}
	p.used = lr.tick
	return p, nil
}

// computeProp fills p for step h (see the method's description).
func (lr *lowRank) computeProp(p *lrProp, h float64) error {
	r, d := lr.r, lr.d
	p.h = h
	p.e = math.Exp(-d * h)
	p.phiD = -math.Expm1(-d*h) / d
	cd := -math.Expm1(-2*d*h) / (2 * d)
	p.sqcd = math.Sqrt(cd)
	p.a, p.b, p.nz = growC(p.a, r), growC(p.b, r), growC(p.nz, r)
	e := complex(p.e, 0)
	dc := complex(d, 0)
	phi := make([]complex128, r)   // φ_i = −φ(λ_i)
	alpha := make([]complex128, r) // e_i·y_i
	cuw := make([]complex128, r)
	for i, l := range lr.lam {
		pl := lrPhi(l, h)
		phi[i] = -pl
		p.a[i] = e * phi[i]
		p.b[i] = (dc*e*pl - complex(-math.Expm1(-d*h), 0)) / (dc * (dc + l))
		cuw[i] = (e*e*pl - lrPhi(2*dc+l, h)) / (2 * dc)
		p.nz[i] = cuw[i] / complex(p.sqcd, 0)
		ei := cmplx.Exp(-(dc + l) * complex(h, 0))
		alpha[i] = ei * (-1 / (2 * dc * (2*dc + l)))
	}
	if !lr.noisy {
		p.rank = 0
		return nil
	}
	// Cov of the coordinates: C̃ρ_ij = Ỹ_ij(1 − e_i ē_j) + G̃_ij κ_ij.
	cr := make([]complex128, r*r)
	hc := complex(h, 0)
	for i := range r {
		li := lr.lam[i]
		for j := range r {
			lj := cmplx.Conj(lr.lam[j])
			one := -lrExpm1(-(2*dc + li + lj) * hc) // 1 − e_i ē_j
			pj, aj, cj := cmplx.Conj(phi[j]), cmplx.Conj(alpha[j]), cmplx.Conj(cuw[j])
			kap := -(e*(alpha[i]*pj+phi[i]*aj) + e*e*phi[i]*pj/(2*dc) + cuw[i]*cj/complex(cd, 0))
			cr[i*r+j] = lr.yt[i*r+j]*one + lr.gt[i*r+j]*kap
		}
	}
	p.chol = grow(p.chol, r*r)
	lr.fromCoordinates(p.chol, cr)
	symmetrize(p.chol, r)
	if cap(p.piv) < r {
		p.piv = make([]int, r)
	}
	p.piv = p.piv[:r]
	a := blas64.Symmetric{N: r, Stride: r, Uplo: blas.Lower, Data: p.chol}
	_, rank, _ := lapack64.Pstrf(a, p.piv, -1, make([]float64, 2*r))
	p.rank = rank
	return nil
}

// step advances x (length N) by the propagator p, with the standard
// normal vectors z (length N, cells) and zeta (length ≥ p.rank); both are
// ignored (and may be nil) without noise. With non-uniform damping
// (lr.delta non-nil) it is one exponential Euler step for the remainder
// −Δ⊙x (see MethodLowRankETD): the constant input c becomes c − Δ⊙x.
func (lr *lowRank) step(m *spuModel, p *lrProp, x, z, zeta []float64) {
	n, r := lr.n, lr.r
	fm, hm, bm := m.F.RawMatrix(), m.Hs.RawMatrix(), m.B.RawMatrix()
	noisy := lr.noisy && z != nil
	// Products with Vᵀ = Ĥ F, then X_r⁻¹: x, then σ⊙z, then Δ⊙x.
	xs := [gemm.MaxVec][]float64{x}
	fs := [gemm.MaxVec][]float64{lr.f1}
	hs := [gemm.MaxVec][]float64{lr.h1}
	us := [gemm.MaxVec][]float64{lr.u1}
	nv := 1
	if noisy {
		for i := range lr.zq {
			lr.zq[i] = lr.sigQ[i] * z[i]
		}
		xs[nv], fs[nv], hs[nv], us[nv] = lr.zq, lr.f2, lr.h2, lr.u2
		nv++
	}
	split := lr.delta != nil
	if split {
		for i, dl := range lr.delta {
			lr.dx[i] = dl * x[i]
		}
		xs[nv], fs[nv], hs[nv], us[nv] = lr.dx, lr.f3, lr.h3, lr.u3
		nv++
	}
	lr.par.RowDots(nv, fs, xs, fm.Data, fm.Stride, r, n)
	lr.par.RowDots(nv, hs, fs, hm.Data, hm.Stride, r, r)
	lr.par.RowDots(nv, us, hs, lr.xinv, r, r, r)
	v := lr.v
	coord := func(u []float64, i int) complex128 {
		if lr.kind[i] == 1 {
			return complex(u[i], -u[i+1]) / 2
		}
		return complex(u[i], 0)
	}
	for i := 0; i < r; i++ {
		ct := lr.ct[i]
		if split {
			ct -= coord(lr.u3, i)
		}
		w := p.a[i]*coord(lr.u1, i) + p.b[i]*ct
		if noisy {
			w += p.nz[i] * coord(lr.u2, i)
		}
		if lr.kind[i] == 1 {
			v[i], v[i+1] = 2*real(w), -2*imag(w)
			i++
			continue
		}
		v[i] = real(w)
	}
	if noisy && p.rank > 0 {
		// v += P L ζ (Pᵀ Cov P = L Lᵀ, rank columns).
		for k := range r {
			row := p.chol[k*r : k*r+min(k+1, p.rank)]
			s := 0.0
			for j, l := range row {
				s += l * zeta[j]
			}
			v[p.piv[k]] += s
		}
	}
	lr.par.RowDots(1, [gemm.MaxVec][]float64{lr.om}, [gemm.MaxVec][]float64{v}, lr.xr, r, r, r)
	lr.par.RowDots(1, [gemm.MaxVec][]float64{lr.bo}, [gemm.MaxVec][]float64{lr.om}, bm.Data, bm.Stride, n, r)
	for i := range x {
		c := lr.c[i]
		if split {
			c -= lr.dx[i]
		}
		xi := p.e*x[i] + p.phiD*c + m.eps[i]*lr.bo[i]
		if noisy {
			xi += p.sqcd * lr.zq[i]
		}
		x[i] = xi
	}
}

// lowRankETDTol bounds max|d_i − d̄|·h, the product of the damping spread
// and the substep of MethodLowRankETD: its local error is of that order
// relative to the change of the state within a step, so 1e-3 keeps the
// transient to about 1e-3 relative (the fixed point is exact whatever h).
const lowRankETDTol = 1e-3

// runLowRank advances the state by t units of τ with the low-rank method:
// one exact step with uniform damping, else m exponential Euler steps of
// h = t/m with max|d_i − d̄|·h ≤ lowRankETDTol.
func (s *SPU) runLowRank(t float64, rep *RunReport) error {
	lr, err := s.lowRankFactor()
	if err != nil {
		return err
	}
	steps := 1
	if lr.delta != nil {
		steps = max(1, int(math.Ceil(t*lr.deltaMax/lowRankETDTol-1e-9)))
	}
	h := t / float64(steps)
	p, err := lr.prop(h)
	if err != nil {
		return err
	}
	rep.Step, rep.Steps = h, steps
	for range steps {
		var z, zeta []float64
		if lr.noisy {
			z = grow(s.noiseBuf, s.n+p.rank)
			s.noiseBuf = z
			for i := range z {
				z[i] = s.rng.NormFloat64()
			}
			z, zeta = z[:s.n], z[s.n:]
		}
		lr.step(&s.model, p, s.x[:s.n], z, zeta)
	}
	c, stg := s.model.clipState(s.x)
	rep.Saturated += c
	rep.StageSaturated += stg
	return nil
}

// lrPhi returns φ(μ) = (1 − e^{−μh})/μ (h for μ = 0), accurate for small
// |μh| through expm1.
func lrPhi(mu complex128, h float64) complex128 {
	if mu == 0 {
		return complex(h, 0)
	}
	return -lrExpm1(-mu*complex(h, 0)) / mu
}

// lrExpm1 returns e^z − 1 without cancellation for small |z|:
// Re = expm1(x)·cos y − 2 sin²(y/2), Im = eˣ sin y.
func lrExpm1(z complex128) complex128 {
	x, y := real(z), imag(z)
	if y == 0 {
		return complex(math.Expm1(x), 0)
	}
	sh := math.Sin(y / 2)
	return complex(math.Expm1(x)*math.Cos(y)-2*sh*sh, math.Exp(x)*math.Sin(y))
}

// symmetrize replaces the r×r a by (a + aᵀ)/2.
func symmetrize(a []float64, r int) {
	for i := range r {
		for j := i + 1; j < r; j++ {
			v := (a[i*r+j] + a[j*r+i]) / 2
			a[i*r+j], a[j*r+i] = v, v
		}
	}
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

func growC(s []complex128, n int) []complex128 {
	if cap(s) < n {
		return make([]complex128, n)
	}
	return s[:n]
}

// lowRankSpectrum returns the spectrum of the programmed drift from the
// low-rank factorization, if one is in place for the current programming:
// d̄ + λ_i, and d̄ itself when N > r; exact with uniform damping, else
// widened by the damping spread δ = max|d_i − d̄| and marked not exact
// (the eigenvalues of D + UVᵀ are within cond(X)·δ of those of d̄I + UVᵀ,
// Bauer–Fike).
func (s *SPU) lowRankSpectrum() (Spectrum, bool) {
	lr := s.lowrank
	m := &s.model
	if lr == nil || lr.err != nil || lr.lam == nil || lr.gen != s.progGen || s.lowRankStructural() != nil ||
		!slices.Equal(lr.eps, m.eps) {
		return Spectrum{}, false
	}
	dbar, delta := m.lowRankDamping()
	if lr.d != dbar {
		return Spectrum{}, false
	}
	sp := Spectrum{Min: math.Inf(1), Max: math.Inf(-1), Exact: delta == 0}
	add := func(l complex128) {
		sp.Min = math.Min(sp.Min, real(l))
		sp.Max = math.Max(sp.Max, real(l))
		sp.Radius = math.Max(sp.Radius, cmplx.Abs(l))
	}
	for _, l := range lr.lam {
		add(complex(lr.d, 0) + l)
	}
	if s.n > s.r {
		add(complex(lr.d, 0))
	}
	sp.Min -= delta
	sp.Max += delta
	sp.Radius += delta
	return sp, true
}

// lowRankMinGap is the smallest |2d + λ_i + λ̄_j| (and |2d + λ_i|),
// relative to the largest rate, for which the closed-form covariance is
// used: the Lyapunov equation of the stationary covariance is singular
// when it vanishes (for example a mode with rate exactly 0).
const lowRankMinGap = 1e-9

// lrSolvable reports an error wrapping errLowRank if the noise covariance
// of the drift dI + K (eigenvalues λ of K) cannot be computed in closed
// form: the Lyapunov equation (dI + K)Y + Y(dI + K)ᵀ = R must be uniquely
// solvable, i.e. Re(d + λ_i) + Re(d + λ_j) ≠ 0 and 2d + λ_i ≠ 0. Unstable
// modes (Re(d + λ_i) < 0, a drift that mismatch pushed past the damping)
// are fine: Σ_h = Σ∞ − e^{−Mh}Σ∞e^{−Mᵀh} holds for any solution Σ∞ of the
// Lyapunov equation, stationary or not.
func lrSolvable(d float64, lam []complex128) error {
	scale := d
	re := make([]float64, len(lam))
	for i, l := range lam {
		re[i] = d + real(l)
		scale = max(scale, cmplx.Abs(complex(d, 0)+l))
	}
	tol := lowRankMinGap * scale
	for _, l := range lam {
		if cmplx.Abs(complex(2*d, 0)+l) <= tol {
			return fmt.Errorf("%w: coupling eigenvalue %.3g at −2d", errLowRank, l)
		}
	}
	slices.Sort(re)
	// min |re_i + re_j| over pairs: walk the sorted list from both ends.
	for i, j := 0, len(re)-1; i <= j; {
		sum := re[i] + re[j]
		if math.Abs(sum) <= tol {
			return fmt.Errorf("%w: drift has modes with opposite rates %.3g and %.3g (singular Lyapunov equation)", errLowRank, re[i], re[j])
		}
		if sum < 0 {
			i++
		} else {
			j--
		}
	}
	return nil
}
