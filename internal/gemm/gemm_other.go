//go:build !amd64 || purego

package gemm

// Asm reports whether the assembly kernels are in use: never on this
// platform or with the purego build tag.
const Asm = false
