package nn

// The convolution kernel behind Conv2D's forward pass, its inference path
// and its JVP: one matrix product Y = W·P per sample and output row, where
// P is never formed. Column j of P (one output position) is read from a
// source slice through a table of offsets: P[k, j] = src[base(j) + off[k]],
// with base(j) advancing by one between neighbouring positions of an output
// row. With off[k] = k·np and src an im2col matrix this is the plain product;
// with off[k] = c·H·W + ky·W + kx and src the input image (stride 1, no
// padding) it is the convolution read straight from the image.
//
// Every output accumulates y ← y + w[f,k]·P[k,j] in increasing k, each
// product rounded before the addition (no fused multiply-add): the
// assembly tiles, the portable tiles and the edges all give the same bits,
// and the same bits as the axpy loop they replaced.

// convTileF and convTileJ are the tile of the assembly kernel: 4 filters
// (rows of W and Y) by 8 positions (two 4-wide vectors).
const (
	convTileF = 4
	convTileJ = 8
)

// convRow adds the products of the filters w (f × ckk, row-major) with the
// n positions of one output row to the initial values: y[i·ys + j] =
// y0 + Σ_k w[i·ckk + k] · src[j + off[k]] for i < f, j < n, in increasing k,
// where y0 is b[i] if b is not nil and y[i·ys + j] otherwise. off must be
// increasing and non-empty.
func convRow(y []float64, ys int, w []float64, ckk int, src []float64, off []int, f, n int, b []float64) {
	k := len(off)
	fi := 0
	if useConvAsm {
		for ; fi+convTileF <= f; fi += convTileF {
			j := 0
			for ; j+convTileJ <= n; j += convTileJ {
				// Bounds: the tile reads src[j+off[k] : j+off[k]+8] and
				// writes y rows fi..fi+3 at j..j+7; the slicing checks the
				// extremes, the offsets are validated at build time.
				_ = y[(fi+convTileF-1)*ys+j+convTileJ-1]
				_ = w[(fi+convTileF-1)*ckk+k-1]
				_ = src[j+convTileJ-1+off[k-1]] // off is increasing
				var bi *float64
				if b != nil {
					_ = b[fi+convTileF-1]
					bi = &b[fi]
				}
				convTile4x8(&y[fi*ys+j], ys, &w[fi*ckk], ckk, &src[j], &off[0], k, bi)
			}
			if j < n {
				convRowGo(y[fi*ys:], ys, w[fi*ckk:], ckk, src, off, convTileF, j, n, bSlice(b, fi))
			}
		}
	}
	if fi < f {
		convRowGo(y[fi*ys:], ys, w[fi*ckk:], ckk, src, off, f-fi, 0, n, bSlice(b, fi))
	}
}

func bSlice(b []float64, i int) []float64 {
	if b == nil {
		return nil
	}
	return b[i:]
}

// convRowGo is convRow for filters 0..f−1 and positions j0..n−1, in
// portable Go, with the same order of operations as the assembly tile.
func convRowGo(y []float64, ys int, w []float64, ckk int, src []float64, off []int, f, j0, n int, b []float64) {
	for i := range f {
		wi := w[i*ckk : i*ckk+len(off)]
		yi := y[i*ys : i*ys+n]
		if b != nil {
			for j := j0; j < n; j++ {
				yi[j] = b[i]
			}
		}
		j := j0
		// Four positions at a time keep four independent sums in
		// registers; each sum still runs over k in order.
		for ; j+4 <= n; j += 4 {
			s0, s1, s2, s3 := yi[j], yi[j+1], yi[j+2], yi[j+3]
			for k, o := range off {
				wk := wi[k]
				p := src[j+o : j+o+4]
				// float64(·) rounds the product: no fused multiply-add,
				// whatever GOAMD64 allows.
				s0 += float64(wk * p[0])
				s1 += float64(wk * p[1])
				s2 += float64(wk * p[2])
				s3 += float64(wk * p[3])
			}
			yi[j], yi[j+1], yi[j+2], yi[j+3] = s0, s1, s2, s3
		}
		for ; j < n; j++ {
			s := yi[j]
			for k, o := range off {
				s += float64(wi[k] * src[j+o])
			}
			yi[j] = s
		}
	}
}

// maxShiftTo sets dst[i] = max_{t<k} src[i + t·step] for i < n, scanning t
// upwards and keeping the running maximum m unless a value v > m comes
// (so a NaN after the first term is skipped, and of +0 and −0 the first
// stays). dst may be src (the scan reads ahead of what it writes) but must
// not overlap it otherwise. It uses the AVX2 kernel for the first n − n mod 4
// entries when available.
func maxShiftTo(dst, src []float64, n, step, k int) {
	if n <= 0 {
		return
	}
	_ = src[n-1+(k-1)*step]
	_ = dst[n-1]
	i := 0
	if useConvAsm && n >= 4 {
		i = n &^ 3
		maxShift(&dst[0], &src[0], i, step, k)
	}
	for ; i < n; i++ {
		m := src[i]
		for t := 1; t < k; t++ {
			if v := src[i+t*step]; v > m {
				m = v
			}
		}
		dst[i] = m
	}
}

// gradRowsTo adds Σ_i ds[i]·pt[js[i]·ckk + k] to g[k] for k < ckk, the sum
// taken in increasing i (each product rounded before its addition). pt
// holds rows of ckk values; every js[i] must index one of them.
func gradRowsTo(g, pt []float64, ckk int, js []int, ds []float64) {
	n := len(js)
	if n == 0 {
		return
	}
	g, ds = g[:ckk], ds[:n]
	k := 0
	if useConvAsm && ckk >= 4 {
		for _, j := range js {
			_ = pt[j*ckk+ckk-1]
		}
		k = ckk &^ 3
		gradRows(&g[0], ckk, &pt[0], &js[0], &ds[0], n)
	}
	for ; k < ckk; k++ {
		s := g[k]
		for i, j := range js {
			s += float64(ds[i] * pt[j*ckk+k])
		}
		g[k] = s
	}
}
