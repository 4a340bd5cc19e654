package nn

import (
	"fmt"
	"math/rand/v2"
)

// MaxPool takes the maximum over Size×Size windows moved by Stride (0 means
// Size: non-overlapping windows), channel by channel, without padding: an
// input C×H×W gives C×OH×OW with OH = (H − Size)/Stride + 1, likewise OW.
// Ties go to the first maximum in row-major window order; the derivative is
// that of the selected input (a subgradient at ties). No parameters.
type MaxPool struct {
	Size, Stride int
}

// AvgPool averages over Size×Size windows moved by Stride (0 means Size),
// channel by channel, without padding; shapes as for [MaxPool]. No
// parameters.
type AvgPool struct {
	Size, Stride int
}

func (p MaxPool) build(in Shape) layer { return newPool(in, p.Size, p.Stride, true) }
func (p AvgPool) build(in Shape) layer { return newPool(in, p.Size, p.Stride, false) }

func newPool(in Shape, size, stride int, isMax bool) *poolLayer {
	if stride == 0 {
		stride = size
	}
	if size <= 0 || stride <= 0 || size > in.H || size > in.W {
		panic(fmt.Sprintf("nn: invalid pooling size %d stride %d on %v", size, stride, in))
	}
	return &poolLayer{
		shape: in, k: size, s: stride, isMax: isMax,
		oh: (in.H-size)/stride + 1, ow: (in.W-size)/stride + 1,
	}
}

type poolLayer struct {
	shape  Shape
	k, s   int
	oh, ow int
	isMax  bool
}

func (l *poolLayer) in() Shape      { return l.shape }
func (l *poolLayer) out() Shape     { return Shape{l.shape.C, l.oh, l.ow} }
func (l *poolLayer) numParams() int { return 0 }
func (l *poolLayer) tmpLen() int    { return 0 }
func (l *poolLayer) flops() int     { return l.out().Size() * l.k * l.k }
func (l *poolLayer) spec() Layer {
	if l.isMax {
		return MaxPool{Size: l.k, Stride: l.s}
	}
	return AvgPool{Size: l.k, Stride: l.s}
}

// cacheLen: max pooling keeps the flat input index of each output's
// maximum (stored as a float64, exact for any realistic size).
func (l *poolLayer) cacheLen() int {
	if l.isMax {
		return l.out().Size()
	}
	return 0
}

func (l *poolLayer) initParams([]float64, *rand.Rand) {}

func (l *poolLayer) forward(y, x, _, cache []float64) {
	H, W := l.shape.H, l.shape.W
	inv := 1 / float64(l.k*l.k)
	o := 0
	for c := range l.shape.C {
		base := c * H * W
		for oy := range l.oh {
			for ox := range l.ow {
				i0 := base + oy*l.s*W + ox*l.s
				if l.isMax {
					best, arg := x[i0], i0
					for ky := range l.k {
						r := i0 + ky*W
						for kx := range l.k {
							if v := x[r+kx]; v > best {
								best, arg = v, r+kx
							}
						}
					}
					y[o], cache[o] = best, float64(arg)
				} else {
					s := 0.0
					for ky := range l.k {
						r := i0 + ky*W
						for kx := range l.k {
							s += x[r+kx]
						}
					}
					y[o] = s * inv
				}
				o++
			}
		}
	}
}

func (l *poolLayer) backward(dx, _, dy, _, _, _, cache, _ []float64, _ bool) {
	if dx == nil {
		return
	}
	clear(dx[:l.shape.Size()])
	n := l.out().Size()
	if l.isMax {
		for o, d := range dy[:n] {
			dx[int(cache[o])] += d
		}
		return
	}
	H, W := l.shape.H, l.shape.W
	inv := 1 / float64(l.k*l.k)
	o := 0
	for c := range l.shape.C {
		base := c * H * W
		for oy := range l.oh {
			for ox := range l.ow {
				i0 := base + oy*l.s*W + ox*l.s
				d := dy[o] * inv
				o++
				for ky := range l.k {
					r := i0 + ky*W
					for kx := range l.k {
						dx[r+kx] += d
					}
				}
			}
		}
	}
}

func (l *poolLayer) jvp(ty, tx, _, _, _, _, cache, _ []float64) {
	n := l.out().Size()
	if tx == nil {
		clear(ty[:n])
		return
	}
	if l.isMax {
		for o := range ty[:n] {
			ty[o] = tx[int(cache[o])]
		}
		return
	}
	l.forward(ty, tx, nil, nil)
}
