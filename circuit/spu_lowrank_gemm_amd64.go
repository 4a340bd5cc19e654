//go:build amd64 && !purego

package circuit

// Assembly kernels for amd64 CPUs with AVX2 and FMA (spu_lowrank_gemm_amd64.s),
// selected at init; the build tag purego keeps the portable Go kernels.

//go:noescape
func lrKernelAVX2(kc int, a, b *float64, tile *[lrMR * lrNR]float64)

//go:noescape
func lrDotAVX2(a, x *float64, n int) float64

//go:noescape
func lrDot2AVX2(a, x, y *float64, n int) (s, t float64)

//go:noescape
func lrAxpyAVX2(a float64, x, y *float64, n int)

func lrCPUID(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func lrXGETBV() (eax, edx uint32)

// lrHasAVX2FMA reports AVX2 and FMA with the YMM state enabled by the OS.
func lrHasAVX2FMA() bool {
	maxID, _, _, _ := lrCPUID(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, ecx1, _ := lrCPUID(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&fma == 0 || ecx1&osxsave == 0 || ecx1&avx == 0 {
		return false
	}
	if xcr0, _ := lrXGETBV(); xcr0&6 != 6 { // XMM and YMM state
		return false
	}
	_, ebx7, _, _ := lrCPUID(7, 0)
	return ebx7&(1<<5) != 0 // AVX2
}

// lrAsm reports whether the assembly kernels are in use.
var lrAsm = lrHasAVX2FMA()

func init() {
	if !lrAsm {
		return
	}
	lrKernel = func(kc int, a, b []float64, tile *[lrMR * lrNR]float64) {
		if kc == 0 {
			*tile = [lrMR * lrNR]float64{}
			return
		}
		_, _ = a[kc*lrMR-1], b[kc*lrNR-1]
		lrKernelAVX2(kc, &a[0], &b[0], tile)
	}
	lrDot = func(a, x []float64) float64 {
		if len(a) == 0 {
			return 0
		}
		x = x[:len(a)]
		return lrDotAVX2(&a[0], &x[0], len(a))
	}
	lrAxpy = func(a float64, x, y []float64) {
		if len(x) == 0 {
			return
		}
		y = y[:len(x)]
		lrAxpyAVX2(a, &x[0], &y[0], len(x))
	}
	lrDot2 = func(a, x, y []float64) (float64, float64) {
		if len(a) == 0 {
			return 0, 0
		}
		x, y = x[:len(a)], y[:len(a)]
		return lrDot2AVX2(&a[0], &x[0], &y[0], len(a))
	}
}
