package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// Conv2D is a 2-D convolution (cross-correlation, as in every deep-learning
// library) with Filters output channels, square Kernel×Kernel windows, the
// given Stride (0 means 1) and zero padding Pad on every border. For an
// input C×H×W the output is Filters×OH×OW with OH = (H + 2·Pad − Kernel)/Stride + 1
// (integer division), likewise OW.
//
// Parameters, in θ order: the kernels W (Filters × C·Kernel·Kernel,
// index f·C·K·K + (c·K + ky)·K + kx), then one bias per filter.
// Initialisation: W and b uniform on ±1/√(C·K·K) (see [Model.Init]).
//
// The forward products read the patches straight from the image when the
// stride is 1 and there is no padding, and from an im2col matrix otherwise,
// through one blocked kernel (vectorised on amd64 with AVX2; see convRow).
// For the backward products the layer keeps the patches of each sample
// position-major (the transposed im2col matrix), for the parameter gradient
// of sparse cotangents such as those behind max pooling, and, when they
// cannot be read from the image, patch-major (the im2col matrix) for the
// JVP.
type Conv2D struct {
	Filters, Kernel, Stride, Pad int
}

func (c Conv2D) build(in Shape) layer {
	s := c.Stride
	if s == 0 {
		s = 1
	}
	if c.Filters <= 0 || c.Kernel <= 0 || s < 0 || c.Pad < 0 {
		panic(fmt.Sprintf("nn: invalid %+v", c))
	}
	oh := (in.H+2*c.Pad-c.Kernel)/s + 1
	ow := (in.W+2*c.Pad-c.Kernel)/s + 1
	if in.H+2*c.Pad < c.Kernel || in.W+2*c.Pad < c.Kernel {
		panic(fmt.Sprintf("nn: Conv2D kernel %d larger than padded input %v", c.Kernel, in))
	}
	l := &convLayer{
		shape: in, f: c.Filters, k: c.Kernel, s: s, pad: c.Pad,
		oh: oh, ow: ow, ckk: in.C * c.Kernel * c.Kernel, np: oh * ow,
	}
	l.offCol = make([]int, l.ckk)
	for k := range l.offCol {
		l.offCol[k] = k * l.np
	}
	if s == 1 && c.Pad == 0 {
		l.offImg = make([]int, 0, l.ckk)
		for ch := range in.C {
			for ky := range c.Kernel {
				for kx := range c.Kernel {
					l.offImg = append(l.offImg, (ch*in.H+ky)*in.W+kx)
				}
			}
		}
	}
	return l
}

type convLayer struct {
	shape        Shape
	f, k, s, pad int
	oh, ow       int
	ckk, np      int // patch length C·K·K, output positions OH·OW
	// offCol[k] = k·np locates patch entry k of a position in the im2col
	// matrix; offImg[k] = (c·H + ky)·W + kx locates it in the image
	// relative to the position's top-left pixel when the stride is 1 and
	// there is no padding (nil otherwise). See convRow.
	offCol, offImg []int
}

func (l *convLayer) in() Shape      { return l.shape }
func (l *convLayer) out() Shape     { return Shape{l.f, l.oh, l.ow} }
func (l *convLayer) numParams() int { return l.f*l.ckk + l.f }
func (l *convLayer) cacheLen() int  { return 2 * l.ckk * l.np }
func (l *convLayer) tmpLen() int    { return l.ckk * l.np }
func (l *convLayer) flops() int     { return 2 * l.f * l.ckk * l.np }
func (l *convLayer) spec() Layer {
	return Conv2D{Filters: l.f, Kernel: l.k, Stride: l.s, Pad: l.pad}
}

func (l *convLayer) initParams(w []float64, rng *rand.Rand) {
	initUniform(w, l.ckk, rng)
}

// im2col writes the patches of x into p: row (c·K + ky)·K + kx, column
// oy·OW + ox holds x[c, oy·S + ky − Pad, ox·S + kx − Pad] (zero outside).
func (l *convLayer) im2col(p, x []float64) {
	H, W := l.shape.H, l.shape.W
	row := 0
	for c := range l.shape.C {
		xc := x[c*H*W : (c+1)*H*W]
		for ky := range l.k {
			for kx := range l.k {
				pr := p[row*l.np : (row+1)*l.np]
				row++
				j := 0
				for oy := range l.oh {
					iy := oy*l.s + ky - l.pad
					if iy < 0 || iy >= H {
						clear(pr[j : j+l.ow])
						j += l.ow
						continue
					}
					xr := xc[iy*W : (iy+1)*W]
					for ox := range l.ow {
						ix := ox*l.s + kx - l.pad
						if ix < 0 || ix >= W {
							pr[j] = 0
						} else {
							pr[j] = xr[ix]
						}
						j++
					}
				}
			}
		}
	}
}

