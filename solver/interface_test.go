package solver_test

import (
	"github.com/tngd/tngd/nn"
	"github.com/tngd/tngd/solver"
)

// Every solver of this package serves nn's optimizers.
var (
	_ nn.CurvatureSolver = (*solver.Cholesky)(nil)
	_ nn.CurvatureSolver = (*solver.CG)(nil)
	_ nn.CurvatureSolver = (*solver.Woodbury)(nil)
	_ nn.CurvatureSolver = (*solver.IdealDevice)(nil)
	_ nn.CurvatureSolver = (*solver.EulerDevice)(nil)
)
