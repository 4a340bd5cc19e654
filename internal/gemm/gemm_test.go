package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// naiveMul is the reference for MulTo: op(A)·diag(w)·op(B), summed in
// order.
func naiveMul(m, n, k int, a Operand, w []float64, b Operand) []float64 {
	at := func(o Operand, i, j int) float64 {
		if o.Trans {
			return o.Data[j*o.Stride+i]
		}
		return o.Data[i*o.Stride+j]
	}
	c := make([]float64, m*n)
	for i := range m {
		for j := range n {
			s := 0.0
			for l := range k {
				wl := 1.0
				if w != nil {
					wl = w[l]
				}
				s += at(a, i, l) * wl * at(b, l, j)
			}
			c[i*n+j] = s
		}
	}
	return c
}

// withKernels runs f with the portable kernels and, where available, with
// the assembly ones.
func withKernels(t *testing.T, f func(t *testing.T)) {
	t.Run("go", func(t *testing.T) {
		defer UsePortable()()
		f(t)
	})
	if Asm {
		t.Run("asm", f)
	}
}

// TestMulTo: MulTo equals the naive product to rounding (a
// relative 1e-13 of Σ|a||w||b|), for every transpose combination, with and
// without weights, symmetric (upper) results, sizes that are not multiples
// of the tiles and inner dimensions beyond one block.
func TestMulTo(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(41, 41))
		for _, dims := range [][3]int{{1, 1, 1}, {5, 7, 3}, {6, 8, 256}, {13, 17, 300}, {49, 9, 513}, {70, 70, 40}} {
			m, n, k := dims[0], dims[1], dims[2]
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					for _, weighted := range []bool{false, true} {
						name := fmt.Sprintf("%dx%dx%d/ta=%v/tb=%v/w=%v", m, n, k, ta, tb, weighted)
						a := randOperand(rng, m, k, ta)
						b := randOperand(rng, k, n, tb)
						var w []float64
						if weighted {
							w = make([]float64, k)
							for i := range w {
								w[i] = rng.NormFloat64()
							}
						}
						c := make([]float64, m*n)
						MulTo(c, n, m, n, k, a, w, b, false)
						want := naiveMul(m, n, k, a, w, b)
						tol := 1e-13 * float64(k) * 4
						for i := range c {
							require.InDelta(t, want[i], c[i], tol, "%s entry %d", name, i)
						}
					}
				}
			}
			// Symmetric: A·diag(w)·Aᵀ with only the upper tiles.
			a := randOperand(rng, m, k, false)
			w := make([]float64, k)
			for i := range w {
				w[i] = rng.Float64()
			}
			at := Operand{a.Data, a.Stride, true}
			c := make([]float64, m*m)
			MulTo(c, m, m, m, k, a, w, at, true)
			want := naiveMul(m, m, k, a, w, at)
			for i := range c {
				require.InDelta(t, want[i], c[i], 1e-13*float64(k)*4, "sym %v entry %d", dims, i)
			}
		}
	})
}

func randOperand(rng *rand.Rand, rows, cols int, trans bool) Operand {
	// op(X) is rows×cols; X is stored transposed when trans, with padding
	// in the stride.
	r, c := rows, cols
	if trans {
		r, c = cols, rows
	}
	stride := c + 3
	d := make([]float64, r*stride)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	return Operand{d, stride, trans}
}

// TestAxpy: y += a·x for lengths around the vector width.
func TestAxpy(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(44, 44))
		for _, n := range []int{0, 1, 7, 8, 9, 33} {
			x, y := make([]float64, n), make([]float64, n+1)
			for i := range x {
				x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()
			}
			y[n] = 42 // beyond len(x): untouched
			want := append([]float64(nil), y...)
			for i := range x {
				want[i] += -1.5 * x[i]
			}
			Axpy(-1.5, x, y)
			for i := range y {
				assert.InDelta(t, want[i], y[i], 1e-15, "n = %d, i = %d", n, i)
			}
		}
	})
}

// TestDot4: Dot4, Dot4x2 and Dot4x3 equal the naive row sums to rounding (2n·ε
// of Σ|a||x|) for lengths around the vector width and a padded stride, and
// read nothing beyond row 3's n-th entry (the slice ends there).
func TestDot4(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(45, 45))
		for _, n := range []int{0, 1, 3, 4, 5, 8, 17, 640} {
			lda := n + 5
			a := make([]float64, 3*lda+n)
			x, y, z := make([]float64, n), make([]float64, n), make([]float64, n)
			for i := range a {
				a[i] = rng.NormFloat64()
			}
			for i := range x {
				x[i], y[i], z[i] = rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
			}
			var d4 [4]float64
			var d42 [8]float64
			var d43 [12]float64
			Dot4(&d4, a, lda, n, x)
			Dot4x2(&d42, a, lda, n, x, y)
			Dot4x3(&d43, a, lda, n, x, y, z)
			// Both sums are within n·ε·Σ|a_i x_i| of the exact one.
			tol := 2 * float64(n) * 0x1p-52
			for k := range 4 {
				var sx, sy, sz, ax, ay, az float64
				for i := range n {
					v := a[k*lda+i]
					sx += v * x[i]
					sy += v * y[i]
					sz += v * z[i]
					ax += abs(v * x[i])
					ay += abs(v * y[i])
					az += abs(v * z[i])
				}
				assert.InDelta(t, sx, d43[k], tol*ax, "Dot4x3 x, n = %d, row %d", n, k)
				assert.InDelta(t, sy, d43[4+k], tol*ay, "Dot4x3 y, n = %d, row %d", n, k)
				assert.InDelta(t, sz, d43[8+k], tol*az, "Dot4x3 z, n = %d, row %d", n, k)
				assert.InDelta(t, sx, d4[k], tol*ax, "Dot4 n = %d, row %d", n, k)
				assert.InDelta(t, sx, d42[k], tol*ax, "Dot4x2 x, n = %d, row %d", n, k)
				assert.InDelta(t, sy, d42[4+k], tol*ay, "Dot4x2 y, n = %d, row %d", n, k)
			}
		}
	})
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
