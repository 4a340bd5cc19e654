package nn

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestModelLayoutAndFLOPs(t *testing.T) {
	m := CNN{}.Build(Shape{1, 28, 28}, 10)
	// Conv 32·25 + 32, Dense 1152·32 + 32, Dense 32·10 + 10.
	require.Equal(t, 832+36896+330, m.NumParams())
	spec, lo, hi := m.Layer(0)
	assert.Equal(t, Conv2D{Filters: 32, Kernel: 5, Stride: 1}, spec)
	assert.Equal(t, [2]int{0, 832}, [2]int{lo, hi})
	spec, lo, hi = m.Layer(1)
	assert.Equal(t, MaxPool{Size: 4, Stride: 4}, spec)
	assert.Equal(t, lo, hi)
	assert.Equal(t, 10, m.OutSize())
	f := m.FLOPs()
	// 2·32·25·576 (conv) + 1152·16 (pool) + 1152 (ReLU) + 2·1152·32 + 32 + 2·32·10.
	assert.Equal(t, 921600+18432+1152+73728+32+640, f.Forward)
	assert.Equal(t, 2*f.Forward, f.Backward)
	assert.True(t, strings.HasSuffix(m.String(), "N = 38058 parameters"), m.String())

	mlp := MLP{}.Build(Shape{1, 28, 28}, 10)
	assert.Equal(t, 50890, mlp.NumParams())
	lin := MLP{Hidden: []int{}}.Build(Shape{4, 1, 1}, 2)
	assert.Equal(t, 10, lin.NumParams())

	// Init is reproducible and bounded by 1/√fan-in.
	a, b := make([]float64, m.NumParams()), make([]float64, m.NumParams())
	m.Init(a, rand.New(rand.NewPCG(1, 1)))
	m.Init(b, rand.New(rand.NewPCG(1, 1)))
	assert.Equal(t, a, b)
	for _, v := range a[:832] {
		assert.LessOrEqual(t, v*v, 1.0/25)
	}
}

func TestModelConfigErrors(t *testing.T) {
	_, err := ModelConfig{Kind: "resnet"}.Build(Shape{1, 28, 28}, 10)
	assert.ErrorIs(t, err, ErrUnknownModel)
	assert.Error(t, CNN{Filters: -1}.Validate())
	assert.Error(t, CNN{Activation: "gelu"}.Validate())
	assert.Error(t, MLP{Hidden: []int{0}}.Validate())
	assert.Panics(t, func() { NewSequential(Shape{1, 4, 4}, Conv2D{Filters: 1, Kernel: 5}) })
	assert.Panics(t, func() { NewSequential(Shape{1, 4, 4}) })
	m, err := ModelConfig{Kind: "mlp", MLP: MLP{Hidden: []int{3}}}.Build(Shape{2, 1, 1}, 1)
	require.NoError(t, err)
	assert.Equal(t, 2*3+3+3+1, m.NumParams())
}

// TestSplitFeatures: the head on the body's features computes exactly what
// the whole model computes, with the same loss and gradient restricted to
// the head's parameters.
func TestSplitFeatures(t *testing.T) {
	tn := testNets(t)[5] // conv → pool → dense → dense
	m := tn.m
	body, head, lo := m.Split(4)
	require.Equal(t, m.NumParams(), body.NumParams()+head.NumParams())
	require.Equal(t, body.NumParams(), lo)
	d := &Dataset{In: m.InShape(), OutSize: m.OutSize(), X: tn.x, Y: tn.y}
	f := body.Features(tn.theta[:lo], d)
	require.NoError(t, f.Validate())
	p := NewPass(m, tn.loss, tn.b)
	q := NewPass(head, tn.loss, tn.b)
	assert.Equal(t, p.Forward(tn.theta, tn.x, tn.y), q.Forward(tn.theta[lo:], f.X, f.Y))
	assert.Equal(t, p.Outputs(), q.Outputs())
	g, gh := make([]float64, m.NumParams()), make([]float64, head.NumParams())
	p.GradTo(g)
	q.GradTo(gh)
	assert.Equal(t, g[lo:], gh)
	assert.Panics(t, func() { m.Split(0) })
}
