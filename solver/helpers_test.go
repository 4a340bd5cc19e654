package solver

import (
	"flag"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

var testSeed = flag.Uint64("seed", 0, "seed mixed into every random source of the tests (0: the fixed defaults)")

// newRand returns the test source PCG(a, b), or, with a non-zero -seed,
// PCG(a, b ⊕ seed·φ) (φ = 2⁶⁴/golden ratio spreads small seeds), logging
// the seed so that a failure can be reproduced.
func newRand(tb testing.TB, a, b uint64) *rand.Rand {
	if *testSeed != 0 {
		tb.Logf("-seed %d", *testSeed)
		b ^= *testSeed * 0x9E3779B97F4A7C15
	}
	return rand.New(rand.NewPCG(a, b))
}

// problem is a random instance of (JᵀHJ + λI)x = g.
type problem struct {
	J      *mat.Dense
	H      *mat.SymDense
	lambda float64
	g      *mat.VecDense
}

// hessianKind selects the output Hessian of a random problem.
type hessianKind int

const (
	hessCE       hessianKind = iota // softmax cross-entropy blocks diag(p) − ppᵀ (singular), batch mean folded in
	hessMSE                         // identity blocks / b
	hessDensePSD                    // one dense block M Mᵀ of rank r/2 (zero eigenvalues)
	hessZero                        // H = 0: A = λI
)

func (k hessianKind) String() string {
	return [...]string{"ce", "mse", "densePSD", "zero"}[k]
}

// newProblem draws J (r×n, entries N(0, 1/n)·scale), H of the given kind
// with blocks of size dz (r must be a multiple of dz) and g ~ N(0, I).
func newProblem(rng *rand.Rand, r, n, dz int, kind hessianKind, lambda, scale float64) problem {
	J := mat.NewDense(r, n, nil)
	s := scale / math.Sqrt(float64(n))
	for i := 0; i < r; i++ {
		for j := 0; j < n; j++ {
			J.Set(i, j, s*rng.NormFloat64())
		}
	}
	H := mat.NewSymDense(r, nil)
	b := float64(r / dz)
	switch kind {
	case hessCE:
		p := make([]float64, dz)
		for blk := 0; blk < r/dz; blk++ {
			var sum float64
			for o := range p {
				p[o] = math.Exp(2 * rng.NormFloat64())
				sum += p[o]
			}
			for o := range p {
				p[o] /= sum
			}
			for o := 0; o < dz; o++ {
				for q := o; q < dz; q++ {
					v := -p[o] * p[q]
					if o == q {
						v += p[o]
					}
					H.SetSym(blk*dz+o, blk*dz+q, v/b)
				}
			}
		}
	case hessMSE:
		for i := 0; i < r; i++ {
			H.SetSym(i, i, 1/b)
		}
	case hessDensePSD:
		k := max(1, r/2)
		M := mat.NewDense(r, k, nil)
		for i := 0; i < r; i++ {
			for j := 0; j < k; j++ {
				M.Set(i, j, rng.NormFloat64()/math.Sqrt(float64(k)))
			}
		}
		H.SymOuterK(1, M)
	case hessZero:
	}
	g := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		g.SetVec(i, rng.NormFloat64())
	}
	return problem{J: J, H: H, lambda: lambda, g: g}
}

// denseA returns JᵀHJ + λI as a dense matrix (the slow reference).
func (p problem) denseA() *mat.Dense {
	_, n := p.J.Dims()
	var hj, a mat.Dense
	hj.Mul(p.H, p.J)
	a.Mul(p.J.T(), &hj)
	for i := 0; i < n; i++ {
		a.Set(i, i, a.At(i, i)+p.lambda)
	}
	return &a
}

// exact returns A⁻¹g by a dense LU solve (the slow reference).
func (p problem) exact(t *testing.T) *mat.VecDense {
	var x mat.VecDense
	require.NoError(t, x.SolveVec(p.denseA(), p.g))
	return &x
}

// relErr returns ‖x − y‖/‖y‖.
func relErr(x, y mat.Vector) float64 {
	var d mat.VecDense
	d.SubVec(x, y)
	return mat.Norm(&d, 2) / mat.Norm(y, 2)
}
