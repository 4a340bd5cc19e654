package circuit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// Shared helpers for the engine tests.

// randomStable returns a random non-normal, non-symmetric n×n matrix whose
// eigenvalues all have real part ≥ about 0.5: a Gaussian matrix (spectral
// radius ≈ √n) shifted by 1.5√n + 0.5.
func randomStable(rng *rand.Rand, n int) *mat.Dense {
	a := mat.NewDense(n, n, nil)
	shift := 1.5*math.Sqrt(float64(n)) + 0.5
	for i := range n {
		for j := range n {
			a.Set(i, j, rng.NormFloat64())
		}
		a.Set(i, i, a.At(i, i)+shift)
	}
	return a
}

// randomPSD returns a random n×n positive semidefinite matrix of rank k.
func randomPSD(rng *rand.Rand, n, k int) *mat.SymDense {
	l := mat.NewDense(n, max(k, 1), nil)
	for i := range n {
		for j := range k {
			l.Set(i, j, rng.NormFloat64())
		}
	}
	s := mat.NewSymDense(n, nil)
	s.SymOuterK(1, l)
	return s
}

// kronLyapunov is the test oracle for A Σ + Σ Aᵀ = D: the n²×n² linear
// system (I⊗A + A⊗I) vec Σ = vec D (column-major vec), solved by LU.
func kronLyapunov(t testing.TB, a mat.Matrix, d mat.Matrix) *mat.Dense {
	n, _ := a.Dims()
	k := mat.NewDense(n*n, n*n, nil)
	// vec(AΣ)[i + n j] = Σ_l A[i,l] Σ[l,j]; vec(ΣAᵀ)[i + n j] = Σ_l Σ[i,l] A[j,l].
	for i := range n {
		for j := range n {
			row := i + n*j
			for l := range n {
				k.Set(row, l+n*j, k.At(row, l+n*j)+a.At(i, l))
				k.Set(row, i+n*l, k.At(row, i+n*l)+a.At(j, l))
			}
		}
	}
	rhs := mat.NewVecDense(n*n, nil)
	for i := range n {
		for j := range n {
			rhs.SetVec(i+n*j, d.At(i, j))
		}
	}
	var x mat.VecDense
	require.NoError(t, x.SolveVec(k, rhs))
	s := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			s.Set(i, j, x.AtVec(i+n*j))
		}
	}
	return s
}

// relDiff returns max|a − b| / max|b|.
func relDiff(a, b mat.Matrix) float64 {
	r, c := b.Dims()
	num, den := 0.0, 0.0
	for i := range r {
		for j := range c {
			num = max(num, math.Abs(a.At(i, j)-b.At(i, j)))
			den = max(den, math.Abs(b.At(i, j)))
		}
	}
	if den == 0 {
		return num
	}
	return num / den
}

// vanLoan is the test oracle for (E, Q) at small h·‖A‖: with
// M = [[A, D], [0, −Aᵀ]]·h, e^M = [[·, E⁻¹Q], [0, Eᵀ]] (Van Loan 1978), so
// E = (lower right)ᵀ and Q = E·(upper right). It loses accuracy as e^{h‖A‖}
// grows, which is why the engine does not use it.
func vanLoan(a mat.Matrix, d mat.Matrix, h float64) (e, q *mat.Dense) {
	n, _ := a.Dims()
	m := mat.NewDense(2*n, 2*n, nil)
	for i := range n {
		for j := range n {
			m.Set(i, j, h*a.At(i, j))
			m.Set(i, n+j, h*d.At(i, j))
			m.Set(n+i, n+j, -h*a.At(j, i))
		}
	}
	var x mat.Dense
	x.Exp(m)
	e = mat.DenseCopyOf(x.Slice(n, 2*n, n, 2*n).T())
	q = mat.NewDense(n, n, nil)
	q.Mul(e, x.Slice(0, n, n, 2*n))
	return e, q
}

// expm returns e^{s·a}.
func expm(a mat.Matrix, s float64) *mat.Dense {
	var sa, out mat.Dense
	sa.Scale(s, a)
	out.Exp(&sa)
	return &out
}

// sampleMoments accumulates the mean and covariance of vectors.
type sampleMoments struct {
	n    int
	sum  []float64
	prod []float64
}

func newSampleMoments(dim int) *sampleMoments {
	return &sampleMoments{sum: make([]float64, dim), prod: make([]float64, dim*dim)}
}

func (s *sampleMoments) add(x []float64) {
	d := len(s.sum)
	s.n++
	for i := range d {
		s.sum[i] += x[i]
		for j := range d {
			s.prod[i*d+j] += x[i] * x[j]
		}
	}
}

func (s *sampleMoments) mean() []float64 {
	m := make([]float64, len(s.sum))
	for i, v := range s.sum {
		m[i] = v / float64(s.n)
	}
	return m
}

// cov returns the unbiased sample covariance.
func (s *sampleMoments) cov() *mat.Dense {
	d := len(s.sum)
	m := s.mean()
	c := mat.NewDense(d, d, nil)
	nf := float64(s.n)
	for i := range d {
		for j := range d {
			c.Set(i, j, (s.prod[i*d+j]-nf*m[i]*m[j])/(nf-1))
		}
	}
	return c
}

// assertCovWithin checks each entry of a sample covariance of n independent
// Gaussian draws against the true Σ within k standard errors: the sample
// covariance entry has variance (Σᵢⱼ² + ΣᵢᵢΣⱼⱼ)/n (Wishart), and factor
// inflates it (e.g. √2 for a difference of two independent estimates).
func assertCovWithin(t *testing.T, got, want mat.Matrix, n int, k, factor float64) {
	t.Helper()
	r, _ := want.Dims()
	for i := range r {
		for j := range r {
			se := factor * math.Sqrt((want.At(i, j)*want.At(i, j)+want.At(i, i)*want.At(j, j))/float64(n))
			if d := math.Abs(got.At(i, j) - want.At(i, j)); d > k*se {
				t.Errorf("cov[%d,%d] = %.6g, want %.6g ± %.3g (%d SE), off by %.2f SE", i, j, got.At(i, j), want.At(i, j), k*se, int(k), d/se)
			}
		}
	}
}

// allToAll returns an n-node RC network: every node has C to ground and R to
// ground, and every pair is joined by a resistor of n·R·(1 + U[0,1)), all
// with Johnson noise. Its slowest mode has time constant τ = RC.
func allToAll(n int, r, c float64, rng *rand.Rand) *Circuit {
	ckt := &Circuit{}
	node := func(i int) string { return fmt.Sprintf("n%d", i) }
	for i := range n {
		ckt.Add(Capacitor{Name: fmt.Sprintf("C%d", i), P: node(i), N: Ground, C: c})
		ckt.Add(Resistor{Name: fmt.Sprintf("R%d", i), P: node(i), N: Ground, R: r})
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			ckt.Add(Resistor{Name: fmt.Sprintf("R%d_%d", i, j), P: node(i), N: node(j), R: float64(n) * r * (1 + rng.Float64())})
		}
	}
	return ckt
}
