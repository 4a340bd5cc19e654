package nn

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Test-only curvature solvers. The production ones live in package solver,
// which nn must not import; these are slow dense references for small N.

// dampedGGN returns A = JᵀHJ + λI formed densely.
func dampedGGN(J *mat.Dense, H *mat.SymDense, lambda float64) *mat.SymDense {
	_, n := J.Dims()
	var HJ, F mat.Dense
	HJ.Mul(H, J)
	F.Mul(J.T(), &HJ)
	A := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			// Average the two triangles: F is symmetric up to round-off.
			A.SetSym(i, j, (F.At(i, j)+F.At(j, i))/2)
		}
		A.SetSym(i, i, A.At(i, i)+lambda)
	}
	return A
}

// choleskySolver solves (JᵀHJ + λI) x = g exactly by a dense Cholesky
// factorisation, ignoring start.
type choleskySolver struct{ calls int }

func (s *choleskySolver) SolveTo(dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, _ *mat.VecDense) error {
	s.calls++
	var c mat.Cholesky
	if !c.Factorize(dampedGGN(J, H, lambda)) {
		return fmt.Errorf("test cholesky: not positive definite")
	}
	return c.SolveVecTo(dst, g)
}

// idealOU is a test-only noiseless Ornstein–Uhlenbeck device dx = −(Ax − g)dt
// with A = JᵀHJ + λI, run for T (in units of τ) per solve and propagated
// exactly: x(T) = e^{−AT}(x₀ − A⁻¹g) + A⁻¹g (PHYSICS.md §2), with e^{−AT}
// from the eigendecomposition of A. x₀ is start when given, otherwise the
// previous state (g on the first call): the warm start.
type idealOU struct {
	T     float64
	x     *mat.VecDense
	calls int
}

func (s *idealOU) SolveTo(dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error {
	s.calls++
	A := dampedGGN(J, H, lambda)
	n := A.SymmetricDim()
	x0 := mat.NewVecDense(n, nil)
	switch {
	case start != nil:
		x0.CopyVec(start)
	case s.x != nil:
		x0.CopyVec(s.x)
	default:
		x0.CopyVec(g)
	}
	var eig mat.EigenSym
	if !eig.Factorize(A, true) {
		return fmt.Errorf("test OU: eigendecomposition failed")
	}
	vals := eig.Values(nil)
	var V mat.Dense
	eig.VectorsTo(&V)
	// In the eigenbasis y = Vᵀx, c = Vᵀg: y(T) − y₀ = (e^{−μT} − 1)(y₀ − c/μ).
	// Written as an increment (with expm1) so that T = 0 returns x₀ exactly.
	var y0, c mat.VecDense
	y0.MulVec(V.T(), x0)
	c.MulVec(V.T(), g)
	dy := mat.NewVecDense(n, nil)
	for i, mu := range vals {
		dy.SetVec(i, math.Expm1(-mu*s.T)*(y0.AtVec(i)-c.AtVec(i)/mu))
	}
	var dx mat.VecDense
	dx.MulVec(&V, dy)
	dst.AddVec(x0, &dx)
	if s.x == nil {
		s.x = mat.NewVecDense(n, nil)
	}
	s.x.CopyVec(dst)
	return nil
}
