package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInferForwardMatchesForward checks that the cache-free forward pass
// of evaluation gives the outputs and loss of Forward bit for bit, on every
// test network and the MNIST CNN, and that the Pass then refuses backward
// products until the next Forward.
func TestInferForwardMatchesForward(t *testing.T) {
	nets := testNets(t)
	rng := rand.New(rand.NewPCG(7, 8))
	m := CNN{}.Build(Shape{1, 28, 28}, 10)
	theta := make([]float64, m.NumParams())
	m.Init(theta, rng)
	y := make([]float64, 3*10)
	for s := range 3 {
		y[s*10+rng.IntN(10)] = 1
	}
	nets = append(nets, testNet{name: "mnist-cnn", m: m, loss: CrossEntropy{}, theta: theta,
		x: randVec(rng, 3*m.InSize()), y: y, b: 3})
	for _, tn := range nets {
		t.Run(tn.name, func(t *testing.T) {
			p := NewPass(tn.m, tn.loss, tn.b)
			want := p.Forward(tn.theta, tn.x, tn.y)
			wantZ := append([]float64(nil), p.Outputs()...)

			e := newEvalPass(tn.m, tn.loss, tn.b)
			assert.Equal(t, want, e.inferForward(tn.theta, tn.x, tn.y))
			assert.Equal(t, wantZ, e.Outputs())
			assert.Panics(t, func() { e.Forward(tn.theta, tn.x, tn.y) })

			// The same on a full Pass, which then needs a Forward again.
			assert.Equal(t, want, p.inferForward(tn.theta, tn.x, tn.y))
			assert.Equal(t, wantZ, p.Outputs())
			assert.Panics(t, func() { p.GradTo(make([]float64, tn.m.NumParams())) })
			p.Forward(tn.theta, tn.x, tn.y)
			assert.NotPanics(t, func() { p.GradTo(make([]float64, tn.m.NumParams())) })
		})
	}
}

// refEvaluate is the sequential evaluation through Forward, as the code
// before parallel evaluation computed it.
func refEvaluate(m *Model, loss Loss, theta []float64, d *Dataset, batch int) (float64, float64) {
	p := NewPass(m, loss, batch)
	n, in, out := d.Len(), d.In.Size(), d.OutSize
	lossSum, correct := 0.0, 0
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		lossSum += p.Forward(theta, d.X[lo*in:hi*in], d.Y[lo*out:hi*out]) * float64(hi-lo)
		z := p.Outputs()
		for s := range hi - lo {
			if argmax(z[s*out:(s+1)*out]) == d.Labels[lo+s] {
				correct++
			}
		}
	}
	return lossSum / float64(n), float64(correct) / float64(n)
}

// TestEvaluateWorkersDeterministic checks that evaluation on 1, 2, 3 and 4
// workers gives the sequential result bit for bit, on the MNIST CNN with
// 1000 random samples in chunks of 64 (16 chunks, the last partial).
func TestEvaluateWorkersDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	m := CNN{}.Build(Shape{1, 28, 28}, 10)
	theta := make([]float64, m.NumParams())
	m.Init(theta, rng)
	const n = 1000
	d := &Dataset{In: Shape{1, 28, 28}, OutSize: 10, X: randVec(rng, n*784),
		Y: make([]float64, n*10), Labels: make([]int, n)}
	for s := range n {
		d.Labels[s] = rng.IntN(10)
		d.Y[s*10+d.Labels[s]] = 1
	}
	wantLoss, wantAcc := refEvaluate(m, CrossEntropy{}, theta, d, 64)
	require.False(t, math.IsNaN(wantLoss))
	p := newEvalPass(m, CrossEntropy{}, 64)
	for _, w := range []int{1, 2, 3, 4, 1} {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			loss, acc := evaluateWorkers(p, theta, d, 0, w)
			assert.Equal(t, wantLoss, loss)
			assert.Equal(t, wantAcc, acc)
		})
	}
	loss, acc := Evaluate(m, CrossEntropy{}, theta, d, 0, 64)
	assert.Equal(t, wantLoss, loss)
	assert.Equal(t, wantAcc, acc)
}
