package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// passProducts are the results of every product of a Pass on one
// minibatch.
type passProducts struct {
	loss, quad       float64
	z, grad, jvp     []float64
	vjp, ggn, solved []float64
	J                []float64
	gram, hess       []float64
}

// allProducts runs Forward and every product on p (fresh or reused) with
// the given number of workers (0: GOMAXPROCS).
func allProducts(t *testing.T, p *Pass, workers int, theta, x, y, v, u []float64) passProducts {
	t.Helper()
	p.workers = workers
	n := len(theta)
	var r passProducts
	r.loss = p.Forward(theta, x, y)
	r.z = append([]float64(nil), p.Outputs()...)
	r.grad = make([]float64, n)
	p.GradTo(r.grad)
	r.jvp = make([]float64, p.Rows())
	p.JVPTo(r.jvp, v)
	r.vjp = make([]float64, n)
	p.VJPTo(r.vjp, u)
	r.ggn = make([]float64, n)
	p.GGNVecTo(r.ggn, v)
	r.quad = p.QuadForm(v)
	var J mat.Dense
	p.JacobianTo(&J)
	r.J = J.RawMatrix().Data
	var G, H mat.SymDense
	p.GramTo(&G)
	r.gram = G.RawSymmetric().Data
	p.HessianTo(&H)
	r.hess = H.RawSymmetric().Data
	r.solved = make([]float64, n)
	require.NoError(t, p.DampedSolveTo(r.solved, r.grad, 1e-3))
	return r
}

// requireSameBits fails unless a and b hold the same float64 bits.
func requireSameBits(t *testing.T, name string, a, b []float64) {
	t.Helper()
	require.Len(t, b, len(a), name)
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			t.Fatalf("%s[%d]: %v (%#x) != %v (%#x)", name, i, a[i], math.Float64bits(a[i]), b[i], math.Float64bits(b[i]))
		}
	}
}

func requireSameProducts(t *testing.T, want, got passProducts) {
	t.Helper()
	requireSameBits(t, "loss", []float64{want.loss}, []float64{got.loss})
	requireSameBits(t, "quad", []float64{want.quad}, []float64{got.quad})
	for _, c := range []struct {
		name string
		a, b []float64
	}{
		{"outputs", want.z, got.z}, {"grad", want.grad, got.grad}, {"jvp", want.jvp, got.jvp},
		{"vjp", want.vjp, got.vjp}, {"ggn", want.ggn, got.ggn}, {"J", want.J, got.J},
		{"gram", want.gram, got.gram}, {"hess", want.hess, got.hess}, {"solve", want.solved, got.solved},
	} {
		requireSameBits(t, c.name, c.a, c.b)
	}
}

// TestPassWorkersBitIdentical: every product of a Pass on the MNIST CNN
// (conv, max pooling, dense layers) gives the same bits with 1, 2, 3 and 4
// workers, with GOMAXPROCS 1 and 4 (workers 0), on a Pass reused across
// worker counts, and at batch sizes that fill the gradient chunks exactly
// (64), partly (37) and not at all (5).
func TestPassWorkersBitIdentical(t *testing.T) {
	m := CNN{}.Build(Shape{1, 28, 28}, 10)
	rng := rand.New(rand.NewPCG(91, 92))
	theta := make([]float64, m.NumParams())
	m.Init(theta, rng)
	normals := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		return x
	}
	v := normals(m.NumParams())
	for _, b := range []int{64, 37, 5} {
		t.Run(fmt.Sprintf("b=%d", b), func(t *testing.T) {
			x := normals(b * m.InSize())
			y := make([]float64, b*10)
			for s := range b {
				y[s*10+rng.IntN(10)] = 1
			}
			u := normals(b * 10)
			want := allProducts(t, NewPass(m, CrossEntropy{}, 64), 1, theta, x, y, v, u)
			reused := NewPass(m, CrossEntropy{}, 64)
			for _, w := range []int{2, 3, 4, 1} {
				requireSameProducts(t, want, allProducts(t, NewPass(m, CrossEntropy{}, 64), w, theta, x, y, v, u))
				requireSameProducts(t, want, allProducts(t, reused, w, theta, x, y, v, u))
			}
			for _, procs := range []int{1, 4} {
				old := runtime.GOMAXPROCS(procs)
				got := allProducts(t, NewPass(m, CrossEntropy{}, 64), 0, theta, x, y, v, u)
				runtime.GOMAXPROCS(old)
				requireSameProducts(t, want, got)
			}
		})
	}
}

