package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// Dense is a fully connected layer y = W x + b with Out outputs. Its input
// is the previous layer's output of any shape, read as a flat vector of
// length In. Parameters, in θ order: W (Out×In, row-major), then b (Out).
// Initialisation: W and b uniform on ±1/√In (see [Model.Init]).
type Dense struct {
	Out int
}

func (d Dense) build(in Shape) layer {
	if d.Out <= 0 {
		panic(fmt.Sprintf("nn: Dense with %d outputs", d.Out))
	}
	return &denseLayer{shape: in, nIn: in.Size(), nOut: d.Out}
}

type denseLayer struct {
	shape     Shape
	nIn, nOut int
}

func (l *denseLayer) in() Shape                        { return l.shape }
func (l *denseLayer) out() Shape                       { return Shape{l.nOut, 1, 1} }
func (l *denseLayer) numParams() int                   { return l.nOut*l.nIn + l.nOut }
func (l *denseLayer) cacheLen() int                    { return 0 }
func (l *denseLayer) tmpLen() int                      { return 0 }
func (l *denseLayer) flops() int                       { return 2 * l.nOut * l.nIn }
func (l *denseLayer) spec() Layer                      { return Dense{Out: l.nOut} }
func (l *denseLayer) row(w []float64, i int) []float64 { return w[i*l.nIn : (i+1)*l.nIn] }

func (l *denseLayer) initParams(w []float64, rng *rand.Rand) {
	initUniform(w, l.nIn, rng)
}

func (l *denseLayer) forward(y, x, w, _ []float64) {
	bias := w[l.nOut*l.nIn:]
	for i := range l.nOut {
		y[i] = bias[i] + floats.Dot(l.row(w, i), x)
	}
}

func (l *denseLayer) backward(dx, gw, dy, x, _, w, _, _ []float64, set bool) {
	if gw != nil && set {
		gb := gw[l.nOut*l.nIn:]
		for i, d := range dy[:l.nOut] {
			if d == 0 {
				clear(l.row(gw, i))
			} else {
				floats.ScaleTo(l.row(gw, i), d, x)
			}
			gb[i] = d
		}
	} else if gw != nil {
		gb := gw[l.nOut*l.nIn:]
		for i, d := range dy[:l.nOut] {
			if d == 0 {
				continue
			}
			floats.AddScaled(l.row(gw, i), d, x)
			gb[i] += d
		}
	}
	if dx != nil {
		clear(dx[:l.nIn])
		for i, d := range dy[:l.nOut] {
			if d == 0 {
				continue
			}
			floats.AddScaled(dx[:l.nIn], d, l.row(w, i))
		}
	}
}

func (l *denseLayer) jvp(ty, tx, tw, x, _, w, _, _ []float64) {
	ty = ty[:l.nOut]
	clear(ty)
	if tx != nil {
		for i := range l.nOut {
			ty[i] = floats.Dot(l.row(w, i), tx)
		}
	}
	if tw != nil {
		tb := tw[l.nOut*l.nIn:]
		for i := range l.nOut {
			ty[i] += tb[i] + floats.Dot(l.row(tw, i), x)
		}
	}
}

// initUniform draws w uniformly on ±1/√fanIn, the default initialisation
// of PyTorch's Linear and Conv2d layers (Kaiming-uniform with a = √5, and
// the same bound for biases).
func initUniform(w []float64, fanIn int, rng *rand.Rand) {
	bound := 1 / math.Sqrt(float64(fanIn))
	for i := range w {
		w[i] = bound * (2*rng.Float64() - 1)
	}
}
