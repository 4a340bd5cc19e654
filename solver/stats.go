package solver

// Stats describes the last call to a solver's SolveTo. Each solver returns
// it from its Stats method; fields a solver does not use are zero.
type Stats struct {
	// AnalogTime is the simulated analog time of the call in units of τ
	// (Window.Time + Window.Delay); zero for the digital solvers.
	AnalogTime float64

	// Samples is the number of samples averaged into the readout (1 for
	// a final-sample readout); zero for the digital solvers.
	Samples int

	// Steps is the number of Euler–Maruyama steps ([EulerDevice]).
	Steps int

	// Iterations is the number of CG iterations ([CG]).
	Iterations int

	// Residual is CG's relative residual ‖g − Ax‖/‖g‖ of the returned x, as
	// tracked by the CG recurrence ([CG]). Other solvers leave it zero;
	// compute it with [Residual] when needed.
	Residual float64

	// Converged reports that CG met its tolerance ([CG]).
	Converged bool
}
