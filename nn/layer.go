package nn

import (
	"fmt"
	"math/rand/v2"
)

// Shape is the shape of one sample's tensor: C channels of H×W pixels,
// stored channel-major (index (c·H + y)·W + x). A plain vector of n values
// has Shape{n, 1, 1}.
type Shape struct {
	C, H, W int
}

// Size returns C·H·W, the number of values in one sample.
func (s Shape) Size() int { return s.C * s.H * s.W }

// String formats the shape as C×H×W.
func (s Shape) String() string { return fmt.Sprintf("%d×%d×%d", s.C, s.H, s.W) }

// Layer is the specification of one layer of a [Sequential] model: one of
// [Dense], [Conv2D], [MaxPool], [AvgPool], [Flatten], [ReLU] and [Tanh].
// The input shape is inferred when the model is built. The interface is
// closed: its method is unexported.
type Layer interface {
	build(in Shape) layer
}

// layer is a built layer: its input shape is known and it maps one sample at
// a time. All methods work on flat slices of one sample; none allocates.
//
// Conventions. x and y are the sample's input and output (as computed by
// forward), w the layer's parameter slice (length numParams), cache the
// per-sample slice of length cacheLen that forward fills and the other
// methods read, tmp a scratch slice of length tmpLen that no call retains.
type layer interface {
	in() Shape
	out() Shape
	numParams() int
	cacheLen() int
	tmpLen() int
	// initParams draws initial parameters into w.
	initParams(w []float64, rng *rand.Rand)
	// forward writes y = f(x; w) and fills cache.
	forward(y, x, w, cache []float64)
	// backward sets dx = (∂y/∂x)ᵀ dy (skipped when dx is nil) and adds
	// (∂y/∂w)ᵀ dy to gw (skipped when gw is nil), or writes it over gw when
	// set is true.
	backward(dx, gw, dy, x, y, w, cache, tmp []float64, set bool)
	// jvp sets ty = (∂y/∂x) tx + (∂y/∂w) tw; a nil tx or tw is a zero
	// tangent.
	jvp(ty, tx, tw, x, y, w, cache, tmp []float64)
	// flops is the number of floating-point operations of forward for one
	// sample (a multiply-add counts as two).
	flops() int
	spec() Layer
}

// inferLayer is implemented by layers whose forward pass has a cheaper
// form for evaluation: infer writes the same y as forward (the same bits)
// without filling a cache; tmp is a scratch slice of length tmpLen.
type inferLayer interface {
	infer(y, x, w, tmp []float64)
}

// Activation names an element-wise nonlinearity in model configurations.
// The zero value "" means ReLU.
type Activation string

const (
	ActReLU Activation = "relu"
	ActTanh Activation = "tanh"
)

// layer returns the Layer for the activation. It panics for an unknown name.
func (a Activation) layer() Layer {
	switch a {
	case "", ActReLU:
		return ReLU{}
	case ActTanh:
		return Tanh{}
	}
	panic(fmt.Sprintf("nn: unknown activation %q", string(a)))
}

// Validate returns an error for an unknown activation name.
func (a Activation) Validate() error {
	switch a {
	case "", ActReLU, ActTanh:
		return nil
	}
	return fmt.Errorf("nn: unknown activation %q (want relu or tanh)", string(a))
}
