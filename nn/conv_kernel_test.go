package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats"
)

// kernelPaths runs f with the AVX2 kernels (when the CPU has them) and with
// the portable Go code.
func kernelPaths(t *testing.T, f func(t *testing.T)) {
	saved := useConvAsm
	t.Cleanup(func() { useConvAsm = saved })
	for _, asm := range []bool{true, false} {
		if asm && !saved {
			continue
		}
		t.Run(fmt.Sprintf("asm=%v", asm), func(t *testing.T) {
			useConvAsm = asm
			f(t)
		})
	}
}

// refConvAxpy is the convolution as the code before convRow computed it:
// y[f] = b[f], then one axpy y[f] += w[f,k]·P[k] per patch entry k in
// order over the im2col matrix P (gonum's axpy multiplies then adds).
func refConvAxpy(l *convLayer, y, x, w []float64) {
	p := make([]float64, l.ckk*l.np)
	l.im2col(p, x)
	b := w[l.f*l.ckk:]
	for f := range l.f {
		yf := y[f*l.np : (f+1)*l.np]
		for j := range yf {
			yf[j] = b[f]
		}
		for k := range l.ckk {
			floats.AddScaled(yf, w[f*l.ckk+k], p[k*l.np:(k+1)*l.np])
		}
	}
}

// TestConvMatchesAxpyReference checks the forward pass, the cache-free
// pass and the input part of the JVP of Conv2D bit for bit against the
// axpy loop they replaced, on shapes that exercise the image and im2col
// sources, full 4×8 tiles and every kind of edge (filters and positions
// not multiples of the tile).
func TestConvMatchesAxpyReference(t *testing.T) {
	cases := []struct {
		in   Shape
		conv Conv2D
	}{
		{Shape{1, 28, 28}, Conv2D{Filters: 32, Kernel: 5}}, // the MNIST CNN
		{Shape{2, 9, 11}, Conv2D{Filters: 6, Kernel: 3}},   // 7×9 outputs, 4+2 filters
		{Shape{3, 10, 10}, Conv2D{Filters: 5, Kernel: 3, Stride: 2, Pad: 1}},
		{Shape{1, 30, 20}, Conv2D{Filters: 9, Kernel: 4, Pad: 2}},
		{Shape{2, 12, 40}, Conv2D{Filters: 8, Kernel: 2}}, // rows of 39: 4 tiles + 7
	}
	kernelPaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, c := range cases {
			t.Run(fmt.Sprintf("%v-%+v", c.in, c.conv), func(t *testing.T) {
				l := c.conv.build(c.in).(*convLayer)
				x, w := randVec(rng, c.in.Size()), randVec(rng, l.numParams())
				n := l.out().Size()
				want := make([]float64, n)
				refConvAxpy(l, want, x, w)

				got := make([]float64, n)
				l.forward(got, x, w, make([]float64, l.cacheLen()))
				assert.Equal(t, want, got, "forward")

				clear(got)
				l.infer(got, x, w, make([]float64, l.tmpLen()))
				assert.Equal(t, want, got, "infer")

				// JVP with the bias tangent only and the input tangent x:
				// (∂y/∂x)x + b = y, computed in the same order.
				tw := make([]float64, l.numParams())
				copy(tw[l.f*l.ckk:], w[l.f*l.ckk:])
				cache := make([]float64, l.cacheLen())
				l.forward(make([]float64, n), x, w, cache)
				clear(got)
				l.jvp(got, x, tw, x, nil, w, cache, make([]float64, l.tmpLen()))
				assert.Equal(t, want, got, "jvp")
			})
		}
	})
}

// refMaxPool is max pooling as the code before maxTo computed it: the
// running maximum of each window in row-major order, replaced only by a
// strictly larger value (so the first maximum wins).
func refMaxPool(l *poolLayer, y []float64, arg []int, x []float64) {
	H, W := l.shape.H, l.shape.W
	o := 0
	for c := range l.shape.C {
		for oy := range l.oh {
			for ox := range l.ow {
				i0 := c*H*W + oy*l.s*W + ox*l.s
				best, at := x[i0], i0
				for ky := range l.k {
					for kx := range l.k {
						if v := x[i0+ky*W+kx]; v > best {
							best, at = v, i0+ky*W+kx
						}
					}
				}
				y[o], arg[o] = best, at
				o++
			}
		}
	}
}

