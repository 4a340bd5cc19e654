package circuit

import (
	"math"
	"math/cmplx"
	"sync"

	"github.com/tngd/tngd/internal/gemm"
	"github.com/tngd/tngd/internal/symeig"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
)

// lrEigenSchur computes the eigenvalues and right eigenvectors of the n×n
// row-major k (destroyed), as LAPACK's Dgeev does without balancing:
// Hessenberg reduction K = Q H Qᵀ (Dgehrd; Q formed by Dorghr on another
// goroutine meanwhile), the real Schur form H = Z T Zᵀ (Dhseqr), then the
// eigenvectors of the quasi-triangular T by back substitution
// (lrSchurVectors) mapped back by Q·Z with the blocked product kernel: the
// last two steps replace Dtrevc3, three to ten times slower here. On
// return wr, wi hold the eigenvalues (conjugate pairs adjacent, positive imaginary part first) and the columns of the
// row-major x the eigenvectors in LAPACK's real form (for a pair j, j+1:
// x_j ± i·x_{j+1}), each real vector or pair of unit Euclidean norm. It
// reports false if the QR algorithm did not converge.
func lrEigenSchur(k []float64, n int, wr, wi, x []float64) bool {
	if n == 1 {
		wr[0], wi[0], x[0] = k[0], 0, 1
		return true
	}
	var impl gonum.Implementation
	// K = Q H Qᵀ. Q is formed (Dorghr) on another goroutine while the QR
	// algorithm computes H = Z T Zᵀ from Z = I; then K = (QZ) T (QZ)ᵀ.
	qm, done, work := lrHessenberg(impl, k, n, lapack.EigenvaluesAndSchur, lapack.SchurHess)
	z := make([]float64, n*n)
	for i := range n {
		z[i*n+i] = 1
	}
	first := impl.Dhseqr(lapack.EigenvaluesAndSchur, lapack.SchurHess, n, 0, n-1, k, n, wr, wi, z, n, work, len(work))
	<-done
	if first != 0 {
		return false
	}
	xt := make([]float64, n*n)
	lrSchurVectors(k, n, wr, wi, xt)
	lrMulTo(k, n, n, n, n, lrOperand{z, n, false}, nil, lrOperand{xt, n, false}, false) // Z·X_T (k is free)
	lrMulTo(x, n, n, n, n, lrOperand{qm, n, false}, nil, lrOperand{k, n, false}, false)
	lrNormalizeColumns(x, n, wi)
	return true
}

// lrHessenberg reduces the n×n row-major k (n ≥ 2) in place to the upper
// Hessenberg H of K = Q H Qᵀ (Dgehrd; entries below the subdiagonal
// cleared) and forms the orthogonal Q (Dorghr) into qm on another
// goroutine: receive from done before reading qm. work is sized for
// Dgehrd and for the later Dhseqr call with this job and compz.
func lrHessenberg(impl gonum.Implementation, k []float64, n int, job lapack.SchurJob, compz lapack.SchurComp) (qm []float64, done <-chan struct{}, work []float64) {
	tau := make([]float64, n-1)
	var q [1]float64
	impl.Dgehrd(n, 0, n-1, k, n, tau, q[:], -1)
	lw := int(q[0])
	impl.Dorghr(n, 0, n-1, k, n, tau, q[:], -1)
	lwq := max(int(q[0]), n)
	ldz := n
	if compz == lapack.SchurNone {
		ldz = 1
	}
	impl.Dhseqr(job, compz, n, 0, n-1, k, n, nil, nil, nil, ldz, q[:], -1) // a query reads no wr, wi, z
	lw = max(lw, int(q[0]), n)
	work = make([]float64, lw)
	impl.Dgehrd(n, 0, n-1, k, n, tau, work, lw)
	qm = make([]float64, n*n)
	copy(qm, k)
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		impl.Dorghr(n, 0, n-1, qm, n, tau, make([]float64, lwq), lwq)
	}()
	for i := 2; i < n; i++ {
		clear(k[i*n : i*n+i-1])
	}
	return qm, ch, work
}

// lrNormalizeColumns scales each real eigenvector and each pair (columns
// j, j+1 with wi[j] ≠ 0) of the n×n row-major x to unit norm.
func lrNormalizeColumns(x []float64, n int, wi []float64) {
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
}

