package solver

import "errors"

// Data-dependent failures returned (possibly wrapped) by the solvers. Test
// for them with [errors.Is].
var (
	// ErrNotPositiveDefinite reports that JᵀHJ + λI is not positive
	// definite: Cholesky failed, or CG met a direction p with pᵀAp ≤ 0.
	ErrNotPositiveDefinite = errors.New("solver: system matrix is not positive definite")

	// ErrIndefiniteHessian reports that the output Hessian H has an
	// eigenvalue below −1e-10·max|eig(H)|. The exact-OU device needs a
	// positive semidefinite H (true for cross-entropy and squared error).
	ErrIndefiniteHessian = errors.New("solver: output Hessian is not positive semidefinite")

	// ErrSingular reports an exactly singular matrix (a zero pivot in LU).
	ErrSingular = errors.New("solver: matrix is singular")

	// ErrNotFinite reports NaN or ±Inf in an input or in a computed state,
	// for example an Euler–Maruyama run whose step is beyond the stability
	// limit dt·λ_max(A) < 2.
	ErrNotFinite = errors.New("solver: NaN or Inf")

	// ErrNoConvergence reports that a LAPACK eigenvalue iteration failed.
	ErrNoConvergence = errors.New("solver: eigendecomposition did not converge")
)
