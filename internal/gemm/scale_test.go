package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// scaleTestValues returns n values spanning magnitudes and signs, with
// zeros of both signs (v + 0 must turn −0 into +0).
func scaleTestValues(rng *rand.Rand, n int) []float64 {
	t := make([]float64, n)
	for i := range t {
		switch rng.IntN(8) {
		case 0:
			t[i] = math.Copysign(0, -1)
		case 1:
			t[i] = 0
		default:
			t[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(9)-4))
		}
	}
	return t
}

// aligned32 returns n zeros starting off entries after a 32-byte
// boundary.
func aligned32(n, off int) []float64 {
	buf := make([]float64, n+off+4)
	j := lead32(buf) + off
	return buf[j : j+n : j+n]
}

// sameBits requires got and want to be equal bit for bit.
func sameBits(t *testing.T, want, got []float64, msg string) {
	t.Helper()
	for i := range want {
		require.Equal(t, math.Float64bits(want[i]), math.Float64bits(got[i]), "%s: entry %d: want %v, got %v", msg, i, want[i], got[i])
	}
}

// scaleTestLengths are lengths around the vector width and around ntMin,
// where the kernels switch to non-temporal stores.
func scaleTestLengths() []int {
	var ns []int
	for n := range 40 {
		ns = append(ns, n)
	}
	return append(ns, ntMin-1, ntMin, ntMin+5, 3*ntMin+3)
}

// TestScaleAbs: ScaleAbs follows its definition operation by operation
// (the oracle below), bit for bit, with both kernels, for lengths around
// the vector width and destinations at every offset from a 32-byte
// boundary.
func TestScaleAbs(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 5))
		for i, n := range scaleTestLengths() {
			off := i % 4
			tv := scaleTestValues(rng, n)
			scale, f := 1.7+rng.Float64(), 1e3*rng.Float64()
			init := [4]float64{rng.Float64(), rng.Float64(), 0, rng.Float64()}
			wantD := make([]float64, n)
			wantAcc := init
			for j, x := range tv {
				v := scale * x
				wantAcc[j%4] += math.Abs(v)
				wantD[j] = f * (v + 0)
			}
			d := aligned32(n+1, off)
			d[n] = 42
			acc := init
			ScaleAbs(&acc, d, tv, scale, f)
			sameBits(t, wantD, d, fmt.Sprintf("n=%d off=%d d", n, off))
			sameBits(t, wantAcc[:], acc[:], fmt.Sprintf("n=%d off=%d acc", n, off))
			require.Equal(t, 42.0, d[n], "n=%d: wrote past len(t)", n)
		}
	})
}

// TestScaleAbsT8: ScaleAbsT8 follows its definition bit for bit, with
// strides larger than the rows, for n around the vector width; entries of
// d outside the eight columns are untouched.
func TestScaleAbsT8(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(6, 6))
		// The last two span more than 8·ntMin entries of d: with ldd = 12
		// the kernel stores non-temporally, with 13 (misaligned rows) not.
		big := 8*ntMin/12 + 2
		for _, c := range [][2]int{{1, 11}, {3, 12}, {4, 11}, {5, 12}, {8, 11}, {11, 12}, {16, 11}, {37, 12}, {big, 12}, {big, 13}} {
			n, ldd := c[0], c[1]
			ldt := n + 3
			nd := (n-1)*ldd + 8
			tv := scaleTestValues(rng, 8*ldt)
			scale, f := 0.3+rng.Float64(), 2+rng.Float64()
			acc := make([][4]float64, n)
			for i := range acc {
				acc[i] = [4]float64{rng.Float64(), rng.Float64(), rng.Float64(), 0}
			}
			wantAcc := append([][4]float64(nil), acc...)
			d := aligned32(nd, 0)
			for i := range d {
				d[i] = -1
			}
			wantD := append([]float64(nil), d...)
			for i := range n {
				for q := range 8 {
					v := scale * tv[q*ldt+i]
					wantAcc[i][q%4] += math.Abs(v)
					wantD[i*ldd+q] = f * (v + 0)
				}
			}
			ScaleAbsT8(acc, d, ldd, tv, ldt, n, scale, f)
			sameBits(t, wantD, d, fmt.Sprintf("n=%d d", n))
			for i := range n {
				sameBits(t, wantAcc[i][:], acc[i][:], fmt.Sprintf("n=%d acc[%d]", n, i))
			}
		}
	})
}

// TestMaxAbsCopy: MaxAbsCopy copies bit for bit and returns the largest
// magnitude's bits, ±Inf and NaN above every finite value, wherever they
// sit relative to the vector blocks.
func TestMaxAbsCopy(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 7))
		for i, n := range scaleTestLengths() {
			for _, special := range []float64{0, math.Inf(-1), math.NaN(), -1e300} {
				src := scaleTestValues(rng, n)
				at := -1
				if special != 0 && n > 0 {
					at = rng.IntN(n)
					src[at] = special
				}
				m0 := math.Float64bits(0.5 * rng.Float64())
				want := m0
				for _, x := range src {
					want = max(want, math.Float64bits(math.Abs(x)))
				}
				dst := aligned32(n, i%4)
				got := MaxAbsCopy(dst, src, m0)
				name := fmt.Sprintf("n=%d off=%d special=%v at %d", n, i%4, special, at)
				sameBits(t, src, dst, name)
				require.Equal(t, want, got, name)
				if at >= 0 && (math.IsNaN(special) || math.IsInf(special, 0)) {
					require.GreaterOrEqual(t, got, uint64(0x7ff0000000000000), name)
				}
			}
		}
	})
}

// scaleBench returns a 640×20,000 target and an output of its size, and
// sets b's bytes per operation to what a pass reads and writes.
func scaleBench(b *testing.B) (r, n int, t, d []float64) {
	r, n = 640, 20000
	t = scaleTestValues(rand.New(rand.NewPCG(1, 1)), r*n)
	d = make([]float64, r*n)
	b.SetBytes(int64(16 * r * n))
	b.ReportAllocs()
	return r, n, t, d
}

// BenchmarkScaleAbsT8 streams a 640×N target through its transpose, as
// the Jᵀ array's programming does (compare -tags purego):
//
//	go test ./internal/gemm -run '^$' -bench 'ScaleAbs|MaxAbsCopy' -count 6
func BenchmarkScaleAbsT8(b *testing.B) {
	r, n, tv, d := scaleBench(b)
	acc := make([][4]float64, n)
	for b.Loop() {
		clear(acc)
		for k := 0; k < r; k += 8 {
			ScaleAbsT8(acc, d[k:], r, tv[k*n:], n, n, 1.5, 2)
		}
	}
}

// BenchmarkScaleAbs and BenchmarkMaxAbsCopy: row passes over the same
// target.
func BenchmarkScaleAbs(b *testing.B) {
	r, n, tv, d := scaleBench(b)
	for b.Loop() {
		for k := range r {
			var acc [4]float64
			ScaleAbs(&acc, d[k*n:(k+1)*n], tv[k*n:(k+1)*n], 1.5, 2)
		}
	}
}

func BenchmarkMaxAbsCopy(b *testing.B) {
	r, n, tv, d := scaleBench(b)
	for b.Loop() {
		m := uint64(0)
		for k := range r {
			m = MaxAbsCopy(d[k*n:(k+1)*n], tv[k*n:(k+1)*n], m)
		}
	}
}
