package solver

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// DefaultCGRelTol is the relative residual tolerance of a [CG] whose
// RelTol is zero.
const DefaultCGRelTol = 1e-10

// CG solves (JᵀHJ + λI)x = g by the conjugate-gradient method on
// GGN-vector products Ax = Jᵀ(H(Jx)) + λx, never forming F = JᵀHJ (the
// "NGD-CG" row of Table 1 of Donatella et al., arXiv:2405.13817; Hestenes
// and Stiefel 1952). Each iteration costs one J product, one Jᵀ product
// and one H product: O(rN + r²) time, O(N + r) memory.
//
// Starting point: a non-nil start in SolveTo; with start nil, the previous
// solution (warm start), or g on the first call or after [CG.Reset] or a
// change of N. Iteration stops when ‖g − Ax‖ ≤ RelTol·‖g‖ or after
// MaxIter iterations, whichever comes first; hitting MaxIter is not an
// error ([Stats].Converged reports it). In exact arithmetic CG converges
// in at most (number of distinct eigenvalues of A) ≤ r + 1 iterations.
//
// The zero value is ready to use: MaxIter N, RelTol [DefaultCGRelTol].
// A CG keeps its workspaces and its last solution between calls; it is
// not safe for concurrent use.
type CG struct {
	// MaxIter is the iteration budget c; zero means N.
	MaxIter int `toml:"max_iter"`

	// RelTol is the relative residual tolerance; zero means
	// DefaultCGRelTol, a negative value disables the test, so that
	// exactly MaxIter iterations run (the paper's fixed-c NGD-CG) unless
	// the residual vanishes.
	RelTol float64 `toml:"rel_tol"`

	x, res, p, ap []float64 // length N
	u, w          []float64 // length r
	warm          bool
	stats         Stats
}

// Reset forgets the warm-start state: the next call with a nil start
// begins from g.
func (c *CG) Reset() { c.warm = false }

// Stats returns the iterations, residual and convergence of the last call.
func (c *CG) Stats() Stats { return c.stats }

// SolveTo writes the CG estimate of (JᵀHJ + λI)⁻¹ g into dst and keeps it
// as the next warm start. dst may be g or start. It panics on mismatched
// dimensions, lambda ≤ 0 or a negative MaxIter; it returns an error
// wrapping ErrNotPositiveDefinite if a search direction p has pᵀAp ≤ 0
// (H indefinite), and ErrNotFinite for NaN or Inf in the iterates, leaving
// dst unchanged in both cases.
func (c *CG) SolveTo(dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error {
	r, n := checkProblem("CG", dst, J, H, lambda, g, start)
	if c.MaxIter < 0 {
		panic(fmt.Sprintf("solver: CG: MaxIter = %d, want ≥ 0", c.MaxIter))
	}
	maxIter := c.MaxIter
	if maxIter == 0 {
		maxIter = n
	}
	tol := c.RelTol
	if tol == 0 {
		tol = DefaultCGRelTol
	}
	if len(c.x) != n {
		c.warm = false
	}
	c.x = grow(c.x, n)
	c.res = grow(c.res, n)
	c.p = grow(c.p, n)
	c.ap = grow(c.ap, n)
	c.u = grow(c.u, r)
	c.w = grow(c.w, r)
	x, res, p, ap := c.x, c.res, c.p, c.ap
	jm, hm := J.RawMatrix(), H.RawSymmetric()

	// mulA computes ap = (JᵀHJ + λI) v.
	mulA := func(ap, v []float64) {
		jMulVec(c.u, jm, false, v)
		blas64.Symv(1, hm, vec(c.u), 0, vec(c.w))
		jMulVec(ap, jm, true, c.w)
		floats.AddScaled(ap, lambda, v)
	}

	copyVec(res, g) // res holds g until the initial residual is formed
	gnorm := floats.Norm(res, 2)
	switch {
	case start != nil:
		copyVec(x, start)
	case !c.warm:
		copy(x, res)
	}
	c.warm = false // until this call succeeds
	c.stats = Stats{}
	if gnorm == 0 {
		// The solution is 0 exactly; CG's relative test would never pass.
		clear(x)
		c.stats = Stats{Converged: true}
		c.warm = true
		setVec(dst, x)
		return nil
	}

	mulA(ap, x)
	floats.Sub(res, ap) // res = g − A x
	copy(p, res)
	rr := floats.Dot(res, res)
	stop := tol * gnorm
	if tol < 0 {
		stop = 0
	}
	it := 0
	for ; it < maxIter && math.Sqrt(rr) > stop; it++ {
		mulA(ap, p)
		pap := floats.Dot(p, ap)
		if !(pap > 0) {
			if math.IsNaN(pap) || math.IsInf(pap, 0) {
				return fmt.Errorf("solver: CG: iteration %d: %w", it, ErrNotFinite)
			}
			return fmt.Errorf("solver: CG: iteration %d: pᵀAp = %g: %w", it, pap, ErrNotPositiveDefinite)
		}
		alpha := rr / pap
		floats.AddScaled(x, alpha, p)
		floats.AddScaled(res, -alpha, ap)
		rrNew := floats.Dot(res, res)
		beta := rrNew / rr
		rr = rrNew
		// p = res + β p
		for i, v := range res {
			p[i] = v + beta*p[i]
		}
	}
	if !allFinite(x) || math.IsNaN(rr) {
		return fmt.Errorf("solver: CG: %w", ErrNotFinite)
	}
	rel := math.Sqrt(rr) / gnorm
	c.stats = Stats{Iterations: it, Residual: rel, Converged: math.Sqrt(rr) <= tol*gnorm}
	c.warm = true
	setVec(dst, x)
	return nil
}
