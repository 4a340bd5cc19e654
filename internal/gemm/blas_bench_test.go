package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BenchmarkDgemm compares BLAS.Dgemm with gonum's on n×n products around
// the size below which it defers to gonum (blasMinFlops = 32³):
//
//	go test ./internal/gemm -run '^$' -bench Dgemm
func BenchmarkDgemm(b *testing.B) {
	for _, n := range []int{24, 32, 48, 640} {
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		x, y, c := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
		for i := range x {
			x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		for _, impl := range []struct {
			name string
			f    func(blas.Transpose, blas.Transpose, int, int, int, float64, []float64, int, []float64, int, float64, []float64, int)
		}{{"gonum", gonum.Implementation{}.Dgemm}, {"gemm", BLAS{}.Dgemm}} {
			b.Run(fmt.Sprintf("n=%d/%s", n, impl.name), func(b *testing.B) {
				for b.Loop() {
					impl.f(blas.NoTrans, blas.NoTrans, n, n, n, 1, x, n, y, n, 0, c, n)
				}
			})
		}
	}
}

// BenchmarkDsymv compares BLAS.Dsymv with gonum's on the upper triangle of
// an n×n matrix, with unit strides and with the strided vectors (columns
// of a row-major matrix) that LAPACK's Dlatrd passes:
//
//	go test ./internal/gemm -run '^$' -bench Dsymv
func BenchmarkDsymv(b *testing.B) {
	for _, n := range []int{48, 64, 96, 160, 640} {
		rng := rand.New(rand.NewPCG(2, uint64(n)))
		a := normals(rng, n*n)
		for _, inc := range []int{1, n} {
			x, y := normals(rng, (n-1)*inc+1), make([]float64, (n-1)*inc+1)
			for _, impl := range []struct {
				name string
				f    func(blas.Uplo, int, float64, []float64, int, []float64, int, float64, []float64, int)
			}{{"gonum", gonum.Implementation{}.Dsymv}, {"gemm", BLAS{}.Dsymv}} {
				b.Run(fmt.Sprintf("n=%d/inc=%d/%s", n, inc, impl.name), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						impl.f(blas.Upper, n, 1, a, n, x, inc, 0, y, inc)
					}
				})
			}
		}
	}
}