// lrEigen computes the eigenvalues and right eigenvectors of the n×n
// row-major k, with the same outputs as lrEigenSchur. Fast path: the
// Hessenberg form K = Q H Qᵀ, the eigenvalues of H alone by the QR
// algorithm (no Schur vectors: 2.5 times cheaper), then each eigenvector
// by inverse iteration on H (Wilkinson; LAPACK's Dhsein), in parallel over
// the eigenvalues, mapped back by Q. Inverse iteration from a different
// quasi-random start for each eigenvalue returns a basis of the invariant
// subspace of a tight cluster rather than parallel vectors. The result is
// accepted if every pair satisfies ‖K x − λ x‖ ≤ lrEigenResidual·‖K‖_F
// (unit x); otherwise lrEigenSchur is used. k is destroyed.
func lrEigen(k []float64, n int, wr, wi, x []float64) bool {
	if n < 2 {
		return lrEigenSchur(k, n, wr, wi, x)
	}
	orig := append([]float64(nil), k...)
	if lrEigenInverse(k, n, wr, wi, x) && lrEigenResidualOK(orig, n, wr, wi, x) {
		return true
	}
	copy(k, orig)
	return lrEigenSchur(k, n, wr, wi, x)
}

// lrEigenResidual bounds the accepted residual of an eigenpair relative to
// ‖K‖_F: about 1e5 ε, the backward error of the QR algorithm with margin.
const lrEigenResidual = 1e-11

// lrEigenResidualOK checks K X = X Λ column by column (real form).
func lrEigenResidualOK(k []float64, n int, wr, wi, x []float64) bool {
	kx := make([]float64, n*n)
	lrMulTo(kx, n, n, n, n, lrOperand{k, n, false}, nil, lrOperand{x, n, false}, false)
	norm := 0.0
	for _, v := range k {
		norm += v * v
	}
	tol := lrEigenResidual * math.Sqrt(norm)
	for j := 0; j < n; j++ {
		res := 0.0
		for i := range n {
			var d float64
			if wi[j] == 0 {
				d = kx[i*n+j] - wr[j]*x[i*n+j]
				res += d * d
				continue
			}
			// K[p q] = [p q][[a, b], [−b, a]].
			p, q := x[i*n+j], x[i*n+j+1]
			d = kx[i*n+j] - (wr[j]*p - wi[j]*q)
			e := kx[i*n+j+1] - (wi[j]*p + wr[j]*q)
			res += d*d + e*e
		}
		if !(math.Sqrt(res) <= tol) {
			return false
		}
		if wi[j] != 0 {
			j++
		}
	}
	return true
}

// lrEigenInverse is the fast path of lrEigen; it reports false if the QR
// algorithm did not converge.
func lrEigenInverse(k []float64, n int, wr, wi, x []float64) bool {
	var impl gonum.Implementation
	qm, done, work := lrHessenberg(impl, k, n, lapack.EigenvaluesOnly, lapack.SchurNone)
	h := append([]float64(nil), k...)
	first := impl.Dhseqr(lapack.EigenvaluesOnly, lapack.SchurNone, n, 0, n-1, k, n, wr, wi, nil, 1, work, len(work))
	<-done
	if first != 0 {
		return false
	}
	// Conjugate pairs adjacent, positive imaginary part first, as Dgeev.
	for j := 0; j+1 < n; j++ {
		if wi[j] != 0 {
			if wi[j] < 0 {
				wi[j], wi[j+1] = -wi[j], -wi[j+1]
			}
			j++
		}
	}
	hnorm := 0.0
	for i := range n {
		s := 0.0
		for j := max(0, i-1); j < n; j++ {
			s += math.Abs(h[i*n+j])
		}
		hnorm = max(hnorm, s)
	}
	xh := make([]float64, n*n) // eigenvectors of H, real form
	nw := lrWorkers(n / 16)
	var wg sync.WaitGroup
	for id := range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var inv lrInvIter
			for j := 0; j < n; j++ {
				if wi[j] != 0 && wi[j] < 0 {
					continue // the second of a pair
				}
				if j%nw == id {
					inv.vector(h, n, hnorm, complex(wr[j], wi[j]), j, xh)
				}
			}
		}()
	}
	wg.Wait()
	lrMulTo(x, n, n, n, n, lrOperand{qm, n, false}, nil, lrOperand{xh, n, false}, false)
	lrNormalizeColumns(x, n, wi)
	return true
}

