package circuit

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/unit/constant"
)

// DefaultTemperature is the circuit temperature in kelvin used when
// [Circuit.Temperature] is zero: 300.15 K, SPICE's nominal 27 °C, so that a
// netlist without .temp means the same thing here and in ngspice.
const DefaultTemperature = 300.15

// Boltzmann is the Boltzmann constant k in J/K (gonum/unit/constant).
const Boltzmann = float64(constant.Boltzmann)

// JohnsonPSD returns the one-sided power spectral density 4kTG, in A²/Hz, of
// the thermal (Johnson–Nyquist) current noise of a conductance g in siemens
// at temperature t in kelvin. In SDE form this is a current √(2kTG)·dW/dt:
// see [Intensity].
func JohnsonPSD(g, t float64) float64 { return 4 * Boltzmann * t * g }

// Intensity converts a one-sided white-noise PSD S (A²/Hz) into the SDE
// intensity q = S/2 (A²·s per second of simulated time): a white current with
// one-sided PSD S contributes q·dt to the variance of the charge it moves in
// dt. So 4kTG becomes 2kTG.
func Intensity(psd float64) float64 { return psd / 2 }

// noiseFactor is a factor F (n×rank) of a symmetric positive semidefinite
// matrix Q = F Fᵀ, stored as a pivoted Cholesky factor: F = P·L with P a
// permutation (row piv[k] of F is row k of L) and L lower trapezoidal
// (rows 0…rank−1 triangular, the rest dense).
type noiseFactor struct {
	n, rank int
	l       []float64 // n×rank, row-major
	piv     []int
	tmp     []float64 // workspace, length n
}

// newNoiseFactor factors Q (n×n, row-major; only its lower triangle is read
// and Q is not modified) by Cholesky with complete pivoting (LAPACK dpstrf),
// which stops at the numerical rank: directions of Q below
// n·ε·max(diag Q) are dropped. So a Q that is singular (noise on only some
// nodes) or slightly indefinite from rounding is handled: tiny or negative
// pivots end the factorization instead of producing NaN.
func newNoiseFactor(q []float64, n int) *noiseFactor {
	f := &noiseFactor{n: n, tmp: make([]float64, n)}
	zero := true
	for _, v := range q {
		if v != 0 {
			zero = false
			break
		}
	}
	if n == 0 || zero {
		return f
	}
	a := append([]float64(nil), q...)
	piv := make([]int, n)
	work := make([]float64, 2*n)
	t, rank, _ := lapack64.Pstrf(blas64.Symmetric{N: n, Stride: n, Data: a, Uplo: blas.Lower}, piv, -1, work)
	if rank == 0 {
		return f
	}
	f.rank, f.piv = rank, piv
	f.l = make([]float64, n*rank)
	for k := range n {
		for j := 0; j < rank && j <= k; j++ {
			f.l[k*rank+j] = t.Data[k*t.Stride+j]
		}
	}
	return f
}

// addTo adds scale·F·xi to x (length n); xi has length rank and is not
// modified. It does not allocate.
func (f *noiseFactor) addTo(x []float64, scale float64, xi []float64) {
	r := f.rank
	if r == 0 {
		return
	}
	t := f.tmp
	copy(t[:r], xi[:r])
	blas64.Trmv(blas.NoTrans, blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: r, Stride: r, Data: f.l}, blas64.Vector{N: r, Inc: 1, Data: t})
	if f.n > r {
		blas64.Gemv(blas.NoTrans, 1,
			blas64.General{Rows: f.n - r, Cols: r, Stride: r, Data: f.l[r*r:]},
			blas64.Vector{N: r, Inc: 1, Data: xi}, 0,
			blas64.Vector{N: f.n - r, Inc: 1, Data: t[r:]})
	}
	for k, p := range f.piv {
		x[p] += scale * t[k]
	}
}

// dense returns F as an n×rank row-major matrix (for tests).
func (f *noiseFactor) dense() []float64 {
	out := make([]float64, f.n*f.rank)
	for k := range f.n {
		copy(out[f.piv[k]*f.rank:(f.piv[k]+1)*f.rank], f.l[k*f.rank:(k+1)*f.rank])
	}
	return out
}
