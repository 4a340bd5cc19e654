package nn

import (
	"math"
	"math/rand/v2"
)

// ReLU is the element-wise max(x, 0), with derivative 1 for x > 0 and 0
// otherwise (the subgradient 0 at x = 0). No parameters; keeps the shape.
type ReLU struct{}

// Tanh is the element-wise hyperbolic tangent. No parameters; keeps the
// shape.
type Tanh struct{}

// Flatten reshapes C×H×W to a vector (C·H·W)×1×1 without changing the
// values. [Dense] flattens its input by itself; Flatten only makes a model's
// summary explicit.
type Flatten struct{}

func (ReLU) build(in Shape) layer    { return &actLayer{shape: in, tanh: false} }
func (Tanh) build(in Shape) layer    { return &actLayer{shape: in, tanh: true} }
func (Flatten) build(in Shape) layer { return &flattenLayer{shape: in} }

type actLayer struct {
	shape Shape
	tanh  bool
}

func (l *actLayer) in() Shape                        { return l.shape }
func (l *actLayer) out() Shape                       { return l.shape }
func (l *actLayer) numParams() int                   { return 0 }
func (l *actLayer) cacheLen() int                    { return 0 }
func (l *actLayer) tmpLen() int                      { return 0 }
func (l *actLayer) initParams([]float64, *rand.Rand) {}
func (l *actLayer) flops() int                       { return l.shape.Size() }
func (l *actLayer) spec() Layer {
	if l.tanh {
		return Tanh{}
	}
	return ReLU{}
}

func (l *actLayer) forward(y, x, _, _ []float64) {
	n := l.shape.Size()
	y, x = y[:n], x[:n]
	if l.tanh {
		for i, v := range x {
			y[i] = math.Tanh(v)
		}
		return
	}
	for i, v := range x {
		y[i] = max(v, 0)
	}
}

// deriv applies the derivative at (x, y) to t, writing into d.
func (l *actLayer) deriv(d, t, x, y []float64) {
	n := l.shape.Size()
	d, t = d[:n], t[:n]
	if l.tanh {
		y = y[:n]
		for i, v := range t {
			d[i] = v * (1 - y[i]*y[i])
		}
		return
	}
	x = x[:n]
	for i, v := range t {
		if x[i] > 0 {
			d[i] = v
		} else {
			d[i] = 0
		}
	}
}

func (l *actLayer) backward(dx, _, dy, x, y, _, _, _ []float64, _ bool) {
	if dx != nil {
		l.deriv(dx, dy, x, y)
	}
}

func (l *actLayer) jvp(ty, tx, _, x, y, _, _, _ []float64) {
	if tx == nil {
		clear(ty[:l.shape.Size()])
		return
	}
	l.deriv(ty, tx, x, y)
}

type flattenLayer struct{ shape Shape }

func (l *flattenLayer) in() Shape                        { return l.shape }
func (l *flattenLayer) out() Shape                       { return Shape{l.shape.Size(), 1, 1} }
func (l *flattenLayer) numParams() int                   { return 0 }
func (l *flattenLayer) cacheLen() int                    { return 0 }
func (l *flattenLayer) tmpLen() int                      { return 0 }
func (l *flattenLayer) initParams([]float64, *rand.Rand) {}
func (l *flattenLayer) flops() int                       { return 0 }
func (l *flattenLayer) spec() Layer                      { return Flatten{} }

func (l *flattenLayer) forward(y, x, _, _ []float64) { copy(y[:l.shape.Size()], x) }
func (l *flattenLayer) backward(dx, _, dy, _, _, _, _, _ []float64, _ bool) {
	if dx != nil {
		copy(dx[:l.shape.Size()], dy)
	}
}
func (l *flattenLayer) jvp(ty, tx, _, _, _, _, _, _ []float64) {
	if tx == nil {
		clear(ty[:l.shape.Size()])
		return
	}
	copy(ty[:l.shape.Size()], tx)
}
