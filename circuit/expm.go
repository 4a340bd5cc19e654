package circuit

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// transitionTheta bounds ‖A‖₁·h₀ after scaling h₀ = h/2ˢ. At 1/4 the Taylor
// series below reach ε in about 15 terms (0.5¹⁵/16! ≈ 1.5e-18 for the
// covariance series, whose operator norm is at most 2‖A‖).
const transitionTheta = 0.25

// maxTaylorTerms caps the Taylor series; with ‖A h₀‖₁ ≤ 1/4 they converge to
// ε long before this.
const maxTaylorTerms = 40

// transition computes, for the linear SDE dx = (−A x + b) dt + L dW with
// diffusion D = L Lᵀ, the mean propagator E = e^{−Ah} and the exact
// transition covariance
//
//	Q(h) = ∫₀ʰ e^{−As} D e^{−Aᵀs} ds
//
// of a step h > 0 (A, D: r×r row-major; D symmetric). It is exact for any A,
// symmetric or not.
//
// Method: scaling and doubling. With h₀ = h/2ˢ and ‖A‖₁h₀ ≤ 1/4, E(h₀) and
// Q(h₀) are summed from their Taylor series to ε (Q(h₀) = Σₖ h₀ᵏ⁺¹/(k+1)!
// Lᵏ(D), L(X) = −(AX + XAᵀ)), then doubled s times with
//
//	Q(2t) = Q(t) + E(t) Q(t) E(t)ᵀ,   E(2t) = E(t)².
//
// Every doubling adds a positive semidefinite term, so Q stays semidefinite
// up to rounding, there is no cancellation for small h (unlike Σ − EΣEᵀ) and
// no overflow for large h·λ (unlike the Van Loan block exponential, which
// contains e^{+Aᵀh}: it grows like e^{h·λ}, so recovering Q from it cancels
// catastrophically long before it overflows): E decays to 0 and Q converges
// to the stationary covariance. Cost:
// about 30 + 3s matrix products. References: Moler & Van Loan, "Nineteen
// dubious ways to compute the exponential of a matrix, twenty-five years
// later", SIAM Rev. 45 (2003), method 3 (scaling and squaring); Van Loan,
// "Computing integrals involving the matrix exponential", IEEE TAC 23 (1978).
func transition(a, d []float64, r int, h float64) (e, q []float64) {
	if r == 0 {
		return nil, nil
	}
	if !(h >= 0) || math.IsInf(h, 0) {
		panic("circuit: transition step must be finite and non-negative")
	}
	n1 := 0.0 // ‖A‖₁
	for j := range r {
		s := 0.0
		for i := range r {
			s += math.Abs(a[i*r+j])
		}
		n1 = max(n1, s)
	}
	s := 0
	if x := n1 * h / transitionTheta; x > 1 {
		s = int(math.Ceil(math.Log2(x)))
	}
	h0 := math.Ldexp(h, -s)

	gen := func(m []float64) blas64.General { return blas64.General{Rows: r, Cols: r, Stride: r, Data: m} }
	ga := gen(a)

	// E(h₀) = Σ (−A h₀)ᵏ / k!.
	e = make([]float64, r*r)
	term := make([]float64, r*r)
	tmp := make([]float64, r*r)
	for i := range r {
		e[i*r+i] = 1
		term[i*r+i] = 1
	}
	for k := 1; k <= maxTaylorTerms; k++ {
		blas64.Gemm(blas.NoTrans, blas.NoTrans, -h0/float64(k), gen(term), ga, 0, gen(tmp))
		term, tmp = tmp, term
		tn, en := 0.0, 0.0
		for i, v := range term {
			e[i] += v
			tn = max(tn, math.Abs(v))
			en = max(en, math.Abs(e[i]))
		}
		if tn <= dlamchE*en/4 {
			break
		}
	}

	// Q(h₀) = Σ Uₖ with U₀ = h₀D, Uₖ = h₀/(k+1)·L(Uₖ₋₁), L(X) = −(AX + (AX)ᵀ)
	// for symmetric X.
	q = make([]float64, r*r)
	u := make([]float64, r*r)
	for i := range r * r {
		u[i] = h0 * d[i]
		q[i] = u[i]
	}
	for k := 1; k <= maxTaylorTerms; k++ {
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, ga, gen(u), 0, gen(tmp))
		f := -h0 / float64(k+1)
		un, qn := 0.0, 0.0
		for i := range r {
			for j := range r {
				v := f * (tmp[i*r+j] + tmp[j*r+i])
				u[i*r+j] = v
				q[i*r+j] += v
				un = max(un, math.Abs(v))
				qn = max(qn, math.Abs(q[i*r+j]))
			}
		}
		if un <= dlamchE*qn/4 {
			break
		}
	}

	// Doubling.
	for range s {
		en := 0.0
		for _, v := range e {
			en = max(en, math.Abs(v))
		}
		if en < 1e-250 {
			// E has decayed below any contribution to Q; Q(2t) = Q(t)
			// from here on and E stays 0. Flushing avoids denormals.
			clear(e)
			break
		}
		// tmp = E Q, u = tmp Eᵀ, Q += u; then E = E E.
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, gen(e), gen(q), 0, gen(tmp))
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, gen(tmp), gen(e), 0, gen(u))
		for i := range r {
			for j := i; j < r; j++ {
				v := q[i*r+j] + 0.5*(u[i*r+j]+u[j*r+i])
				q[i*r+j], q[j*r+i] = v, v
			}
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, gen(e), gen(e), 0, gen(tmp))
		e, tmp = tmp, e
	}
	return e, q
}
