package solver

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Benchmarks at the scale of the paper's per-iteration cost study
// (Fig. 2; issue 3): r = b·dz = 64·10 = 640 with softmax cross-entropy
// blocks, λ = 0.01, N = 2,000 and 20,000. The 640×20,000 J is 100 MB,
// built once per process; -short keeps only N = 2,000.

const benchR = 640

var benchSizes = []int{2000, 20000}

var benchProblems sync.Map // N → problem

func benchProblem(b *testing.B, n int) problem {
	if testing.Short() && n > 2000 {
		b.Skip("N > 2000 skipped in -short mode")
	}
	if p, ok := benchProblems.Load(n); ok {
		return p.(problem)
	}
	p := newProblem(rand.New(rand.NewPCG(uint64(n), 640)), benchR, n, 10, hessCE, 0.01, 3)
	benchProblems.Store(n, p)
	return p
}

// benchSolve times SolveTo with a warm start (start = nil), after one
// untimed call that sizes the workspaces.
func benchSolve(b *testing.B, s curvatureSolver) {
	benchSolveWith(b, func(x *mat.VecDense, p problem, start *mat.VecDense) error {
		return s.SolveTo(x, p.J, p.H, p.lambda, p.g, start)
	})
}

// benchSolveWith is benchSolve for a solve given as a function.
func benchSolveWith(b *testing.B, solve func(x *mat.VecDense, p problem, start *mat.VecDense) error) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("N=%d/r=%d", n, benchR), func(b *testing.B) {
			p := benchProblem(b, n)
			x := mat.NewVecDense(n, nil)
			if err := solve(x, p, p.g); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := solve(x, p, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkWoodbury(b *testing.B) { benchSolve(b, &Woodbury{}) }

func BenchmarkCG10(b *testing.B) { benchSolve(b, &CG{MaxIter: 10, RelTol: -1}) }

func BenchmarkCG200(b *testing.B) { benchSolve(b, &CG{MaxIter: 200, RelTol: -1}) }

// BenchmarkIdealDevice: t = 50τ (the paper's MNIST window), κ₀ = 1e-3,
// final-sample readout.
func BenchmarkIdealDevice(b *testing.B) {
	benchSolve(b, &IdealDevice{Window: Window{Time: 50}, Kappa0: 1e-3, Rand: rand.New(rand.NewPCG(1, 2))})
}

// BenchmarkIdealDeviceGram: the same window with the Gram matrix J Jᵀ
// given (SolveGramTo), as a training run calls it: the r²N product is
// the network's, not the device's.
func BenchmarkIdealDeviceGram(b *testing.B) {
	dv := &IdealDevice{Window: Window{Time: 50}, Kappa0: 1e-3, Rand: rand.New(rand.NewPCG(1, 2))}
	grams := map[*mat.Dense]*mat.SymDense{}
	benchSolveWith(b, func(x *mat.VecDense, p problem, start *mat.VecDense) error {
		gram := grams[p.J]
		if gram == nil {
			gram = new(mat.SymDense)
			gram.SymOuterK(1, p.J)
			grams[p.J] = gram
		}
		return dv.SolveGramTo(x, p.J, gram, p.H, p.lambda, p.g, start)
	})
}

// BenchmarkIdealDeviceMean: the same window read out as the mean of 500
// samples after 10τ burn-in; the cost must match BenchmarkIdealDevice.
func BenchmarkIdealDeviceMean(b *testing.B) {
	benchSolve(b, &IdealDevice{Window: Window{Time: 50, Samples: 500, BurnIn: 10}, Kappa0: 1e-3, Rand: rand.New(rand.NewPCG(1, 2))})
}

// BenchmarkEulerDevice: the same window by Euler–Maruyama at the paper's
// h = 0.1τ (500 steps).
func BenchmarkEulerDevice(b *testing.B) {
	benchSolve(b, &EulerDevice{Window: Window{Time: 50}, Kappa0: 1e-3, Rand: rand.New(rand.NewPCG(1, 2))})
}