// col2im sets dx to the sum of the patch entries of p at the input pixels
// they were copied from (the transpose of im2col).
func (l *convLayer) col2im(dx, p []float64) {
	H, W := l.shape.H, l.shape.W
	clear(dx[:l.shape.Size()])
	row := 0
	for c := range l.shape.C {
		dc := dx[c*H*W : (c+1)*H*W]
		for ky := range l.k {
			for kx := range l.k {
				pr := p[row*l.np : (row+1)*l.np]
				row++
				j := 0
				for oy := range l.oh {
					iy := oy*l.s + ky - l.pad
					if iy < 0 || iy >= H {
						j += l.ow
						continue
					}
					dr := dc[iy*W : (iy+1)*W]
					for ox := range l.ow {
						ix := ox*l.s + kx - l.pad
						if ix >= 0 && ix < W {
							dr[ix] += pr[j]
						}
						j++
					}
				}
			}
		}
	}
}

// gradGroup is the number of non-zero cotangents gathered per call of
// gradRowsTo in the parameter gradient.
const gradGroup = 64

// convChunk is the number of positions per call of convRow when the
// patches come from an im2col matrix: 64 positions of 25 patch entries
// (12.8 kB) stay in the L1 cache across the filter blocks.
const convChunk = 64

// conv sets y[f] = b[f] + Σ_k w[f,k] p[k] over output positions (b nil
// means zero bias) when add is false, and adds the sum when add is true.
// p is the im2col matrix (ckk × np) when img is false, and the image (the
// layer's input) when img is true, which needs l.offImg.
func (l *convLayer) conv(y, w, b, p []float64, img, add bool) {
	y = y[:l.f*l.np]
	var init []float64 // initial values of the sums: b, or y itself (nil)
	switch {
	case !add && b != nil:
		init = b[:l.f]
	case !add:
		clear(y)
	case b != nil:
		for f := range l.f {
			floats.AddConst(b[f], y[f*l.np:(f+1)*l.np])
		}
	}
	w = w[:l.f*l.ckk]
	if img {
		W := l.shape.W
		for oy := range l.oh {
			convRow(y[oy*l.ow:], l.np, w, l.ckk, p[oy*W:], l.offImg, l.f, l.ow, init)
		}
		return
	}
	for j := 0; j < l.np; j += convChunk {
		convRow(y[j:], l.np, w, l.ckk, p[j:], l.offCol, l.f, min(convChunk, l.np-j), init)
	}
}

// forward fills cache with the patch-major im2col matrix P (ckk × np)
// followed by its transpose (np × ckk). When the patches can be read from
// the image (l.offImg), P is left unset: the JVP reads the image instead.
func (l *convLayer) forward(y, x, w, cache []float64) {
	p, pt := cache[:l.ckk*l.np], cache[l.ckk*l.np:2*l.ckk*l.np]
	if l.offImg != nil {
		// Row j of Pᵀ is the patch of position j, read from the image
		// K values at a time.
		H, W, K := l.shape.H, l.shape.W, l.k
		j := 0
		for oy := range l.oh {
			for ox := range l.ow {
				row := pt[j*l.ckk : (j+1)*l.ckk]
				r := 0
				for c := range l.shape.C {
					for ky := range K {
						src := x[(c*H+oy+ky)*W+ox:]
						dst := row[r : r+K]
						for kx := range dst {
							dst[kx] = src[kx]
						}
						r += K
					}
				}
				j++
			}
		}
		l.conv(y, w, w[l.f*l.ckk:], x, true, false)
		return
	}
	l.im2col(p, x)
	for k := range l.ckk {
		row := p[k*l.np : (k+1)*l.np]
		for j, v := range row {
			pt[j*l.ckk+k] = v
		}
	}
	l.conv(y, w, w[l.f*l.ckk:], p, false, false)
}

// infer writes y = f(x; w) without filling a cache, for evaluation.
func (l *convLayer) infer(y, x, w, tmp []float64) {
	if l.offImg != nil {
		l.conv(y, w, w[l.f*l.ckk:], x, true, false)
		return
	}
	p := tmp[:l.ckk*l.np]
	l.im2col(p, x)
	l.conv(y, w, w[l.f*l.ckk:], p, false, false)
}