// TestPassParallelAllocs: with several workers, Forward and the products
// that allocated nothing on one goroutine still allocate nothing per call
// (after the first, which sizes the workers' scratch), and neither does
// GramTo.
func TestPassParallelAllocs(t *testing.T) {
	m := CNN{}.Build(Shape{1, 28, 28}, 10)
	rng := rand.New(rand.NewPCG(93, 94))
	theta := make([]float64, m.NumParams())
	m.Init(theta, rng)
	b := 20
	x := make([]float64, b*m.InSize())
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	y := make([]float64, b*10)
	for s := range b {
		y[s*10+s%10] = 1
	}
	p := NewPass(m, CrossEntropy{}, b)
	p.workers = 3
	p.Forward(theta, x, y)
	n := m.NumParams()
	g, v, dst := make([]float64, n), make([]float64, n), make([]float64, n)
	jz := make([]float64, p.Rows())
	var J mat.Dense
	var G mat.SymDense
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Forward", func() { p.Forward(theta, x, y) }},
		{"GradTo", func() { p.GradTo(g) }},
		{"JVPTo", func() { p.JVPTo(jz, v) }},
		{"VJPTo", func() { p.VJPTo(dst, jz) }},
		{"GGNVecTo", func() { p.GGNVecTo(dst, v) }},
		{"QuadForm", func() { p.QuadForm(v) }},
		{"JacobianTo", func() { p.JacobianTo(&J) }},
		{"GramTo", func() { p.GramTo(&G) }},
	} {
		assert.Zero(t, testing.AllocsPerRun(5, c.f), c.name)
	}
}

// TestGradPooledSameBits: the gradient of a convolution taken straight
// from the cotangent of the max pooling above it (convLayer.gradPooled)
// gives the same bits as the pooling's backward followed by the
// convolution's, in the Jacobian, the gradient, the VJP and the Gram
// matrix: on the MNIST CNN (non-overlapping 4×4 windows), on small models
// with overlapping windows (3×3 stride 2, 2×2 stride 1: inputs shared by
// windows sum their cotangents), a padded, strided convolution and many
// windows per channel, each on
// inputs that are zero on half of the image (ties in the windows, zero
// cotangents) and on normal inputs.
func TestGradPooledSameBits(t *testing.T) {
	models := map[string]*Model{
		"cnn": CNN{}.Build(Shape{1, 28, 28}, 10),
		"overlap": NewSequential(Shape{2, 11, 11},
			Conv2D{Filters: 3, Kernel: 3, Pad: 1}, MaxPool{Size: 3, Stride: 2}, ReLU{}, Flatten{}, Dense{Out: 4}),
		"strided": NewSequential(Shape{1, 12, 12},
			Conv2D{Filters: 4, Kernel: 3, Stride: 2, Pad: 1}, MaxPool{Size: 2}, Tanh{}, Flatten{}, Dense{Out: 3}),
		// 256 and 961 windows per channel: more than gradGroup non-zero
		// cotangents, so several gradRowsTo groups per channel.
		"many": NewSequential(Shape{1, 34, 34},
			Conv2D{Filters: 2, Kernel: 3}, MaxPool{Size: 2}, ReLU{}, Flatten{}, Dense{Out: 3}),
		"many-overlap": NewSequential(Shape{1, 34, 34},
			Conv2D{Filters: 2, Kernel: 3}, MaxPool{Size: 2, Stride: 1}, ReLU{}, Flatten{}, Dense{Out: 3}),
	}
	for _, name := range []string{"cnn", "overlap", "strided", "many", "many-overlap"} {
		m := models[name]
		for _, half := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/half-zero=%v", name, half), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(97, 98))
				theta := make([]float64, m.NumParams())
				m.Init(theta, rng)
				b, dz := 21, m.OutSize()
				x := make([]float64, b*m.InSize())
				for i := range x {
					if !half || i%m.InSize() < m.InSize()/2 {
						x[i] = rng.NormFloat64()
					}
				}
				y := make([]float64, b*dz)
				u := make([]float64, b*dz)
				for s := range b {
					y[s*dz+rng.IntN(dz)] = 1
				}
				for i := range u {
					u[i] = rng.NormFloat64()
				}
				run := func(pooled bool) passProducts {
					p := NewPass(m, CrossEntropy{}, b)
					require.True(t, p.pooledConv)
					p.pooledConv = pooled
					var r passProducts
					r.loss = p.Forward(theta, x, y)
					r.grad = make([]float64, len(theta))
					p.GradTo(r.grad)
					r.vjp = make([]float64, len(theta))
					p.VJPTo(r.vjp, u)
					var J mat.Dense
					p.JacobianTo(&J)
					r.J = J.RawMatrix().Data
					var G mat.SymDense
					p.GramTo(&G)
					r.gram = G.RawSymmetric().Data
					return r
				}
				want, got := run(false), run(true)
				requireSameBits(t, "grad", want.grad, got.grad)
				requireSameBits(t, "vjp", want.vjp, got.vjp)
				requireSameBits(t, "J", want.J, got.J)
				requireSameBits(t, "gram", want.gram, got.gram)
			})
		}
	}
}
