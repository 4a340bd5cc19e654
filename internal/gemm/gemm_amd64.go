//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// Assembly kernels for amd64 CPUs with AVX2 and FMA (gemm_amd64.s),
// selected at init (useAsm); the build tag purego keeps the portable Go
// kernels.

//go:noescape
func kernelAVX2(kc int, a, b *float64, tile *[MR * NR]float64)

//go:noescape
func dotAVX2(a, x *float64, n int) float64

//go:noescape
func dot2AVX2(a, x, y *float64, n int) (s, t float64)

//go:noescape
func axpyAVX2(a float64, x, y *float64, n int)

//go:noescape
func dot4AVX2(a *float64, lda, n int, x *float64, dst *[4]float64)

//go:noescape
func dot4x2AVX2(a *float64, lda, n int, x, y *float64, dst *[8]float64)

//go:noescape
func dot4x3AVX2(a *float64, lda, n int, x, y, z *float64, dst *[12]float64)

//go:noescape
func scaleAbsAVX2(acc *[4]float64, d, t *float64, n int, scale, f float64, nt bool)

//go:noescape
func scaleAbsT8AVX2(acc *[4]float64, d *float64, ldd int, t *float64, ldt, n int, scale, f float64, nt bool)

//go:noescape
func maxAbsCopyAVX2(dst, src *float64, n int, m uint64, lanes *[4]uint64, nt bool)

// Asm reports whether the assembly kernels are in use: on CPUs with AVX2
// and FMA whose YMM state the OS enables (golang.org/x/sys/cpu checks it).
var Asm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

func init() { useAsm = Asm }

func kernelAsm(kc int, a, b []float64, tile *[MR * NR]float64) {
	if kc == 0 {
		*tile = [MR * NR]float64{}
		return
	}
	_, _ = a[kc*MR-1], b[kc*NR-1]
	kernelAVX2(kc, &a[0], &b[0], tile)
}

func dotAsm(a, x []float64) float64 {
	if len(a) == 0 {
		return 0
	}
	x = x[:len(a)]
	return dotAVX2(&a[0], &x[0], len(a))
}

func dot2Asm(a, x, y []float64) (float64, float64) {
	if len(a) == 0 {
		return 0, 0
	}
	x, y = x[:len(a)], y[:len(a)]
	return dot2AVX2(&a[0], &x[0], &y[0], len(a))
}

func axpyAsm(a float64, x, y []float64) {
	if len(x) == 0 {
		return
	}
	y = y[:len(x)]
	axpyAVX2(a, &x[0], &y[0], len(x))
}

func dot4Asm(dst *[4]float64, a []float64, lda, n int, x []float64) {
	if n == 0 {
		*dst = [4]float64{}
		return
	}
	_, _ = a[3*lda+n-1], x[n-1]
	dot4AVX2(&a[0], lda, n, &x[0], dst)
}

func dot4x2Asm(dst *[8]float64, a []float64, lda, n int, x, y []float64) {
	if n == 0 {
		*dst = [8]float64{}
		return
	}
	_, _, _ = a[3*lda+n-1], x[n-1], y[n-1]
	dot4x2AVX2(&a[0], lda, n, &x[0], &y[0], dst)
}

func dot4x3Asm(dst *[12]float64, a []float64, lda, n int, x, y, z []float64) {
	if n == 0 {
		*dst = [12]float64{}
		return
	}
	_, _, _, _ = a[3*lda+n-1], x[n-1], y[n-1], z[n-1]
	dot4x3AVX2(&a[0], lda, n, &x[0], &y[0], &z[0], dst)
}
