package solver

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// LU solves a general dense square system Ax = b by LU factorization with
// partial pivoting. It is the exact reference for the direct-architecture
// solver and `tngd solve`. The zero value is ready to use.
type LU struct {
	lu mat.LU
}

// SolveTo writes A⁻¹b into dst (resized if empty; dst may be b). It panics
// if A is not square or b's length differs. It returns an error wrapping
// ErrSingular when A is exactly singular (dst unchanged), and an error
// wrapping the [mat.Condition] when A is ill-conditioned (condition number
// above [mat.ConditionTolerance]); dst then holds the computed but
// inaccurate solution.
func (l *LU) SolveTo(dst *mat.VecDense, A mat.Matrix, b mat.Vector) error {
	m, n := A.Dims()
	if m != n {
		panic(fmt.Sprintf("solver: LU: A is %d×%d, want square", m, n))
	}
	if b.Len() != n {
		panic(fmt.Sprintf("solver: LU: len(b) = %d, A is %d×%d", b.Len(), n, n))
	}
	l.lu.Factorize(A)
	err := l.lu.SolveVecTo(dst, false, b)
	if err == nil {
		return nil
	}
	var cond mat.Condition
	if errors.As(err, &cond) && math.IsInf(float64(cond), 1) {
		// gonum reports a zero pivot as Condition(+Inf), without solving.
		return fmt.Errorf("solver: LU: %w", ErrSingular)
	}
	return fmt.Errorf("solver: LU: %w", err)
}
