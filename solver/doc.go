// Package solver solves the damped natural-gradient system
//
//	(JᵀHJ + λI) x = g
//
// of Thermodynamic Natural Gradient Descent (Donatella et al., arXiv:2405.13817),
// from the r×N output Jacobian J, the r×r output Hessian H (block diagonal,
// positive semidefinite for cross-entropy and squared error, possibly
// singular), the damping λ > 0 and the gradient g, digitally or on a
// simulated thermodynamic device. It also solves general dense systems
// Ax = b ([LU]) as the exact reference of `tngd solve`. It knows no neural
// networks: the same solver serves a training run, a CLI solve and a
// benchmark.
//
// # Solvers
//
// Every solver has the method
//
//	SolveTo(dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error
//
// and so satisfies nn.CurvatureSolver:
//
//   - [Cholesky]: forms F + λI (N×N) and factorizes it; exact, small N only.
//   - [CG]: conjugate gradients on GGN-vector products Jᵀ(H(Jv)) + λv, never
//     forming F; at most MaxIter iterations, relative tolerance, warm start.
//   - [Woodbury]: exact in O(r²N + r³) through the r×r matrix λI + (JJᵀ)H,
//     without inverting H.
//   - [IdealDevice]: the ideal analog device of TNGD, the Ornstein–Uhlenbeck
//     process dx = −(Ax − g)dt + √(2κ₀)dW run for an analog [Window] and
//     read out; simulated exactly in distribution at the cost of one Gram
//     matrix and a few J products, whatever the window length.
//   - [EulerDevice]: the same device by Euler–Maruyama (the paper's method,
//     dt = 0.1τ by default), the reference for tests and timings.
//
// The thermodynamic solver that drives the circuit-level SPU of package
// circuit lives in this package too (thermodynamic*.go).
//
// # Conventions
//
// Start: a non-nil start resets an iterative or analog solver to that vector
// (start = g makes a zero-length window return the SGD direction); nil
// continues from the solver's own state (warm start, Algorithm 1 of the
// paper): CG's previous solution, a device's state at the end of its last
// window; on the first call, after Reset or when N changes, the state is g.
// Exact solvers ignore start.
//
// Time: analog time is in units of the device time constant τ (τ = RC =
// 1 µs in the paper), so the eigenvalues of A = JᵀHJ + λI are rates in
// 1/τ; κ₀ is the paper's normalized noise level (stationary covariance
// κ₀A⁻¹). A [Window] of Time t reads the final sample or the mean of K
// samples after a burn-in, and may keep the device running for a Delay t_d
// on the stale problem before the next one (Fig. 4b of the paper).
//
// Ownership: SolveTo retains no argument. dst may be empty (it is then
// sized) and may be g or start; after a returned error it is unchanged,
// except with a [mat.Condition] error, when it holds the inaccurate
// solution. Solvers keep
// their workspaces between calls, reallocating only when sizes grow, and
// are not safe for concurrent use. [Stats] describes the last call.
//
// Randomness: the devices draw noise only from the *rand.Rand in their Rand
// field (required when Kappa0 > 0), in a documented order, so the same
// seed gives the same result.
//
// Errors: mismatched dimensions, λ ≤ 0 and invalid settings are bugs and
// panic with a "solver: " prefix. Data-dependent failures are returned,
// wrapping the sentinels [ErrNotPositiveDefinite], [ErrIndefiniteHessian],
// [ErrSingular], [ErrNotFinite], [ErrNoConvergence], or a [mat.Condition]
// for an ill-conditioned factorization.
//
// # Costs
//
// With r = 640 (b = 64, dz = 10) and pure-Go gonum on the 2-core development
// machine, the Gram matrix JJᵀ dominates Woodbury and the exact device:
// about 0.8 s at N = 20,000 on an idle machine (tiled, parallel Dgemm). The
// device adds an r×r symmetric eigendecomposition (about 0.4 s, serial)
// and four J products; Euler–Maruyama at h = 0.1τ costs 2·t/h J products.
// The benchmarks in bench_test.go measure all solvers at N = 2,000 and
// 20,000 (the latter skipped with -short); to check the figures above:
//
//	go test ./solver -run '^$' -bench 'Woodbury|IdealDevice' -benchtime 3x
//
// # References
//
//   - Donatella, Duffield, Aifer, Melanson, Crooks, Coles, Thermodynamic
//     Natural Gradient Descent, arXiv:2405.13817 (2024): Algorithm 1,
//     Table 1 (digital baselines), Eq. 12 (Woodbury; its λ⁻¹I should read
//     λ⁻¹v).
//   - Aifer et al., Thermodynamic Linear Algebra, arXiv:2308.05660:
//     time-averaging estimators.
//   - Hestenes and Stiefel, Methods of conjugate gradients for solving
//     linear systems, J. Res. NBS 49 (1952).
//   - Kloeden and Platen, Numerical Solution of Stochastic Differential
//     Equations (1992): Euler–Maruyama.
package solver
