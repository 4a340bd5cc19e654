package circuit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/tngd/tngd/internal/gemm"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Benchmarks of one analog window at the scale of the paper's MNIST
// experiment (issue 9): r = b·dz = 64·10 = 640, N = 2,000 and 20,000,
// t = 50τ, on a synthetic Jacobian with mismatch and noise on (benchHardware).
// -short keeps N = 2,000. The low-rank window costs O(r²N + r³) whatever
// t; its r³ part (≈ 0.5–0.8 s at r = 640 on 2 cores) makes it slower than
// 500 Euler–Maruyama steps when N is only a few r (N = 2,000), and several
// times faster from N ≈ 10r on. The allocations of a window are the r×r
// workspaces of one factorization (≈ 85 MiB at r = 640); a cached step
// (BenchmarkLowRankStep) allocates nothing. Compare methods and revisions
// with benchstat:
//
//	go test ./circuit -run '^$' -bench 'SPUWindow|LowRank' -count 6 > new.txt
//	benchstat old.txt new.txt

var benchWindowSizes = []int{2000, 20000}

const benchWindowR = 640

// benchHardware has quantized, mismatched arrays (the two J copies
// differ), stage and cell op-amp noise and offsets, Johnson and injected
// noise; identical capacitors and infinite cell gain keep the cell damping
// uniform, so the low-rank method applies.
func benchHardware() *Hardware {
	return &Hardware{
		Arrays:     ArraySpec{GMin: 1e-6, Bits: 12, ProgrammingError: 0.01},
		StageOpAmp: OpAmp{Gain: 1e5, Offset: 1e-4, NoiseDensity: 1e-8},
		CellOpAmp:  OpAmp{Offset: 1e-4, NoiseDensity: 1e-8},
		Noise:      NoiseSpec{Temperature: 300, Kappa0: 1e-3},
	}
}

type benchProblem struct {
	J *mat.Dense
	H *mat.SymDense
	g *mat.VecDense
}

var benchProblems sync.Map // N → benchProblem

// benchWindowProblem returns a TNGD-like problem: J with N(0, 1)·20/√N
// entries (rates of JᵀHJ up to ≈ 3/τ, so that the paper's 0.1τ
// Euler–Maruyama step is stable), softmax cross-entropy H blocks, λ = 0.01.
func benchWindowProblem(b *testing.B, n int) benchProblem {
	if testing.Short() && n > 2000 {
		b.Skip("N > 2000 skipped in -short mode")
	}
	if p, ok := benchProblems.Load(n); ok {
		return p.(benchProblem)
	}
	rng := rand.New(rand.NewPCG(uint64(n), benchWindowR))
	J, H, g := factoredProblem(n, 64, 10, rng)
	raw := J.RawMatrix().Data
	for i := range raw {
		raw[i] = 20 / math.Sqrt(float64(n)) * rng.NormFloat64()
	}
	p := benchProblem{J, H, g}
	benchProblems.Store(n, p)
	return p
}

