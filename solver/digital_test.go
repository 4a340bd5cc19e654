package solver

import (
	"errors"
	"fmt"
	"math"
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
	rng := newRand(t, 1, 1)
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

// allSolvers returns one of each curvature solver, the devices with a
// long noiseless window (exact up to e^{−60}) so that all agree.
func allSolvers(lambda float64) []struct {
	name string
	s    curvatureSolver
} {
	return []struct {
		name string
		s    curvatureSolver
	}{
		{"Cholesky", &Cholesky{}},
		{"CG", &CG{RelTol: 1e-14}},
		{"Woodbury", &Woodbury{}},
		{"IdealDevice", &IdealDevice{Window: Window{Time: 60 / lambda}}},
		{"EulerDevice", &EulerDevice{Window: Window{Time: 60 / lambda}, Step: 0.05}},
	}
}

// TestAliasingAndStrides: dst may be g; J may be a view with a stride
// larger than N; vectors may be strided column views. Results must equal
// those of plain inputs bit for bit... up to the summation order of the
// strided copies, which is the same, so exactly.
func TestAliasingAndStrides(t *testing.T) {
	rng := newRand(t, 31, 1)
	const r, n = 6, 11
	p := newProblem(rng, r, n, 3, hessCE, 0.5, 2)
	big := mat.NewDense(r+2, n+3, nil)
	view := big.Slice(1, r+1, 2, n+2).(*mat.Dense)
	view.Copy(p.J)
	cols := mat.NewDense(n, 3, nil)
	cols.SetCol(1, p.g.RawVector().Data)
	gView := cols.ColView(1).(*mat.VecDense)
	dstView := cols.ColView(2).(*mat.VecDense)
	for _, s := range allSolvers(p.lambda) {
		t.Run(s.name, func(t *testing.T) {
			var want mat.VecDense
			require.NoError(t, s.s.SolveTo(&want, p.J, p.H, p.lambda, p.g, p.g))

			got := mat.VecDenseCopyOf(p.g)
			require.NoError(t, s.s.SolveTo(got, p.J, p.H, p.lambda, got, got), "dst = g = start")
			assert.Equal(t, want.RawVector().Data, got.RawVector().Data)

			require.NoError(t, s.s.SolveTo(dstView, view, p.H, p.lambda, gView, gView), "strided")
			for i := 0; i < n; i++ {
				assert.Equal(t, want.AtVec(i), dstView.AtVec(i))
			}
			assert.Equal(t, p.g.RawVector().Data, mat.Col(nil, 1, cols), "g unchanged")
		})
	}
}

// TestIndefiniteHessian: with H = −0.1·I and λ = 1, A = λI + JᵀHJ stays
// positive definite when ‖J‖² < 10 (here ‖J‖² ≈ (1 + √(5/9))² ≈ 2.4); Cholesky, CG and Woodbury (LU on
// λI + GH) still solve it. With λ = 0.01 it is indefinite: Cholesky and
// CG report ErrNotPositiveDefinite. The exact device refuses any
// indefinite H.
func TestIndefiniteHessian(t *testing.T) {
	rng := newRand(t, 32, 1)
	const r, n = 5, 9
	p := newProblem(rng, r, n, 1, hessZero, 1, 1)
	for i := 0; i < r; i++ {
		p.H.SetSym(i, i, -0.1)
	}
	want := p.exact(t)
	for _, s := range allSolvers(1)[:3] {
		var x mat.VecDense
		require.NoError(t, s.s.SolveTo(&x, p.J, p.H, 1, p.g, nil), s.name)
		assert.Less(t, relErr(&x, want), 1e-9, s.name)
	}
	for i := 0; i < r; i++ {
		p.H.SetSym(i, i, -10)
	}
	for _, s := range allSolvers(1)[:2] {
		var x mat.VecDense
		assert.ErrorIs(t, s.s.SolveTo(&x, p.J, p.H, 0.01, p.g, nil), ErrNotPositiveDefinite, s.name)
	}
	var x mat.VecDense
	assert.ErrorIs(t, (&IdealDevice{Window: Window{Time: 1}}).SolveTo(&x, p.J, p.H, 1, p.g, nil), ErrIndefiniteHessian)
}

// TestCGWarmStart: CG with c = 3 iterations per call, restarted from its
// previous solution, reduces the A-norm error at every call (each CG run
// minimizes it over a Krylov space containing the start) and converges;
// a non-nil start resets it.
func TestCGWarmStart(t *testing.T) {
	rng := newRand(t, 33, 1)
	p := newProblem(rng, 20, 40, 10, hessCE, 0.1, 2)
	a := p.denseA()
	want := p.exact(t)
	aNormErr := func(x *mat.VecDense) float64 {
		var d, ad mat.VecDense
		d.SubVec(x, want)
		ad.MulVec(a, &d)
		return math.Sqrt(mat.Dot(&d, &ad))
	}
	cg := &CG{MaxIter: 3, RelTol: -1}
	var x mat.VecDense
	require.NoError(t, cg.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
	first := mat.VecDenseCopyOf(&x)
	assert.Equal(t, 3, cg.Stats().Iterations)
	prev := aNormErr(&x)
	for call := 0; call < 60; call++ {
		require.NoError(t, cg.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
		e := aNormErr(&x)
		// Monotone up to round-off once converged (1e-12 relative to the
		// initial error).
		assert.LessOrEqual(t, e, prev+1e-12*aNormErr(p.g), "call %d", call)
		prev = e
	}
	t.Logf("relative error after 61 calls of 3 iterations: %.2g", relErr(&x, want))
	assert.Less(t, relErr(&x, want), 1e-9)
	assert.InDelta(t, Residual(p.J, p.H, p.lambda, p.g, &x), cg.Stats().Residual, 1e-12, "tracked residual")

	require.NoError(t, cg.SolveTo(&x, p.J, p.H, p.lambda, p.g, p.g))
	assert.Equal(t, first.RawVector().Data, x.RawVector().Data, "reset to g repeats the first call")
	cg.Reset()
	require.NoError(t, cg.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
	assert.Equal(t, first.RawVector().Data, x.RawVector().Data, "Reset")
}

// TestCGTolerance: with the default tolerance CG stops once the relative
// residual is below 1e-10, within r + 1 iterations up to round-off, and
// reports it; a zero gradient gives zero without iterating.
func TestCGTolerance(t *testing.T) {
	rng := newRand(t, 34, 1)
	p := newProblem(rng, 10, 50, 5, hessMSE, 0.1, 2)
	cg := &CG{}
	var x mat.VecDense
	require.NoError(t, cg.SolveTo(&x, p.J, p.H, p.lambda, p.g, nil))
	st := cg.Stats()
	assert.True(t, st.Converged)
	assert.LessOrEqual(t, st.Residual, DefaultCGRelTol)
	assert.LessOrEqual(t, st.Iterations, 2*(10+1))
	assert.Less(t, Residual(p.J, p.H, p.lambda, p.g, &x), 10*DefaultCGRelTol)

	zero := mat.NewVecDense(50, nil)
	require.NoError(t, cg.SolveTo(&x, p.J, p.H, p.lambda, zero, p.g))
	assert.Zero(t, mat.Norm(&x, 2))
	assert.Equal(t, Stats{Converged: true}, cg.Stats())
}

func TestLU(t *testing.T) {
	rng := newRand(t, 35, 1)
	const n = 12
	a := mat.NewDense(n, n, nil)
	xTrue := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		xTrue.SetVec(i, rng.NormFloat64())
		for j := 0; j < n; j++ {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	var b mat.VecDense
	b.MulVec(a, xTrue)
	var lu LU
	var x mat.VecDense
	require.NoError(t, lu.SolveTo(&x, a, &b))
	assert.Less(t, relErr(&x, xTrue), 1e-12)

	// Proportional rows: singular in exact arithmetic; in floating point
	// the last pivot is zero or a rounding residue, so either error.
	for j := 0; j < n; j++ {
		a.Set(1, j, 2*a.At(0, j))
	}
	err := lu.SolveTo(&x, a, &b)
	var cond mat.Condition
	assert.True(t, errors.Is(err, ErrSingular) || errors.As(err, &cond), "got %v", err)
	// A zero column gives an exactly zero pivot.
	for i := 0; i < n; i++ {
		a.Set(i, 3, 0)
	}
	assert.ErrorIs(t, lu.SolveTo(&x, a, &b), ErrSingular)
	assert.Panics(t, func() { _ = lu.SolveTo(&x, a.Slice(0, n, 0, n-1), &b) })
}

func TestResidualOfExactSolution(t *testing.T) {
	rng := newRand(t, 36, 1)
	p := newProblem(rng, 6, 10, 3, hessCE, 0.2, 2)
	assert.Less(t, Residual(p.J, p.H, p.lambda, p.g, p.exact(t)), 1e-13)
	assert.InDelta(t, 1, Residual(p.J, p.H, p.lambda, p.g, mat.NewVecDense(10, nil)), 1e-15, "x = 0")
}
