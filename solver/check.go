package solver

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// checkProblem panics unless J is r×N, H is r×r, g has length N, start is
// nil or of length N, dst is empty or of length N, and lambda > 0. It
// sizes an empty dst and returns r and N.
func checkProblem(name string, dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, start *mat.VecDense) (r, n int) {
	if dst == nil || J == nil || H == nil || g == nil {
		panic(fmt.Sprintf("solver: %s: nil dst, J, H or g", name))
	}
	r, n = J.Dims()
	if hr := H.SymmetricDim(); hr != r {
		panic(fmt.Sprintf("solver: %s: H is %d×%d, J has %d rows", name, hr, hr, r))
	}
	if g.Len() != n {
		panic(fmt.Sprintf("solver: %s: len(g) = %d, J has %d columns", name, g.Len(), n))
	}
	if start != nil && start.Len() != n {
		panic(fmt.Sprintf("solver: %s: len(start) = %d, J has %d columns", name, start.Len(), n))
	}
	if dst.IsEmpty() {
		dst.ReuseAsVec(n)
	} else if dst.Len() != n {
		panic(fmt.Sprintf("solver: %s: len(dst) = %d, J has %d columns", name, dst.Len(), n))
	}
	if !(lambda > 0) || math.IsInf(lambda, 1) {
		panic(fmt.Sprintf("solver: %s: lambda = %v, want a finite value > 0", name, lambda))
	}
	return r, n
}

// grow returns s resliced to length n, reallocating only when the capacity
// is too small. The contents are unspecified.
func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// copyVec copies v into the contiguous slice x (len(x) == v.Len()).
func copyVec(x []float64, v *mat.VecDense) {
	rv := v.RawVector()
	if rv.Inc == 1 {
		copy(x, rv.Data[:len(x)])
		return
	}
	for i := range x {
		x[i] = rv.Data[i*rv.Inc]
	}
}

// setVec copies the contiguous slice x into dst (dst.Len() == len(x)).
func setVec(dst *mat.VecDense, x []float64) {
	rv := dst.RawVector()
	if rv.Inc == 1 {
		copy(rv.Data[:len(x)], x)
		return
	}
	for i, v := range x {
		rv.Data[i*rv.Inc] = v
	}
}

// allFinite reports whether x holds no NaN or ±Inf.
func allFinite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// vec wraps a contiguous slice as a blas64.Vector.
func vec(x []float64) blas64.Vector { return blas64.Vector{N: len(x), Inc: 1, Data: x} }

// general wraps a contiguous row-major rows×cols slice.
func general(x []float64, rows, cols int) blas64.General {
	return blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: x}
}

// sub returns the rows×cols block of a starting at (i, j).
func sub(a blas64.General, i, j, rows, cols int) blas64.General {
	if rows == 0 || cols == 0 {
		return blas64.General{Rows: rows, Cols: cols, Stride: a.Stride}
	}
	return blas64.General{Rows: rows, Cols: cols, Stride: a.Stride, Data: a.Data[i*a.Stride+j:]}
}

// jMulVec computes y = J x (trans false, len(x) = N, len(y) = r) or
// y = Jᵀ x (trans true, len(x) = r, len(y) = N).
func jMulVec(y []float64, j blas64.General, trans bool, x []float64) {
	t := blas.NoTrans
	if trans {
		t = blas.Trans
	}
	blas64.Gemv(t, 1, j, vec(x), 0, vec(y))
}
