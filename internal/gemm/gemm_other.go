//go:build !amd64 || purego

package gemm

// Asm reports whether the assembly kernels are in use: never on this
// platform or with the purego build tag.
const Asm = false

// The assembly Dot4, Dot4x2 and Dot4x3 do not exist here (vecAsm stays false).
func dot4Asm(dst *[4]float64, a []float64, lda, n int, x []float64) {
	dot4Go(dst, a, lda, n, x)
}

func dot4x2Asm(dst *[8]float64, a []float64, lda, n int, x, y []float64) {
	dot4x2Go(dst, a, lda, n, x, y)
}

func dot4x3Asm(dst *[12]float64, a []float64, lda, n int, x, y, z []float64) {
	dot4x3Go(dst, a, lda, n, x, y, z)
}
