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

// GramCurvatureSolver is a CurvatureSolver that can use the Gram matrix
// J Jᵀ computed by the caller: a network's Pass forms it from its layer
// structure ([Pass.GramTo]) far more cheaply than the r²N product of a
// dense J, and a solver that needs it (the SPU simulation) then skips its
// own. The natural-gradient optimizers call SolveGramTo instead of SolveTo
// when their solver has it, and reuse the same Gram matrix for the
// reference solve.
type GramCurvatureSolver interface {
	CurvatureSolver
	// SolveGramTo is SolveTo with gram = J Jᵀ (r×r). The result equals
	// SolveTo's to rounding; the solver may ignore gram. It retains
	// nothing.
	SolveGramTo(dst *mat.VecDense, J *mat.Dense, gram, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error
}
