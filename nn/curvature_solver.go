package nn

import "gonum.org/v1/gonum/mat"

// CurvatureSolver returns estimates of the damped natural gradient
// (JᵀHJ + λI)⁻¹ g. The digital references and the thermodynamic solver of
// package solver satisfy it; nn knows nothing of how the estimate is made.
type CurvatureSolver interface {
	// SolveTo writes into dst (length N) an estimate of (JᵀHJ + λI)⁻¹ g.
	// J is the r×N output Jacobian (r = batch·outputs), H the r×r output
	// Hessian (block diagonal, batch mean folded in), lambda > 0 the damping
	// and g the gradient (length N).
	//
	// start selects where an iterative or analog solver begins: a non-nil
	// start resets it to that vector (for TNGD, start = g gives the SGD step
	// at zero analog time); nil continues from the solver's own state (warm
	// start: its previous estimate, or g on the first call). Exact solvers
	// ignore it. SolveTo retains no argument. It returns an error only for
	// data-dependent failures (a singular system, NaN in the state);
	// mismatched dimensions are a bug and panic.
	SolveTo(dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error
}
