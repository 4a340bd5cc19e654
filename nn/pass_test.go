package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// testNet is a small model with random parameters, a random minibatch and a
// loss, used by the derivative tests.
type testNet struct {
	name  string
	m     *Model
	loss  Loss
	theta []float64
	x, y  []float64
	b     int
}

// testNets covers every layer type, each at a position where both its
// input and parameter derivatives matter: convolutions with stride and
// padding (also as a second layer, so their input gradient is used), max
// and average pooling, ReLU, tanh, flatten and dense, under both losses.
func testNets(t testing.TB) []testNet {
	specs := []struct {
		name  string
		in    Shape
		loss  Loss
		b     int
		specs []Layer
	}{
		{"dense-tanh-mse", Shape{5, 1, 1}, SquaredError{}, 3,
			[]Layer{Dense{Out: 4}, Tanh{}, Dense{Out: 3}}},
		{"dense-relu-ce", Shape{6, 1, 1}, CrossEntropy{}, 4,
			[]Layer{Dense{Out: 7}, ReLU{}, Dense{Out: 5}, ReLU{}, Dense{Out: 4}}},
		{"conv-stride-pad-maxpool-ce", Shape{2, 7, 7}, CrossEntropy{}, 3,
			[]Layer{Conv2D{Filters: 3, Kernel: 3, Stride: 2, Pad: 1}, Tanh{}, MaxPool{Size: 2}, Flatten{}, Dense{Out: 4}}},
		{"conv-conv-avgpool-mse", Shape{1, 8, 8}, SquaredError{}, 2,
			[]Layer{Conv2D{Filters: 2, Kernel: 3}, ReLU{}, Conv2D{Filters: 3, Kernel: 2, Pad: 1}, Tanh{}, AvgPool{Size: 3, Stride: 2}, Dense{Out: 3}}},
		{"dense-maxpool-overlap", Shape{1, 6, 6}, CrossEntropy{}, 2,
			[]Layer{Conv2D{Filters: 2, Kernel: 3, Pad: 1}, MaxPool{Size: 3, Stride: 2}, Dense{Out: 5}, Tanh{}, Dense{Out: 3}}},
		{"mnist-cnn-shape", Shape{1, 12, 12}, CrossEntropy{}, 2,
			[]Layer{Conv2D{Filters: 2, Kernel: 5}, ReLU{}, MaxPool{Size: 2}, Flatten{}, Dense{Out: 6}, ReLU{}, Dense{Out: 4}}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var nets []testNet
	for _, s := range specs {
		m := NewSequential(s.in, s.specs...)
		theta := make([]float64, m.NumParams())
		m.Init(theta, rng)
		// Non-zero biases so that bias derivatives are exercised away from 0.
		for i := range theta {
			theta[i] += 0.1 * rng.NormFloat64()
		}
		x := make([]float64, s.b*m.InSize())
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		dz := m.OutSize()
		y := make([]float64, s.b*dz)
		for i := range s.b {
			if _, ok := s.loss.(CrossEntropy); ok {
				y[i*dz+rng.IntN(dz)] = 1
			} else {
				for o := range dz {
					y[i*dz+o] = rng.NormFloat64()
				}
			}
		}
		nets = append(nets, testNet{s.name, m, s.loss, theta, x, y, s.b})
	}
	return nets
}

func randVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// Central differences with step h = 1e-6 have truncation error O(h²·f”')
// ≈ 1e-12 and round-off O(ε_mach·f/h) ≈ 1e-10 here, so 1e-6 absolute plus
// relative is a loose but meaningful bound.
const fdStep, fdTol = 1e-6, 1e-6

func shifted(theta, v []float64, h float64) []float64 {
	out := make([]float64, len(theta))
	for i := range theta {
		out[i] = theta[i] + h*v[i]
	}
	return out
}

func TestGradientFiniteDifferences(t *testing.T) {
	for _, tn := range testNets(t) {
		t.Run(tn.name, func(t *testing.T) {
			p := NewPass(tn.m, tn.loss, tn.b)
			p.Forward(tn.theta, tn.x, tn.y)
			g := make([]float64, len(tn.theta))
			p.GradTo(g)
			q := NewPass(tn.m, tn.loss, tn.b)
			for i := range tn.theta {
				e := make([]float64, len(tn.theta))
				e[i] = 1
				fd := (q.Forward(shifted(tn.theta, e, fdStep), tn.x, tn.y) -
					q.Forward(shifted(tn.theta, e, -fdStep), tn.x, tn.y)) / (2 * fdStep)
				assert.InDelta(t, fd, g[i], fdTol*(1+math.Abs(fd)), "θ[%d]", i)
			}
		})
	}
}

func TestJVPAndJacobianFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tn := range testNets(t) {
		t.Run(tn.name, func(t *testing.T) {
			n := len(tn.theta)
			p := NewPass(tn.m, tn.loss, tn.b)
			p.Forward(tn.theta, tn.x, tn.y)
			r := p.Rows()
			var J mat.Dense
			p.JacobianTo(&J)
			q := NewPass(tn.m, tn.loss, tn.b)
			fdOut := func(v []float64) []float64 {
				q.Forward(shifted(tn.theta, v, fdStep), tn.x, tn.y)
				zp := append([]float64(nil), q.Outputs()...)
				q.Forward(shifted(tn.theta, v, -fdStep), tn.x, tn.y)
				zm := q.Outputs()
				d := make([]float64, r)
				for i := range d {
					d[i] = (zp[i] - zm[i]) / (2 * fdStep)
				}
				return d
			}
			// Every column of J against finite differences.
			for i := range n {
				e := make([]float64, n)
				e[i] = 1
				fd := fdOut(e)
				for k := range r {
					assert.InDelta(t, fd[k], J.At(k, i), fdTol*(1+math.Abs(fd[k])), "J[%d,%d]", k, i)
				}
			}
			// JVP along random directions.
			for range 3 {
				v := randVec(rng, n)
				fd := fdOut(v)
				jv := make([]float64, r)
				p.JVPTo(jv, v)
				for k := range r {
					assert.InDelta(t, fd[k], jv[k], fdTol*(1+math.Abs(fd[k])), "Jv[%d]", k)
				}
			}
		})
	}
}

func TestVJP(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tn := range testNets(t) {
		t.Run(tn.name, func(t *testing.T) {
			n := len(tn.theta)
			p := NewPass(tn.m, tn.loss, tn.b)
			p.Forward(tn.theta, tn.x, tn.y)
			r := p.Rows()
			var J mat.Dense
			p.JacobianTo(&J)
			u := randVec(rng, r)
			got := make([]float64, n)
			p.VJPTo(got, u)
			var want mat.VecDense
			want.MulVec(J.T(), mat.NewVecDense(r, u))
			// Same sums in a different order: round-off only.
			for i := range n {
				assert.InDelta(t, want.AtVec(i), got[i], 1e-12*(1+math.Abs(want.AtVec(i))), "Jᵀu[%d]", i)
			}
			// The adjoint identity ⟨u, Jv⟩ = ⟨Jᵀu, v⟩ with the matrix-free JVP.
			v := randVec(rng, n)
			jv := make([]float64, r)
			p.JVPTo(jv, v)
			assert.InDelta(t, mat.Dot(mat.NewVecDense(r, u), mat.NewVecDense(r, jv)),
				mat.Dot(mat.NewVecDense(n, got), mat.NewVecDense(n, v)), 1e-10)
			// The gradient is the VJP of ∂ℓ/∂z.
			g := make([]float64, n)
			p.GradTo(g)
			p.VJPTo(got, append([]float64(nil), p.OutputGrad()...))
			assert.InDeltaSlice(t, g, got, 1e-13)
		})
	}
}

// explicitGGN returns JᵀHJ formed densely: the slow reference.
func explicitGGN(p *Pass) *mat.Dense {
	var J mat.Dense
	p.JacobianTo(&J)
	var H mat.SymDense
	p.HessianTo(&H)
	var HJ, F mat.Dense
	HJ.Mul(&H, &J)
	F.Mul(J.T(), &HJ)
	return &F
}

func TestGGNVecAgainstExplicit(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tn := range testNets(t) {
		t.Run(tn.name, func(t *testing.T) {
			n := len(tn.theta)
			p := NewPass(tn.m, tn.loss, tn.b)
			p.Forward(tn.theta, tn.x, tn.y)
			F := explicitGGN(p)
			for range 3 {
				v := randVec(rng, n)
				got := make([]float64, n)
				p.GGNVecTo(got, v)
				var want mat.VecDense
				want.MulVec(F, mat.NewVecDense(n, v))
				scale := mat.Norm(&want, math.Inf(1))
				for i := range n {
					assert.InDelta(t, want.AtVec(i), got[i], 1e-12*(1+scale), "Fv[%d]", i)
				}
				assert.InDelta(t, mat.Dot(mat.NewVecDense(n, v), &want), p.QuadForm(v), 1e-11*(1+scale))
			}
		})
	}
}

func TestGramAgainstExplicit(t *testing.T) {
	for _, tn := range testNets(t) {
		t.Run(tn.name, func(t *testing.T) {
			p := NewPass(tn.m, tn.loss, tn.b)
			p.Forward(tn.theta, tn.x, tn.y)
			var J mat.Dense
			p.JacobianTo(&J)
			var want mat.Dense
			want.Mul(&J, J.T())
			var got mat.SymDense
			p.GramTo(&got)
			r := p.Rows()
			require.Equal(t, r, got.SymmetricDim())
			scale := mat.Norm(&want, math.Inf(1))
			for i := range r {
				for j := range r {
					assert.InDelta(t, want.At(i, j), got.At(i, j), 1e-12*scale, "G[%d,%d]", i, j)
				}
			}
		})
	}
}

func TestPartialBatchReusesPass(t *testing.T) {
	tn := testNets(t)[2]
	p := NewPass(tn.m, tn.loss, tn.b)
	full := p.Forward(tn.theta, tn.x, tn.y)
	var G1 mat.SymDense
	p.GramTo(&G1)
	in, dz := tn.m.InSize(), tn.m.OutSize()
	// A one-sample batch in the same Pass equals a fresh Pass on that sample.
	l1 := p.Forward(tn.theta, tn.x[:in], tn.y[:dz])
	q := NewPass(tn.m, tn.loss, 1)
	assert.Equal(t, q.Forward(tn.theta, tn.x[:in], tn.y[:dz]), l1)
	var G, Gq mat.SymDense
	p.GramTo(&G)
	q.GramTo(&Gq)
	assert.True(t, mat.Equal(&G, &Gq))
	assert.NotEqual(t, full, l1)
}
