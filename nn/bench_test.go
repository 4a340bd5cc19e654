package nn

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/tngd/tngd/internal/gemm"
)

// benchSetup returns the default MNIST CNN with initialised θ and a Pass
// after Forward on b MNIST training images (random pixels if the files are
// missing: timings barely depend on the values). It installs
// internal/gemm's BLAS for gonum, as cmd/tngd does, so that the dense
// products are timed as in a run.
func benchSetup(b *testing.B, batch int) (*Model, []float64, *Pass) {
	b.Helper()
	blas64.Use(gemm.BLAS{})
	m := CNN{}.Build(Shape{1, 28, 28}, 10)
	rng := rand.New(rand.NewPCG(1, 2))
	theta := make([]float64, m.NumParams())
	m.Init(theta, rng)
	x := make([]float64, batch*m.InSize())
	y := make([]float64, batch*10)
	if train, _, err := (MNIST{Train: batch, Test: 1}).Load(); err == nil {
		copy(x, train.X)
		copy(y, train.Y)
	} else {
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for s := range batch {
			y[s*10+rng.IntN(10)] = 1
		}
	}
	p := NewPass(m, CrossEntropy{}, batch)
	p.Forward(theta, x, y)
	return m, theta, p
}

func benchForwardGrad(b *testing.B, batch int) {
	m, theta, p := benchSetup(b, batch)
	g := make([]float64, m.NumParams())
	p.GradTo(g) // sizes the workers' scratch and chunk sums
	b.ReportAllocs()
	for b.Loop() {
		p.ForwardAt(theta)
		p.GradTo(g)
	}
}

func BenchmarkCNNForwardGrad16(b *testing.B) { benchForwardGrad(b, 16) }
func BenchmarkCNNForwardGrad64(b *testing.B) { benchForwardGrad(b, 64) }

func benchJacobian(b *testing.B, batch int) {
	_, _, p := benchSetup(b, batch)
	var J mat.Dense
	p.JacobianTo(&J)
	b.ReportAllocs()
	for b.Loop() {
		p.JacobianTo(&J)
	}
}

func BenchmarkCNNJacobian16(b *testing.B) { benchJacobian(b, 16) }
func BenchmarkCNNJacobian64(b *testing.B) { benchJacobian(b, 64) }

func benchGram(b *testing.B, batch int) {
	_, _, p := benchSetup(b, batch)
	var G mat.SymDense
	p.GramTo(&G)
	b.ReportAllocs()
	for b.Loop() {
		p.GramTo(&G)
	}
}

func BenchmarkCNNGram16(b *testing.B) { benchGram(b, 16) }
func BenchmarkCNNGram64(b *testing.B) { benchGram(b, 64) }

func benchGGNVec(b *testing.B, batch int) {
	m, _, p := benchSetup(b, batch)
	v := make([]float64, m.NumParams())
	dst := make([]float64, m.NumParams())
	for i := range v {
		v[i] = 1e-3 * float64(i%7)
	}
	p.GGNVecTo(dst, v) // sizes the workers' scratch and chunk sums
	b.ReportAllocs()
	for b.Loop() {
		p.GGNVecTo(dst, v)
	}
}

func BenchmarkCNNGGNVec16(b *testing.B) { benchGGNVec(b, 16) }
func BenchmarkCNNGGNVec64(b *testing.B) { benchGGNVec(b, 64) }

// copySolver returns g unchanged: TNGD with it measures the digital side of
// a TNGD iteration (gradient, J, H), without any device.
type copySolver struct{}

func (copySolver) SolveTo(dst *mat.VecDense, _ *mat.Dense, _ *mat.SymDense, _ float64, g, _ *mat.VecDense) error {
	dst.CopyVec(g)
	return nil
}

// benchOptimizer times one full iteration: forward pass, then Step.
func benchOptimizer(b *testing.B, cfg OptimizerConfig, s CurvatureSolver) {
	m, theta, p := benchSetup(b, 64)
	opt, err := NewOptimizer(cfg, m.NumParams(), s)
	if err != nil {
		b.Fatal(err)
	}
	// Tiny learning rate: θ barely moves, so every iteration costs the same.
	b.ReportAllocs()
	for b.Loop() {
		p.ForwardAt(theta)
		if _, err := opt.Step(theta, p); err != nil {
			b.Fatal(err)
		}
	}
}

var benchNG = NaturalGradient{LR: 1e-9}

func BenchmarkStepSGD(b *testing.B)  { benchOptimizer(b, SGD{LR: 1e-9}, nil) }
func BenchmarkStepAdam(b *testing.B) { benchOptimizer(b, Adam{LR: 1e-9}, nil) }
func BenchmarkStepNGDCG10(b *testing.B) {
	benchOptimizer(b, NGDCG{NaturalGradient: benchNG, Iters: 10}, nil)
}
func BenchmarkStepNGDWoodbury(b *testing.B) {
	benchOptimizer(b, NGDWoodbury{NaturalGradient: benchNG}, nil)
}
func BenchmarkStepTNGDDigitalSide(b *testing.B) {
	benchOptimizer(b, TNGD{NaturalGradient: benchNG}, copySolver{})
}
