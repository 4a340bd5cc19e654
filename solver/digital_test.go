package solver

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// curvatureSolver is the nn.CurvatureSolver method set (checked against nn
// itself in interface_test.go).
type curvatureSolver interface {
	SolveTo(dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error
}

// digitalCases spans r < N, r = N and r > N, every Hessian kind and a
// range of damping.
var digitalCases = []struct {
	r, n, dz int
	kind     hessianKind
	lambda   float64
}{
	{r: 20, n: 60, dz: 10, kind: hessCE, lambda: 0.1},
	{r: 20, n: 60, dz: 10, kind: hessMSE, lambda: 1e-2},
	{r: 24, n: 50, dz: 24, kind: hessDensePSD, lambda: 0.3},
	{r: 10, n: 40, dz: 5, kind: hessZero, lambda: 2},
	{r: 40, n: 40, dz: 4, kind: hessCE, lambda: 0.05},
	{r: 60, n: 25, dz: 10, kind: hessCE, lambda: 0.1},
	{r: 80, n: 30, dz: 80, kind: hessDensePSD, lambda: 0.5},
	{r: 1, n: 7, dz: 1, kind: hessMSE, lambda: 1},
	{r: 9, n: 1, dz: 3, kind: hessCE, lambda: 0.2},
}

// TestDigitalSolversAgree checks Cholesky, CG and Woodbury against a dense
// LU solve of the explicitly formed A. All three are exact up to
// round-off: with κ(A) ≤ 1e3 here, 1e-9 leaves a wide margin over
// κ·ε ≈ 1e-13 (CG runs to RelTol 1e-14).
func TestDigitalSolversAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range digitalCases {
		t.Run(fmt.Sprintf("r=%d/N=%d/%v/λ=%g", tc.r, tc.n, tc.kind, tc.lambda), func(t *testing.T) {
			p := newProblem(rng, tc.r, tc.n, tc.dz, tc.kind, tc.lambda, 3)
			want := p.exact(t)
			solvers := []struct {
				name string
				s    curvatureSolver
			}{
				{"Cholesky", &Cholesky{}},
				{"CG", &CG{RelTol: 1e-14, MaxIter: 10 * tc.n}},
				{"Woodbury", &Woodbury{}},
			}
			for _, s := range solvers {
				var x mat.VecDense
				require.NoError(t, s.s.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil), s.name)
				assert.Less(t, relErr(&x, want), 1e-9, s.name)
				// A second call reuses the workspaces and must agree.
				x2 := mat.NewVecDense(tc.n, nil)
				require.NoError(t, s.s.SolveTo(x2, p.J, p.H, p.lambda, p.g, p.g), s.name)
				assert.Less(t, relErr(x2, want), 1e-9, s.name+" second call")
			}
		})
	}
}
