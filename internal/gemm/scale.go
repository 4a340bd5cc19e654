package gemm

import (
	"math"
	"unsafe"
)

// Kernels of the resistor arrays' programming (package circuit): a pass
// over a target that writes its scaled image and sums magnitudes, and a
// copy that finds the largest magnitude. Their results are defined
// operation by operation, so the assembly and the portable versions agree
// bit for bit.

// ScaleAbs sets d[j] = f·(v_j + 0) and adds |v_j| into acc[j mod 4], with
// v_j = scale·t[j], for j < len(t) in increasing order (len(d) ≥ len(t)).
// The + 0 turns −0 into +0.
func ScaleAbs(acc *[4]float64, d, t []float64, scale, f float64) {
	d = d[:len(t)]
	if !useAsm || len(t) < 8 {
		scaleAbsLanes(acc, 0, d, t, scale, f)
		return
	}
	// The entries before d's first 32-byte boundary and after the last
	// multiple of four go through scaleAbsLanes; the vector kernel's lane
	// l takes the entries j0 + l + 4i, so it gets the accumulator rotated.
	j0 := lead32(d)
	scaleAbsLanes(acc, 0, d[:j0], t[:j0], scale, f)
	m := (len(t) - j0) &^ 3
	rot := [4]float64{acc[j0&3], acc[(j0+1)&3], acc[(j0+2)&3], acc[(j0+3)&3]}
	scaleAbsAVX2(&rot, &d[j0], &t[j0], m, scale, f, len(t) >= ntMin)
	for l, v := range rot {
		acc[(j0+l)&3] = v
	}
	scaleAbsLanes(acc, j0+m, d[j0+m:], t[j0+m:], scale, f)
}

// ntMin is the length from which ScaleAbs and MaxAbsCopy write with
// non-temporal stores (ScaleAbsT8 from a destination span of 8·ntMin):
// outputs of this size come in arrays far larger than the caches.
const ntMin = 1 << 12

// lead32 returns the number of entries of d before its first 32-byte
// aligned one (0 to 3).
func lead32(d []float64) int {
	return int(-(uintptr(unsafe.Pointer(&d[0])) / 8) & 3)
}

// scaleAbsLanes is ScaleAbs for the entries j0, j0+1, … (t and d start at
// entry j0): entry j goes to lane j mod 4.
func scaleAbsLanes(acc *[4]float64, j0 int, d, t []float64, scale, f float64) {
	d = d[:len(t)]
	for k, x := range t {
		v := scale * x
		acc[(j0+k)&3] += math.Abs(v)
		d[k] = f * (v + 0)
	}
}

// ScaleAbsT8 is ScaleAbs on the transpose of eight rows of t (row q
// starting at t[q·ldt], n entries each): for i < n, with v_q =
// scale·t[q·ldt+i], it sets d[i·ldd+q] = f·(v_q + 0) for q < 8 and adds
// |v_q| + … into acc[i]: acc[i][q] += |v_q| for q < 4, then acc[i][q−4] +=
// |v_q| for 4 ≤ q < 8. The rows of t stream in their own layout and each
// row of d gets its eight entries (one cache line) at once.
func ScaleAbsT8(acc [][4]float64, d []float64, ldd int, t []float64, ldt, n int, scale, f float64) {
	if n == 0 {
		return
	}
	acc = acc[:n]
	_, _ = d[(n-1)*ldd+7], t[7*ldt+n-1]
	i := 0
	if useAsm {
		i = n &^ 3
		if i > 0 {
			nt := n*ldd >= 8*ntMin && ldd&3 == 0 && lead32(d) == 0 // d spans ≥ 256 KiB
			scaleAbsT8AVX2(&acc[0], &d[0], ldd, &t[0], ldt, i, scale, f, nt)
		}
		if i == n {
			return
		}
	}
	scaleAbsT8Go(acc[i:], d[i*ldd:], ldd, t[i:], ldt, n-i, scale, f)
}

func scaleAbsT8Go(acc [][4]float64, d []float64, ldd int, t []float64, ldt, n int, scale, f float64) {
	r0, r1, r2, r3 := t[:n], t[ldt:ldt+n], t[2*ldt:2*ldt+n], t[3*ldt:3*ldt+n]
	r4, r5, r6, r7 := t[4*ldt:4*ldt+n], t[5*ldt:5*ldt+n], t[6*ldt:6*ldt+n], t[7*ldt:7*ldt+n]
	acc = acc[:n]
	o := 0
	for ii := range n {
		s := &acc[ii]
		out := d[o : o+8 : o+8]
		v0, v1, v2, v3 := scale*r0[ii], scale*r1[ii], scale*r2[ii], scale*r3[ii]
		s0 := s[0] + math.Abs(v0)
		s1 := s[1] + math.Abs(v1)
		s2 := s[2] + math.Abs(v2)
		s3 := s[3] + math.Abs(v3)
		out[0], out[1], out[2], out[3] = f*(v0+0), f*(v1+0), f*(v2+0), f*(v3+0)
		v0, v1, v2, v3 = scale*r4[ii], scale*r5[ii], scale*r6[ii], scale*r7[ii]
		s[0] = s0 + math.Abs(v0)
		s[1] = s1 + math.Abs(v1)
		s[2] = s2 + math.Abs(v2)
		s[3] = s3 + math.Abs(v3)
		out[4], out[5], out[6], out[7] = f*(v0+0), f*(v1+0), f*(v2+0), f*(v3+0)
		o += ldd
	}
}

// absMask clears the sign bit of a float64's bits.
const absMask = 1<<63 - 1

// MaxAbsCopy copies src into dst (len(dst) ≥ len(src)) and returns the
// largest of m and the bits of |src_j|, m being the bits of a value ≥ 0:
// the bits of magnitudes order as the magnitudes do, ±Inf and NaN above
// all finite ones, so the result is ≥ 0x7ff0000000000000 exactly when m
// or an entry is not finite.
func MaxAbsCopy(dst, src []float64, m uint64) uint64 {
	dst = dst[:len(src)]
	if !useAsm || len(src) < 16 {
		return maxAbsCopyGo(dst, src, m)
	}
	j0 := lead32(dst)
	m = maxAbsCopyGo(dst[:j0], src[:j0], m)
	n := (len(src) - j0) &^ 7
	var lanes [4]uint64
	maxAbsCopyAVX2(&dst[j0], &src[j0], n, m, &lanes, len(src) >= ntMin)
	m = max(lanes[0], lanes[1], lanes[2], lanes[3])
	return maxAbsCopyGo(dst[j0+n:], src[j0+n:], m)
}

func maxAbsCopyGo(dst, src []float64, m uint64) uint64 {
	dst = dst[:len(src)]
	for j, x := range src {
		dst[j] = x
		m = max(m, math.Float64bits(x)&absMask)
	}
	return m
}
