package circuit

import (
	"math"
	"math/cmplx"

	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
)

// lrEigen computes the eigenvalues and right eigenvectors of the n×n
// row-major k (destroyed), as LAPACK's Dgeev does without balancing:
// Hessenberg reduction (Dgehrd, Dorghr), the real Schur form
// K = Z T Zᵀ (Dhseqr), then the eigenvectors of the quasi-triangular T by
// back substitution (lrSchurVectors) mapped back by Z with the blocked
// product kernel: the last two steps replace Dtrevc3, three to ten times
// slower here. On return wr, wi hold the eigenvalues (conjugate pairs
// adjacent, positive imaginary part first) and the columns of the
// row-major x the eigenvectors in LAPACK's real form (for a pair j, j+1:
// x_j ± i·x_{j+1}), each real vector or pair of unit Euclidean norm. It
// reports false if the QR algorithm did not converge.
func lrEigen(k []float64, n int, wr, wi, x []float64) bool {
	if n == 1 {
		wr[0], wi[0], x[0] = k[0], 0, 1
		return true
	}
	var impl gonum.Implementation
	tau := make([]float64, n-1)
	var q [1]float64
	impl.Dgehrd(n, 0, n-1, k, n, tau, q[:], -1)
	lw := int(q[0])
	impl.Dorghr(n, 0, n-1, k, n, tau, q[:], -1)
	lw = max(lw, int(q[0]))
	impl.Dhseqr(lapack.EigenvaluesAndSchur, lapack.SchurOrig, n, 0, n-1, k, n, wr, wi, k, n, q[:], -1)
	lw = max(lw, int(q[0]), n)
	work := make([]float64, lw)
	impl.Dgehrd(n, 0, n-1, k, n, tau, work, lw)
	z := make([]float64, n*n)
	copy(z, k)
	impl.Dorghr(n, 0, n-1, z, n, tau, work, lw)
	for i := 2; i < n; i++ {
		clear(k[i*n : i*n+i-1])
	}
	if first := impl.Dhseqr(lapack.EigenvaluesAndSchur, lapack.SchurOrig, n, 0, n-1, k, n, wr, wi, z, n, work, lw); first != 0 {
		return false
	}
	xt := make([]float64, n*n)
	lrSchurVectors(k, n, wr, wi, xt)
	lrMulTo(x, n, n, n, n, lrOperand{z, n, false}, nil, lrOperand{xt, n, false}, false)
	// Normalize each real vector and each pair to unit norm.
	for j := 0; j < n; j++ {
		w := 1
		if wi[j] != 0 {
			w = 2
		}
		s := 0.0
		for i := range n {
			for c := j; c < j+w; c++ {
				s += x[i*n+c] * x[i*n+c]
			}
		}
		if s > 0 {
			s = 1 / math.Sqrt(s)
			for i := range n {
				for c := j; c < j+w; c++ {
					x[i*n+c] *= s
				}
			}
		}
		j += w - 1
	}
	return true
}

// lrSchurVectors writes into the columns of the n×n row-major xt the
// right eigenvectors of the standardized real Schur form t (row-major,
// quasi-upper-triangular with 2×2 blocks for conjugate pairs, as returned
// by Dhseqr) with eigenvalues wr + i·wi, in LAPACK's real form: a real
// eigenvalue's vector in its column, a pair's real and imaginary parts in
// the pair's two columns. Back substitution (Golub & Van Loan, Matrix
// Computations, §7.6.4), with the small-pivot perturbation of Dtrevc
// (|t_ii − λ| ≥ ε|λ|) and rescaling against overflow.
func lrSchurVectors(t []float64, n int, wr, wi, xt []float64) {
	clear(xt)
	const big = 1e100
	eps := 0x1p-52
	smlnum := 0x1p-1022 * float64(n) / eps
	x := make([]complex128, n)
	for k := 0; k < n; k++ {
		lam := complex(wr[k], wi[k])
		smin := max(eps*(math.Abs(wr[k])+math.Abs(wi[k])), smlnum)
		top := k // highest index of the vector's support
		clear(x[:min(k+2, n)])
		if wi[k] == 0 {
			x[k] = 1
		} else {
			// 2×2 block [[a, β], [γ, a]], λ = a + iω, ω = √(−βγ).
			beta, gamma := t[k*n+k+1], t[(k+1)*n+k]
			om := complex(0, wi[k])
			if math.Abs(beta) >= math.Abs(gamma) {
				x[k], x[k+1] = 1, om/complex(beta, 0)
			} else {
				x[k], x[k+1] = om/complex(gamma, 0), 1
			}
			top = k + 1
		}
		for i := k - 1; i >= 0; {
			if i > 0 && t[i*n+i-1] != 0 {
				// Rows i−1, i form a 2×2 block.
				r1 := -lrDotC(t[(i-1)*n+i+1:(i-1)*n+top+1], x[i+1:top+1])
				r2 := -lrDotC(t[i*n+i+1:i*n+top+1], x[i+1:top+1])
				a11 := complex(t[(i-1)*n+i-1], 0) - lam
				a12 := complex(t[(i-1)*n+i], 0)
				a21 := complex(t[i*n+i-1], 0)
				a22 := complex(t[i*n+i], 0) - lam
				det := a11*a22 - a12*a21
				if cmplx.Abs(det) < smin*smin {
					det = complex(smin*smin, 0)
				}
				x[i-1] = (r1*a22 - a12*r2) / det
				x[i] = (a11*r2 - a21*r1) / det
				if cmplx.Abs(x[i-1]) > big || cmplx.Abs(x[i]) > big {
					lrScaleC(x[:top+1], 1/big)
				}
				i -= 2
			} else {
				r := -lrDotC(t[i*n+i+1:i*n+top+1], x[i+1:top+1])
				den := complex(t[i*n+i], 0) - lam
				if cmplx.Abs(den) < smin {
					den = complex(smin, 0)
				}
				x[i] = r / den
				if cmplx.Abs(x[i]) > big {
					lrScaleC(x[:top+1], 1/big)
				}
				i--
			}
		}
		if wi[k] == 0 {
			for i := 0; i <= top; i++ {
				xt[i*n+k] = real(x[i])
			}
			continue
		}
		for i := 0; i <= top; i++ {
			xt[i*n+k] = real(x[i])
			xt[i*n+k+1] = imag(x[i])
		}
		k++
	}
}

// lrDotC returns Σ a_j·x_j for real a and complex x.
func lrDotC(a []float64, x []complex128) complex128 {
	x = x[:len(a)]
	var re, im float64
	for j, v := range a {
		re += v * real(x[j])
		im += v * imag(x[j])
	}
	return complex(re, im)
}

func lrScaleC(x []complex128, s float64) {
	for j := range x {
		x[j] *= complex(s, 0)
	}
}