// lrInvIter holds the workspaces of inverse iteration on a Hessenberg
// matrix. The upper triangle U of the LU factorization of H − λI is
// stored packed by rows (row i, columns i … n−1, from lrPacked(i, n)), and
// the elimination reads H directly: each step combines the one row carried
// over from the previous step with the next row of H, both held in short
// buffers, and writes one finished row of U. So a vector streams H once
// and U three times (one write, two solves), half the traffic of copying
// H − λI and eliminating in place, which is what bounds its speed at
// r = 640 (U does not fit the core's cache).
type lrInvIter struct {
	ur, ui         []float64 // packed U: real and imaginary parts
	lr, li         []float64 // multipliers
	br, bi         []float64 // iterate
	cr, ci, nr, ni []float64 // carried and next rows (real, imaginary)
	piv            []bool    // rows j and j+1 swapped at step j
}

// lrPacked is the offset of row i of an n×n upper triangle packed by rows.
func lrPacked(i, n int) int { return i*n - i*(i-1)/2 }

// grow sizes the workspaces for n (imaginary parts when cplx is set).
func (it *lrInvIter) grow(n int, cplx bool) {
	if cap(it.piv) < n {
		it.piv = make([]bool, n)
		it.lr, it.br, it.cr, it.nr = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	}
	if cap(it.ur) < n*(n+1)/2 {
		it.ur = make([]float64, n*(n+1)/2)
	}
	if cplx && cap(it.ui) < n*(n+1)/2 {
		it.ui = make([]float64, n*(n+1)/2)
	}
	if cplx && cap(it.li) < n {
		it.li, it.bi, it.ci, it.ni = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	}
}

// vector writes into column j of the n×n row-major xh (columns j, j+1 for
// a complex λ: real and imaginary parts) an eigenvector of the upper
// Hessenberg h for its eigenvalue λ: two steps of inverse iteration from
// a start that depends on j, with zero pivots replaced by ε·‖H‖₁ as in
// LAPACK's Dlaein. Complex arithmetic is split into real and imaginary
// arrays so that the vector kernels apply.
func (it *lrInvIter) vector(h []float64, n int, hnorm float64, lam complex128, j int, xh []float64) {
	eps3 := max(hnorm*0x1p-52, 0x1p-1022)
	if imag(lam) == 0 {
		it.grow(n, false)
		it.vectorReal(h, n, eps3, real(lam), j, xh)
		return
	}
	it.grow(n, true)
	ur, ui := it.ur[:n*(n+1)/2], it.ui[:n*(n+1)/2]
	lr, li, piv, br, bi := it.lr[:n], it.li[:n], it.piv[:n], it.br[:n], it.bi[:n]
	cr, ci, nr, ni := it.cr[:n], it.ci[:n], it.nr[:n], it.ni[:n]
	lre, lim := real(lam), imag(lam)
	// Row 0 of H − λI is carried into the first step.
	copy(cr, h[:n])
	clear(ci)
	cr[0] -= lre
	ci[0] = -lim
	for c := 0; c < n-1; c++ {
		// Row c+1 of H − λI from column c (its subdiagonal entry).
		copy(nr[c:], h[(c+1)*n+c:(c+2)*n])
		clear(ni[c:])
		nr[c+1] -= lre
		ni[c+1] = -lim
		piv[c] = math.Abs(nr[c])+math.Abs(ni[c]) > math.Abs(cr[c])+math.Abs(ci[c])
		if piv[c] {
			cr, nr = nr, cr
			ci, ni = ni, ci
		}
		if cr[c] == 0 && ci[c] == 0 {
			cr[c] = eps3
		}
		m := complex(nr[c], ni[c]) / complex(cr[c], ci[c])
		mr, mi := real(m), imag(m)
		lr[c], li[c] = mr, mi
		// row c+1 −= m·row c
		gemm.Axpy(-mr, cr[c+1:], nr[c+1:])
		gemm.Axpy(mi, ci[c+1:], nr[c+1:])
		gemm.Axpy(-mr, ci[c+1:], ni[c+1:])
		gemm.Axpy(-mi, cr[c+1:], ni[c+1:])
		o := lrPacked(c, n)
		copy(ur[o:o+n-c], cr[c:])
		copy(ui[o:o+n-c], ci[c:])
		cr, nr = nr, cr
		ci, ni = ni, ci
	}
	last := lrPacked(n-1, n)
	ur[last], ui[last] = cr[n-1], ci[n-1]
	if ur[last] == 0 && ui[last] == 0 {
		ur[last] = eps3
	}
	for i := range n {
		br[i], bi[i] = symeig.Start(i, j), 0
	}
	for range 2 {
		for c := 0; c < n-1; c++ {
			if piv[c] {
				br[c], br[c+1] = br[c+1], br[c]
				bi[c], bi[c+1] = bi[c+1], bi[c]
			}
			// b[c+1] −= l[c]·b[c]
			br[c+1] -= lr[c]*br[c] - li[c]*bi[c]
			bi[c+1] -= lr[c]*bi[c] + li[c]*br[c]
		}
		for i := n - 1; i >= 0; i-- {
			o := lrPacked(i, n)
			rr, ri := ur[o+1:o+n-i], ui[o+1:o+n-i]
			d1, d2 := gemm.Dot2(rr, br[i+1:], bi[i+1:]) // Re·Re, Re·Im
			d3, d4 := gemm.Dot2(ri, br[i+1:], bi[i+1:]) // Im·Re, Im·Im
			v := (complex(br[i], bi[i]) - complex(d1-d4, d2+d3)) / complex(ur[o], ui[o])
			br[i], bi[i] = real(v), imag(v)
		}
		nrm := 0.0
		for i := range br {
			nrm = max(nrm, math.Abs(br[i])+math.Abs(bi[i]))
		}
		if nrm > 0 {
			for i := range br {
				br[i] /= nrm
				bi[i] /= nrm
			}
		}
	}
	for i := range n {
		xh[i*n+j] = br[i]
		xh[i*n+j+1] = bi[i]
	}
}

