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
func (l *poolLayer) tmpLen() int    { return l.rowsLen() }
func (l *poolLayer) flops() int     { return l.out().Size() * l.k * l.k }
func (l *poolLayer) spec() Layer {
	if l.isMax {
		return MaxPool{Size: l.k, Stride: l.s}
	}
	return AvgPool{Size: l.k, Stride: l.s}
}

// cacheLen: max pooling keeps the flat input index of each output's
// maximum (stored as a float64, exact for any realistic size), then, channel
// by channel, the channel's outputs in increasing order of that index (ties
// in output order; see sortedOutputs), followed by the scratch rows of
// maxTo.
func (l *poolLayer) cacheLen() int {
	if l.isMax {
		return 2*l.out().Size() + l.rowsLen()
	}
	return 0
}

// sortedOutputs returns the part of a max-pooling cache that lists each
// channel's outputs (as float64) in increasing order of their maximum's
// input index: the order in which backward's input cotangent holds them.
func (l *poolLayer) sortedOutputs(cache []float64) []float64 {
	n := l.out().Size()
	return cache[n : 2*n]
}

// rowsLen is the length of maxTo's scratch: the column maxima of each
// output row's window rows, C·OH·W (0 for average pooling).
func (l *poolLayer) rowsLen() int {
	if l.isMax {
		return l.shape.C * l.oh * l.shape.W
	}
	return 0
}

// maxTo writes the window maxima of x into y, using rows (length rowsLen)
// as scratch: first the maxima down the Size rows of each window row
// (column by column), then across Size neighbouring columns, both with
// maxShiftTo. The value is the maximum of the window (with NaN and ±0 as
// in maxShiftTo).
func (l *poolLayer) maxTo(y, x, rows []float64) {
	C, H, W := l.shape.C, l.shape.H, l.shape.W
	rows = rows[:C*l.oh*W]
	for c := range C {
		for oy := range l.oh {
			maxShiftTo(rows[(c*l.oh+oy)*W:], x[(c*H+oy*l.s)*W:], W, W, l.k)
		}
	}
	maxShiftTo(rows, rows, len(rows)-(l.k-1), 1, l.k)
	o := 0
	for r := range C * l.oh {
		row := rows[r*W:]
		for ox := range l.ow {
			y[o] = row[ox*l.s]
			o++
		}
	}
}

// infer writes the pooled x into y without filling a cache.
func (l *poolLayer) infer(y, x, _, tmp []float64) {
	if l.isMax {
		l.maxTo(y, x, tmp)
		return
	}
	l.forward(y, x, nil, nil)
}

func (l *poolLayer) initParams([]float64, *rand.Rand) {}

func (l *poolLayer) forward(y, x, _, cache []float64) {
	H, W := l.shape.H, l.shape.W
	if l.isMax {
		// The maxima first (vectorised), then the first input of each
		// window, in row-major order, that equals its maximum: the first
		// maximum, as the tie rule says (the window's first input when
		// the maximum is NaN).
		n := l.out().Size()
		l.maxTo(y, x, cache[2*n:])
		o := 0
		for c := range l.shape.C {
			base := c * H * W
			for oy := range l.oh {
				for ox := range l.ow {
					i0 := base + oy*l.s*W + ox*l.s
					cache[o] = float64(firstEqual(x, i0, W, l.k, y[o]))
					o++
				}
			}
		}
		// Insertion sort of each channel's outputs by index (stable:
		// ties keep output order). Windows move right then down, so the
		// indices are nearly sorted already.
		m := l.oh * l.ow
		for c := range l.shape.C {
			ord := cache[n+c*m : n+(c+1)*m]
			for t := range ord {
				o := c*m + t
				v := cache[o]
				u := t
				for ; u > 0 && cache[int(ord[u-1])] > v; u-- {
					ord[u] = ord[u-1]
				}
				ord[u] = float64(o)
			}
		}
		return
	}
	inv := 1 / float64(l.k*l.k)
	o := 0
	for c := range l.shape.C {
		base := c * H * W
		for oy := range l.oh {
			for ox := range l.ow {
				i0 := base + oy*l.s*W + ox*l.s
				s := 0.0
				for ky := range l.k {
					r := i0 + ky*W
					for kx := range l.k {
						s += x[r+kx]
					}
				}
				y[o] = s * inv
				o++
			}
		}
	}
}

// firstEqual returns the flat index of the first input equal to m in the
// k×k window of x at i0 (rows W apart), in row-major order, or i0 if none
// is (m NaN).
func firstEqual(x []float64, i0, W, k int, m float64) int {
	for ky := range k {
		r := x[i0+ky*W : i0+ky*W+k]
		for kx, v := range r {
			if v == m {
				return i0 + ky*W + kx
			}
		}
	}
	return i0
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
