package solver

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tngd/tngd/internal/gemm"
	"gonum.org/v1/gonum/mat"
)

// IdealDevice is the ideal thermodynamic device of TNGD without a circuit:
// the Ornstein–Uhlenbeck process
//
//	dx = −(A x − g) dt + √(2κ₀) dW,  A = JᵀHJ + λI,
//
// run for an analog [Window] from the start or warm state and read out, as
// in Algorithm 1 of Donatella et al., arXiv:2405.13817. Time is in units
// of the device time constant τ, so that A's eigenvalues are rates in 1/τ.
// The stationary law is N(A⁻¹g, κ₀A⁻¹); the mean transient is
// e^{−At}(x₀ − A⁻¹g) + A⁻¹g: t = 0 returns the start (the SGD step for
// start = g) and t → ∞ with κ₀ = 0 gives the natural gradient A⁻¹g.
//
// # Method
//
// The simulation is exact in distribution, with no time step, at the cost
// of one Gram matrix and a few J products per call, independent of the
// window length and of the number of samples. A acts as λI outside the
// row space of J and as λI + JᵀHJ inside it, so for every function f,
//
//	f(A) = f(λ)I + Jᵀ R W diag((f(λ + θᵢ) − f(λ))/θᵢ) Wᵀ R J,
//
// where R = H^½ (H positive semidefinite; blockwise when H is block
// diagonal) and R G R = W diag(θ) Wᵀ with G = J Jᵀ (r×r). This follows
// from (JᵀHJ)ⁿ = Jᵀ R (R G R)ⁿ⁻¹ R J and needs no inverse of H, G or J, so
// rank-deficient J and singular H need no special care. Each eigen-
// coordinate (rate μ = λ + θᵢ, or λ outside the row space) is a scalar OU
// process whose window — burn-in, K samples, delay — is one affine
// Gaussian map computed in closed form (see oucoef.go). The readout and
// the end state are jointly Gaussian given the start; they are drawn from
// two standard normal vectors z₁, z₂ ∈ Rᴺ mapped through f(A) for the
// entries of the Cholesky factor of their 2×2 covariance per rate.
//
// Cost per call: O(r²N) for G (none when the caller gives it, see
// [IdealDevice.SolveGramTo]), O(r³) (O(r·block²) for the square root of
// a block-diagonal H) for the eigendecompositions, and one J·(N×4) and one
// Jᵀ·(r×2) product.
//
// # Use
//
// The zero value is a device with a zero-length window and no noise; set
// the fields in a literal. Rand must be non-nil when Kappa0 > 0; it is
// drawn from only then, and only for a window of positive length: N
// normals for z₁, then N for z₂ when the readout differs from the end
// state (Samples > 1 or Delay > 0), so the same seed gives the same
// result. A device keeps its state between calls (warm start) and its
// workspaces; it is not safe for concurrent use.
type IdealDevice struct {
	// Window is the analog window, in units of τ.
	Window Window `toml:"window"`

	// Kappa0 is the noise level κ₀ ≥ 0 (the paper's normalized units;
	// stationary covariance κ₀A⁻¹). Zero gives the deterministic mean.
	Kappa0 float64 `toml:"kappa0"`

	// Rand is the source of the device noise; required if Kappa0 > 0.
	Rand *rand.Rand `toml:"-"`

	x     []float64 // warm state, length N
	warm  bool
	stats Stats

	gm, rm, t1, sm, rw []float64 // r×r: G, R = H^½, G R, R G R then W, R W
	theta              []float64 // eigenvalues θ of R G R
	ends               []int
	ew                 eigenWork
	blk, blkw          []float64
	v, out             []float64 // 4 inputs (g, x₀, z₁, z₂), 2 outputs, of length N
	u, c, d            []float64 // 4 of length r: J·v, (RW)ᵀJ·v; 2: φ-weighted
	coef               []readCoef
}

// Reset forgets the warm state: the next call with a nil start begins
// from g.
func (dv *IdealDevice) Reset() { dv.warm = false }

// Stats returns the analog time and sample count of the last call.
func (dv *IdealDevice) Stats() Stats { return dv.stats }

// State returns a copy of the device state x (the state at the end of the
// last window and its delay), or nil before the first call.
func (dv *IdealDevice) State() []float64 {
	if !dv.warm {
		return nil
	}
	return append([]float64(nil), dv.x...)
}

// thetaCutoff is the relative size below which an eigenvalue θ of R G R
// is treated as zero: its direction contributes |f(λ+θ) − f(λ)| ≤ |f′|θ,
// below round-off, and dividing by such θ would amplify rounding in the
// computed eigenvectors.
const thetaCutoff = 1e-14