// vectorReal is vector for a real λ, in real arithmetic.
func (it *lrInvIter) vectorReal(h []float64, n int, eps3, lam float64, j int, xh []float64) {
	u, l, piv, b := it.ur[:n*(n+1)/2], it.lr[:n], it.piv[:n], it.br[:n]
	rc, rn := it.cr[:n], it.nr[:n]
	copy(rc, h[:n])
	rc[0] -= lam
	for c := 0; c < n-1; c++ {
		copy(rn[c:], h[(c+1)*n+c:(c+2)*n])
		rn[c+1] -= lam
		piv[c] = math.Abs(rn[c]) > math.Abs(rc[c])
		if piv[c] {
			rc, rn = rn, rc
		}
		if rc[c] == 0 {
			rc[c] = eps3
		}
		m := rn[c] / rc[c]
		l[c] = m
		if m != 0 {
			gemm.Axpy(-m, rc[c+1:], rn[c+1:])
		}
		o := lrPacked(c, n)
		copy(u[o:o+n-c], rc[c:])
		rc, rn = rn, rc
	}
	last := lrPacked(n-1, n)
	u[last] = rc[n-1]
	if u[last] == 0 {
		u[last] = eps3
	}
	for i := range b {
		b[i] = symeig.Start(i, j)
	}
	for range 2 {
		for c := 0; c < n-1; c++ {
			if piv[c] {
				b[c], b[c+1] = b[c+1], b[c]
			}
			b[c+1] -= l[c] * b[c]
		}
		for i := n - 1; i >= 0; i-- {
			o := lrPacked(i, n)
			s := gemm.Dot(u[o+1:o+n-i], b[i+1:])
			b[i] = (b[i] - s) / u[o]
		}
		nrm := 0.0
		for _, v := range b {
			nrm = max(nrm, math.Abs(v))
		}
		if nrm > 0 {
			for i := range b {
				b[i] /= nrm
			}
		}
	}
	for i := range n {
		xh[i*n+j] = b[i]
	}
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
