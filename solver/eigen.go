package solver

import (
	"math"

	"github.com/tngd/tngd/internal/gemm"
	"github.com/tngd/tngd/internal/symeig"
	"gonum.org/v1/gonum/blas/blas64"
)

// symeigMin is the order from which eigen uses package symeig rather than
// LAPACK's Dsyev, whose QL iterations apply their rotations to the
// eigenvectors on one core: ≈ 3n³ serial flops, 0.25 s at n = 640.
const symeigMin = 32

// orthoOneStep is the departure from orthonormality, max |WᵀW − I|, up
// to which one Newton–Schulz step brings W to rounding (the error after a
// step is about its square); a larger one gets a second step.
const orthoOneStep = 1e-7

// eigen computes in place the eigendecomposition a = W diag(w) Wᵀ of the
// n×n symmetric a (full, row-major): on return the columns of a are the
// orthonormal eigenvectors and w holds the eigenvalues in ascending
// order, as syev. From symeigMin on it uses package symeig (tridiagonal
// reduction, QL eigenvalues, inverse iteration in parallel, checked by
// symeig.Check), whose vectors are orthogonal only to about ε‖a‖/gap;
// they are then made orthonormal to rounding by the Newton–Schulz
// iteration W ← W(3I − WᵀW)/2 toward the polar factor W(WᵀW)^−½ (Higham,
// Functions of Matrices, SIAM 2008, ch. 8), which mixes only vectors of
// nearly equal eigenvalues and so keeps the residual at rounding. Below
// symeigMin, or if the check fails, it is syev.
func (ew *eigenWork) eigen(a blas64.General, w []float64) bool {
	n := a.Rows
	if n < symeigMin || a.Stride != n {
		return ew.syev(a, w)
	}
	nn := n * n
	ew.s, ew.z, ew.g = grow(ew.s, nn), grow(ew.z, nn), grow(ew.g, nn)
	s, z, g := ew.s[:nn], ew.z[:nn], ew.g[:nn]
	copy(s, a.Data[:nn])
	if !symeig.Decompose(a.Data[:nn], n, w, z) || !symeig.Check(s, n, w, z, g) {
		copy(a.Data[:nn], s)
		return ew.syev(a, w)
	}
	// Check left WᵀW in g.
	steps := 1
	if orthoDeparture(g, n) > orthoOneStep {
		steps = 2
	}
	for step := range steps {
		if step > 0 {
			gemm.MulTo(g, n, n, n, n, gemm.Operand{Data: z, Stride: n, Trans: true}, nil, gemm.Operand{Data: z, Stride: n}, true)
		}
		for i := range g {
			g[i] *= -0.5
		}
		for i := range n {
			g[i*n+i] += 1.5
		}
		gemm.MulTo(a.Data[:nn], n, n, n, n, gemm.Operand{Data: z, Stride: n}, nil, gemm.Operand{Data: g, Stride: n}, false)
		copy(z, a.Data[:nn])
	}
	return true
}

// orthoDeparture returns max |g_ij − δ_ij| of the n×n row-major g.
func orthoDeparture(g []float64, n int) float64 {
	dev := 0.0
	for i := range n {
		for j := range n {
			v := g[i*n+j]
			if i == j {
				v--
			}
			dev = max(dev, math.Abs(v))
		}
	}
	return dev
}