// benchWindow times Run(50) after a fresh programming, input and reset
// (not timed): the cost a TNGD iteration pays for its window, including
// the per-programming factorization of the low-rank method.
func benchWindow(b *testing.B, ev *Evolution) {
	for _, n := range benchWindowSizes {
		b.Run(fmt.Sprintf("N=%d/r=%d", n, benchWindowR), func(b *testing.B) {
			p := benchWindowProblem(b, n)
			s, err := NewSPU(benchHardware(), Factored, n, benchWindowR, rand.NewPCG(1, 2))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				if _, err := s.ProgramFactored(p.J, p.H, 0.01); err != nil {
					b.Fatal(err)
				}
				if _, err := s.SetInput(p.g); err != nil {
					b.Fatal(err)
				}
				s.Reset(p.g)
				b.StartTimer()
				if _, err := s.Run(50, ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSPUWindowLowRank: the automatic method (low-rank) on a new
// programming per window.
func BenchmarkSPUWindowLowRank(b *testing.B) { benchWindow(b, nil) }

// BenchmarkSPUWindowEuler: Euler–Maruyama at the paper's 0.1τ (500 steps).
func BenchmarkSPUWindowEuler(b *testing.B) {
	benchWindow(b, &Evolution{Method: MethodEuler, Step: 0.1})
}

// BenchmarkLowRankStep: one low-rank step of a cached propagator (a
// K-sample readout's per-sample cost): two passes over the J copy and one
// over the Jᵀ array.
func BenchmarkLowRankStep(b *testing.B) {
	for _, n := range benchWindowSizes {
		b.Run(fmt.Sprintf("N=%d/r=%d", n, benchWindowR), func(b *testing.B) {
			p := benchWindowProblem(b, n)
			s, err := NewSPU(benchHardware(), Factored, n, benchWindowR, rand.NewPCG(1, 2))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.ProgramFactored(p.J, p.H, 0.01); err != nil {
				b.Fatal(err)
			}
			if _, err := s.SetInput(p.g); err != nil {
				b.Fatal(err)
			}
			s.Reset(p.g)
			ev := &Evolution{Method: MethodLowRank}
			if _, err := s.Run(0.1, ev); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(2 * 8 * n * benchWindowR))
			for b.Loop() {
				if _, err := s.Run(0.1, ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLowRankGram: the cross Gram matrix F·diag(ε)·B of the two J
// copies (r²N multiply–adds), the dominant product of the factorization.
func BenchmarkLowRankGram(b *testing.B) {
	for _, n := range benchWindowSizes {
		b.Run(fmt.Sprintf("N=%d/r=%d", n, benchWindowR), func(b *testing.B) {
			if testing.Short() && n > 2000 {
				b.Skip("N > 2000 skipped in -short mode")
			}
			r := benchWindowR
			rng := rand.New(rand.NewPCG(1, 1))
			f, bm, w := make([]float64, r*n), make([]float64, n*r), make([]float64, n)
			for i := range f {
				f[i], bm[i] = rng.NormFloat64(), rng.NormFloat64()
			}
			for i := range w {
				w[i] = 1
			}
			c := make([]float64, r*r)
			b.ReportAllocs()
			for b.Loop() {
				lrMulTo(c, r, r, r, n, lrOperand{f, n, false}, w, lrOperand{bm, r, false}, false)
			}
			b.ReportMetric(2*float64(r*r)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkLowRankEigenSymDef: the symmetric-definite eigendecomposition
// of K = Ĥ P at r = 640, P a random Gram matrix and Ĥ a batch of 64
// softmax blocks ("softmax"), the same for a network that predicts three
// samples in four with confidence 1 − 1e-8 ("confident": nearly zero
// blocks), or a
// symmetric matrix whose eigenvalues spread over 12 decades ("graded": its
// small eigenvalues chain into long clusters of inverse iteration). LAPACK
// runs on gemm.BLAS, as in the tngd binary.
func BenchmarkLowRankEigenSymDef(b *testing.B) {
	defer blas64.Use(blas64.Implementation())
	blas64.Use(gemm.BLAS{})
	const batch, dz = 64, 10
	n := batch * dz
	for _, name := range []string{"softmax", "confident", "graded"} {
		b.Run(fmt.Sprintf("r=%d/%s", n, name), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(7, 7))
			h := make([]float64, n*n)
			if name == "graded" {
				var qr mat.QR
				qr.Factorize(randMatrix(n, n, rng))
				var q mat.Dense
				qr.QTo(&q)
				wk := make([]float64, n)
				for k := range wk {
					wk[k] = math.Pow(10, -12*float64(k)/float64(n))
				}
				qd := mat.DenseCopyOf(&q).RawMatrix().Data
				lrMulTo(h, n, n, n, n, lrOperand{qd, n, false}, wk, lrOperand{qd, n, true}, true)
			} else {
				p := make([]float64, dz)
				for k := range batch {
					s := 0.0
					for o := range p {
						logit := 2 * rng.NormFloat64()
						if name == "confident" && o == 0 && k%4 != 0 {
							logit += 20 // p₀ ≈ 1 − 1e-8: a nearly zero block
						}
						p[o] = math.Exp(logit)
						s += p[o]
					}
					for i := range dz {
						for j := range dz {
							v := -p[i] * p[j] / (s * s)
							if i == j {
								v += p[i] / s
							}
							h[(k*dz+i)*n+k*dz+j] = v / batch
						}
					}
				}
			}
			ps := randomPSD(rng, n, n)
			pm := make([]float64, n*n)
			for i := range n {
				for j := range n {
					pm[i*n+j] = ps.At(i, j)
				}
			}
			w, x, xinv := make([]float64, n), make([]float64, n*n), make([]float64, n*n)
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := lrEigenSymDef(h, pm, n, w, x, xinv); !ok {
					b.Fatal("symmetric path refused")
				}
			}
		})
	}
}
