//go:build !amd64 || purego

package gemm

// Asm reports whether the assembly kernels are in use: never on this
// platform or with the purego build tag.
const Asm = false

// The assembly kernels do not exist here (useAsm stays false).
func kernelAsm(kc int, a, b []float64, tile *[MR * NR]float64) { kernelGo(kc, a, b, tile) }
func dotAsm(a, x []float64) float64                            { return dotGo(a, x) }
func dot2Asm(a, x, y []float64) (float64, float64)             { return dot2Go(a, x, y) }
func axpyAsm(a float64, x, y []float64)                        { axpyGo(a, x, y) }
func dot4Asm(dst *[4]float64, a []float64, lda, n int, x []float64) {
	dot4Go(dst, a, lda, n, x)
}
func dot4x2Asm(dst *[8]float64, a []float64, lda, n int, x, y []float64) {
	dot4x2Go(dst, a, lda, n, x, y)
}
func dot4x3Asm(dst *[12]float64, a []float64, lda, n int, x, y, z []float64) {
	dot4x3Go(dst, a, lda, n, x, y, z)
}

// The kernels of scale.go are called only when useAsm is set.
func scaleAbsAVX2(acc *[4]float64, d, t *float64, n int, scale, f float64, nt bool) {
	panic("gemm: no assembly kernels")
}
func scaleAbsT8AVX2(acc *[4]float64, d *float64, ldd int, t *float64, ldt, n int, scale, f float64, nt bool) {
	panic("gemm: no assembly kernels")
}
func maxAbsCopyAVX2(dst, src *float64, n int, m uint64, lanes *[4]uint64, nt bool) {
	panic("gemm: no assembly kernels")
}