// TestMaxPoolMatchesReference checks the pooled values and the selected
// inputs (the first maximum of each window) against the scalar scan, with
// many ties (values drawn from 4 levels) and overlapping windows.
func TestMaxPoolMatchesReference(t *testing.T) {
	cases := []struct {
		in   Shape
		pool MaxPool
	}{
		{Shape{32, 24, 24}, MaxPool{Size: 4}}, // the MNIST CNN
		{Shape{2, 7, 9}, MaxPool{Size: 3, Stride: 2}},
		{Shape{3, 6, 6}, MaxPool{Size: 2}},
		{Shape{1, 13, 17}, MaxPool{Size: 5, Stride: 3}},
	}
	kernelPaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, c := range cases {
			t.Run(fmt.Sprintf("%v-%+v", c.in, c.pool), func(t *testing.T) {
				l := c.pool.build(c.in).(*poolLayer)
				x := make([]float64, c.in.Size())
				for i := range x {
					x[i] = float64(rng.IntN(4)) - 1.5
				}
				n := l.out().Size()
				want, wantArg := make([]float64, n), make([]int, n)
				refMaxPool(l, want, wantArg, x)

				got, cache := make([]float64, n), make([]float64, l.cacheLen())
				l.forward(got, x, nil, cache)
				require.Equal(t, want, got, "forward")
				for o := range n {
					assert.Equal(t, float64(wantArg[o]), cache[o], "argmax of output %d", o)
				}
				clear(got)
				l.infer(got, x, nil, make([]float64, l.tmpLen()))
				assert.Equal(t, want, got, "infer")
			})
		}
	})
}

// TestConvGradMatchesAxpyReference checks the parameter gradient of Conv2D
// bit for bit against the loop it replaced (one axpy of a patch per
// non-zero cotangent, in increasing position, the bias sum added at the
// end), for sparse cotangents (as behind max pooling, with some −0) and
// dense ones, overwriting and accumulating.
func TestConvGradMatchesAxpyReference(t *testing.T) {
	cases := []struct {
		in   Shape
		conv Conv2D
	}{
		{Shape{1, 28, 28}, Conv2D{Filters: 32, Kernel: 5}},
		{Shape{2, 9, 11}, Conv2D{Filters: 6, Kernel: 3}}, // ckk = 18: 16 + 2
		{Shape{3, 10, 10}, Conv2D{Filters: 5, Kernel: 3, Stride: 2, Pad: 1}},
		{Shape{1, 12, 40}, Conv2D{Filters: 3, Kernel: 2}}, // ckk = 4
		{Shape{1, 8, 8}, Conv2D{Filters: 2, Kernel: 1}},   // ckk = 1: no vector
	}
	kernelPaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, c := range cases {
			for _, density := range []float64{0.03, 1} {
				t.Run(fmt.Sprintf("%v-%+v-density=%g", c.in, c.conv, density), func(t *testing.T) {
					l := c.conv.build(c.in).(*convLayer)
					x, w := randVec(rng, c.in.Size()), randVec(rng, l.numParams())
					cache := make([]float64, l.cacheLen())
					l.forward(make([]float64, l.out().Size()), x, w, cache)
					dy := make([]float64, l.out().Size())
					for i := range dy {
						switch u := rng.Float64(); {
						case u < density:
							dy[i] = rng.NormFloat64()
						case u < density+0.01:
							dy[i] = math.Copysign(0, -1)
						}
					}
					p := make([]float64, l.ckk*l.np)
					l.im2col(p, x)
					patch := func(j int) []float64 {
						r := make([]float64, l.ckk)
						for k := range r {
							r[k] = p[k*l.np+j]
						}
						return r
					}
					start := randVec(rng, l.numParams())
					for _, set := range []bool{true, false} {
						want := append([]float64(nil), start...)
						if set {
							clear(want)
						}
						for f := range l.f {
							sb := 0.0
							for j := range l.np {
								if d := dy[f*l.np+j]; d != 0 {
									floats.AddScaled(want[f*l.ckk:(f+1)*l.ckk], d, patch(j))
									sb += d
								}
							}
							want[l.f*l.ckk+f] += sb
						}
						got := append([]float64(nil), start...)
						l.backward(nil, got, dy, x, nil, w, cache, make([]float64, l.tmpLen()), set)
						assert.Equal(t, want, got, "set=%v", set)
					}
				})
			}
		}
	})
}