func (l *convLayer) backward(dx, gw, dy, _, _, w, cache, tmp []float64, set bool) {
	if gw != nil {
		if set {
			clear(gw[:l.numParams()])
		}
		gb := gw[l.f*l.ckk:]
		for f := range l.f {
			dyf := dy[f*l.np : (f+1)*l.np]
			gf := gw[f*l.ckk : (f+1)*l.ckk]
			// One axpy of a patch per non-zero cotangent: cotangents
			// behind max pooling are mostly zero (one non-zero per pooling
			// window at most), which makes this several times cheaper than
			// dense dots over all positions.
			pt := cache[l.ckk*l.np : 2*l.ckk*l.np]
			// The non-zero cotangents are gathered in groups (four zeros
			// at a time are skipped with one test) and their patches
			// added by gradRowsTo, in increasing position.
			var js [gradGroup]int
			var ds [gradGroup]float64
			n, sb := 0, 0.0
			for j := 0; j < len(dyf); j += 4 {
				q := dyf[j:min(j+4, len(dyf))]
				if len(q) == 4 && (math.Float64bits(q[0])|math.Float64bits(q[1])|
					math.Float64bits(q[2])|math.Float64bits(q[3]))<<1 == 0 {
					continue // four zeros (of either sign)
				}
				for t, d := range q {
					if d != 0 {
						js[n], ds[n] = j+t, d
						n++
						sb += d
					}
				}
				if n > gradGroup-4 {
					gradRowsTo(gf, pt, l.ckk, js[:n], ds[:n])
					n = 0
				}
			}
			gradRowsTo(gf, pt, l.ckk, js[:n], ds[:n])
			gb[f] += sb
		}
	}
	if dx != nil {
		dp := tmp[:l.ckk*l.np]
		clear(dp)
		for f := range l.f {
			dyf := dy[f*l.np : (f+1)*l.np]
			wf := w[f*l.ckk : (f+1)*l.ckk]
			for k, wk := range wf {
				if wk != 0 {
					floats.AddScaled(dp[k*l.np:(k+1)*l.np], wk, dyf)
				}
			}
		}
		l.col2im(dx, dp)
	}
}

// gradPooled is backward(nil, gw, dy, …) for the cotangent dy that the
// max pooling pl sends back from its own output cotangent dyp (pcache its
// cache for the sample): the same bits, without forming dy. dy is zero but
// at the windows' maxima, so the positions with a non-zero cotangent are
// visited straight from pl's sorted indices, in the increasing order in
// which backward finds them, each value summed as pl.backward does.
// (gradRowsTo adds the rows to g one after the other, so where the groups
// end does not change the bits.) The pooling's input must be this layer's
// output.
func (l *convLayer) gradPooled(gw, dyp []float64, pl *poolLayer, pcache, cache []float64, set bool) {
	if set {
		clear(gw[:l.numParams()])
	}
	gb := gw[l.f*l.ckk:]
	pt := cache[l.ckk*l.np : 2*l.ckk*l.np]
	ord := pl.sortedOutputs(pcache)
	m := pl.oh * pl.ow
	var js [gradGroup]int
	var ds [gradGroup]float64
	for f := range l.f {
		gf := gw[f*l.ckk : (f+1)*l.ckk]
		of := ord[f*m : (f+1)*m]
		base := f * l.np
		n, sb := 0, 0.0
		for t := 0; t < m; {
			o := int(of[t])
			idx := pcache[o]
			// pl.backward adds to a cleared cotangent: starting from
			// dyp[o] instead of 0 + dyp[o] changes at most the sign
			// of a zero sum, which is skipped.
			v := dyp[o]
			for t++; t < m && pcache[int(of[t])] == idx; t++ {
				v += dyp[int(of[t])]
			}
			if v == 0 {
				continue
			}
			if n == gradGroup {
				gradRowsTo(gf, pt, l.ckk, js[:n], ds[:n])
				n = 0
			}
			js[n], ds[n] = int(idx)-base, v
			n++
			sb += v
		}
		gradRowsTo(gf, pt, l.ckk, js[:n], ds[:n])
		gb[f] += sb
	}
}

func (l *convLayer) jvp(ty, tx, tw, x, _, w, cache, tmp []float64) {
	ty = ty[:l.f*l.np]
	switch {
	case tw == nil:
		clear(ty)
	case l.offImg != nil:
		l.conv(ty, tw, tw[l.f*l.ckk:], x, true, false)
	default:
		l.conv(ty, tw, tw[l.f*l.ckk:], cache, false, false)
	}
	switch {
	case tx == nil:
	case l.offImg != nil:
		l.conv(ty, w, nil, tx, true, true)
	default:
		p := tmp[:l.ckk*l.np]
		l.im2col(p, tx)
		l.conv(ty, w, nil, p, false, true)
	}
}
