package nn

import (
	"math/rand/v2"
	"testing"
)

// benchEvalSetup returns the default MNIST CNN with initialised θ and the
// first n MNIST test images (random standardised-looking pixels if the
// files are missing).
func benchEvalSetup(b *testing.B, n int) (*Model, []float64, *Dataset) {
	b.Helper()
	m := CNN{}.Build(Shape{1, 28, 28}, 10)
	rng := rand.New(rand.NewPCG(1, 2))
	theta := make([]float64, m.NumParams())
	m.Init(theta, rng)
	if _, test, err := (MNIST{Train: 1, Test: n}).Load(); err == nil {
		return m, theta, test
	}
	d := &Dataset{In: Shape{1, 28, 28}, OutSize: 10,
		X: make([]float64, n*784), Y: make([]float64, n*10), Labels: make([]int, n)}
	for i := range d.X {
		d.X[i] = rng.NormFloat64()
	}
	for s := range n {
		d.Labels[s] = rng.IntN(10)
		d.Y[s*10+d.Labels[s]] = 1
	}
	return m, theta, d
}

// benchEvaluate times one evaluation of n test images through a Pass of
// the Trainer's default evaluation batch (128), as Trainer.Run does.
func benchEvaluate(b *testing.B, n int) {
	m, theta, d := benchEvalSetup(b, n)
	p := NewPass(m, CrossEntropy{}, 128)
	evaluatePass(p, theta, d, n)
	b.ReportAllocs()
	for b.Loop() {
		evaluatePass(p, theta, d, n)
	}
}

func BenchmarkEvaluate1k(b *testing.B)  { benchEvaluate(b, 1000) }
func BenchmarkEvaluate10k(b *testing.B) { benchEvaluate(b, 10000) }

// benchForward times Pass.Forward (with loss) on a minibatch of b images.
func benchForward(b *testing.B, batch int) {
	_, theta, p := benchSetup(b, batch)
	b.ReportAllocs()
	for b.Loop() {
		p.ForwardAt(theta)
	}
}

func BenchmarkCNNForward16(b *testing.B) { benchForward(b, 16) }
func BenchmarkCNNForward64(b *testing.B) { benchForward(b, 64) }