// SolveTo runs the device for one window on (JᵀHJ + λI, g) and writes the
// readout into dst: the final sample, or the mean of Window.Samples
// samples. start non-nil resets the device to start; nil continues from
// the device state (g on the first call, after [IdealDevice.Reset] or a
// change of N). The device then holds the state at the end of the window
// and delay. dst may be g or start.
//
// It panics on mismatched dimensions, lambda ≤ 0, an invalid Window, a
// negative or non-finite Kappa0, or a nil Rand with Kappa0 > 0. It
// returns an error wrapping ErrIndefiniteHessian if H is not positive
// semidefinite, ErrNoConvergence if an eigendecomposition fails and
// ErrNotFinite for NaN or Inf in the result; the device state and dst are
// unchanged then.
func (dv *IdealDevice) SolveTo(dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error {
	return dv.SolveGramTo(dst, J, nil, H, lambda, g, start)
}

// SolveGramTo is SolveTo with gram = J Jᵀ (r×r) computed by the caller
// (for a network, from its layer structure: nn.Pass.GramTo), used in
// place of the device's own r²N product, which otherwise dominates a
// call; the result equals SolveTo's to rounding, and a nil gram is
// SolveTo. gram is not checked against J, and nothing of it is retained.
// It satisfies nn.GramCurvatureSolver.
func (dv *IdealDevice) SolveGramTo(dst *mat.VecDense, J *mat.Dense, gram, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error {
	r, n := checkProblem("IdealDevice", dst, J, H, lambda, g, start)
	if gram != nil && gram.SymmetricDim() != r {
		panic(fmt.Sprintf("solver: IdealDevice: Gram matrix of order %d for %d rows of J", gram.SymmetricDim(), r))
	}
	w := dv.Window
	if err := w.Validate(); err != nil {
		panic(err.Error())
	}
	if !(dv.Kappa0 >= 0) || math.IsInf(dv.Kappa0, 1) {
		panic(fmt.Sprintf("solver: IdealDevice: Kappa0 = %v, want a finite value ≥ 0", dv.Kappa0))
	}
	noisy := dv.Kappa0 > 0
	if noisy && dv.Rand == nil {
		panic("solver: IdealDevice: nil Rand with Kappa0 > 0")
	}
	if len(dv.x) != n {
		dv.warm = false
	}
	dv.x = grow(dv.x, n)
	dv.stats = Stats{AnalogTime: w.Time + w.Delay, Samples: w.samples()}

	// The inputs as m vectors of length N: g, x₀, z₁, z₂. The readout and
	// the end state coincide without samples or delay.
	twoOut := w.samples() > 1 || w.Delay > 0
	m := 2
	if noisy {
		m = 3
		if twoOut {
			m = 4
		}
	}
	dv.v = grow(dv.v, n*4)
	v := columns(dv.v, n, m)
	for i := range n {
		v[0][i] = g.AtVec(i)
	}
	switch {
	case start != nil:
		for i := range n {
			v[1][i] = start.AtVec(i)
		}
	case dv.warm:
		copy(v[1], dv.x)
	default:
		copy(v[1], v[0])
	}
	if w.Time == 0 && w.Delay == 0 {
		// Nothing evolves: readout and state are the start.
		copy(dv.x, v[1])
		dv.warm = true
		setVec(dst, dv.x)
		return nil
	}
	for _, z := range v[2:] {
		for i := range z {
			z[i] = dv.Rand.NormFloat64()
		}
	}
	out, err := dv.run(J, gram, H, lambda, v, noisy, twoOut)
	if err != nil {
		return fmt.Errorf("solver: IdealDevice: %w", err)
	}
	copy(dv.x, out[len(out)-1]) // the end state
	dv.warm = true
	setVec(dst, out[0])
	return nil
}

// columns returns m consecutive vectors of length n of buf.
func columns(buf []float64, n, m int) [][]float64 {
	c := make([][]float64, m)
	for k := range c {
		c[k] = buf[k*n : (k+1)*n]
	}
	return c
}

// run propagates the inputs v (m vectors of length N: g, x₀ and, when
// noisy, z₁ and, when twoOut, z₂) through one window and returns the
// readout and, when twoOut, the end state, as vectors of length N in a
// workspace. gram is J Jᵀ or nil.
func (dv *IdealDevice) run(J *mat.Dense, gram, H *mat.SymDense, lambda float64, v [][]float64, noisy, twoOut bool) ([][]float64, error) {
	w := dv.Window
	r, n := J.Dims()
	if err := dv.factorize(J, gram, H, r); err != nil {
		return nil, err
	}

	// Per-rate coefficients: index 0 is λ (the complement of the row
	// space), index 1+i is λ + θᵢ.
	if cap(dv.coef) < r+1 {
		dv.coef = make([]readCoef, r+1)
	}
	coef := dv.coef[:r+1]
	coef[0] = windowCoef(w, lambda, dv.Kappa0)
	thetaMax := 0.0
	for _, th := range dv.theta {
		thetaMax = max(thetaMax, th)
	}
	for i, th := range dv.theta {
		if th <= thetaCutoff*thetaMax {
			coef[1+i] = coef[0] // f(λ+θ) − f(λ) := 0
			continue
		}
		coef[1+i] = windowCoef(w, lambda+th, dv.Kappa0)
	}

	// c = (RW)ᵀ J v: coordinates of the inputs in the row space. The
	// products with J read it once each, on all cores.
	jm := J.RawMatrix()
	m := len(v)
	dv.u = grow(dv.u, r*4)
	dv.c = grow(dv.c, r*4)
	dv.d = grow(dv.d, r*2)
	u, c := columns(dv.u, r, m), columns(dv.c, r, m)
	gemm.RowDotsTo(u, jm.Data, jm.Stride, r, n, v)
	gemm.RowCombTo(c, dv.rw, r, r, r, u)

	// d[i] = Σ_inputs φ(θᵢ)·c[i] for each output, φ = (f(λ+θ) − f(λ))/θ.
	nOut := 1
	if twoOut {
		nOut = 2
	}
	d := columns(dv.d, r, nOut)
	c0 := coef[0]
	for i, th := range dv.theta {
		k := coef[1+i]
		var z1, z2, dz1, dz2 float64
		if noisy {
			z1 = c[2][i]
			dz1 = (k.l00 - c0.l00) * z1
		}
		d[0][i] = divideTheta((k.bR-c0.bR)*c[0][i]+(k.aR-c0.aR)*c[1][i]+dz1, th)
		if twoOut {
			if noisy {
				z2 = c[3][i]
				dz2 = (k.l10-c0.l10)*z1 + (k.l11-c0.l11)*z2
			}
			d[1][i] = divideTheta((k.bS-c0.bS)*c[0][i]+(k.aS-c0.aS)*c[1][i]+dz2, th)
		}
	}
	// out = Jᵀ (RW) d + (coefficients at λ)·v.
	dv.out = grow(dv.out, n*2)
	e := u[:nOut] // u is free again
	out := columns(dv.out, n, nOut)
	gemm.RowDotsTo(e, dv.rw, r, r, r, d)
	gemm.RowCombTo(out, jm.Data, jm.Stride, r, n, e)
	for i := range n {
		out[0][i] += c0.bR*v[0][i] + c0.aR*v[1][i]
		if noisy {
			out[0][i] += c0.l00 * v[2][i]
		}
		if twoOut {
			out[1][i] += c0.bS*v[0][i] + c0.aS*v[1][i]
			if noisy {
				out[1][i] += c0.l10*v[2][i] + c0.l11*v[3][i]
			}
		}
	}
	for _, o := range out {
		if !allFinite(o) {
			return nil, ErrNotFinite
		}
	}
	return out, nil
}

// divideTheta returns num/θ, or 0 for θ at or below the cutoff (windowCoef
// was then given λ itself, so num is 0 too).
func divideTheta(num, th float64) float64 {
	if num == 0 {
		return 0
	}
	return num / th
}

// factorize computes G = J Jᵀ (or copies gram, when not nil), R = H^½,
// the eigendecomposition R G R = W diag(θ) Wᵀ and R W into the
// workspaces.
func (dv *IdealDevice) factorize(J *mat.Dense, gram, H *mat.SymDense, r int) error {
	jm, hm := J.RawMatrix(), H.RawSymmetric()
	for _, p := range []*[]float64{&dv.gm, &dv.rm, &dv.t1, &dv.sm, &dv.rw} {
		*p = grow(*p, r*r)
	}
	dv.theta = grow(dv.theta, r)
	gm, rm, t1, sm, rw := general(dv.gm, r, r), general(dv.rm, r, r), general(dv.t1, r, r), general(dv.sm, r, r), general(dv.rw, r, r)

	if gram != nil {
		gr := gram.RawSymmetric()
		for i := range r {
			copy(gm.Data[i*r+i:(i+1)*r], gr.Data[i*gr.Stride+i:i*gr.Stride+r])
		}
		mirrorUpper(gm)
	} else {
		gramTo(gm, jm)
	}
	dv.ends = blockEnds(dv.ends, hm)
	bmax, s := 0, 0
	for _, e := range dv.ends {
		bmax = max(bmax, e-s)
		s = e
	}
	dv.blk = grow(dv.blk, bmax*bmax)
	dv.blkw = grow(dv.blkw, bmax)
	if err := sqrtBlocks(rm, hm, dv.ends, &dv.ew, dv.blk, dv.blkw); err != nil {
		return err
	}
	mulBlockRight(t1, gm, rm, dv.ends) // G R
	mulBlockLeft(sm, rm, t1, dv.ends)  // R G R
	if !allFinite(sm.Data) {
		return ErrNotFinite
	}
	if !dv.ew.eigen(sm, dv.theta) { // sm now holds W
		return ErrNoConvergence
	}
	mulBlockLeft(rw, rm, sm, dv.ends) // R W
	return nil
}
