package nn

import "golang.org/x/sys/cpu"

// useConvAsm selects the AVX2 tile of convRow (4-wide multiplies and adds,
// no FMA, so the results equal the portable code's).
var useConvAsm = cpu.X86.HasAVX2

// convTile4x8 sets the 4×8 block of y at y (row stride ys) to the initial
// values plus the products of the 4 filter rows at w (row stride ckk, k
// used entries) with the 8 positions at src: y[i·ys + j] = y0 +
// Σ_kk w[i·ckk + kk] · src[j + off[kk]] in increasing kk, where y0 is b[i]
// if b is not nil and y[i·ys + j] otherwise. Implemented in
// conv_kernel_amd64.s.
//
//go:noescape
func convTile4x8(y *float64, ys int, w *float64, ckk int, src *float64, off *int, k int, b *float64)

// maxShift sets dst[i] to the maximum of src[i + t·step] over t < k, for
// i < n (a multiple of 4), with the comparisons of maxShiftTo.
// Implemented in conv_kernel_amd64.s.
//
//go:noescape
func maxShift(dst, src *float64, n, step, k int)

// gradRows adds ds[i]·pt[js[i]·ckk + k] to dst[k] for i < n in order, for
// k < ckk − ckk mod 4. Implemented in conv_kernel_amd64.s.
//
//go:noescape
func gradRows(dst *float64, ckk int, pt *float64, js *int, ds *float64, n int)
