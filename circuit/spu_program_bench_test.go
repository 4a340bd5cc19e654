package circuit

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Benchmarks of programming a factored SPU and rebuilding its model (what
// a TNGD iteration pays before its analog window) at r = b·dz = 640 and
// N = 2,000 and 38,058 (the paper's MNIST network), with ideal arrays and
// with a 1 % programming error. -short keeps N = 2,000. Ideal arrays take
// the deferred path (no G⁺/G⁻ written; see ResistorArray); the others
// write their conductances. Compare revisions with benchstat:
//
//	go test ./circuit -run '^$' -bench 'ProgramFactored' -count 6 > new.txt
//	benchstat old.txt new.txt

var benchProgramSizes = []int{2000, 38058}

func benchProgramFactored(b *testing.B, hw *Hardware) {
	for _, n := range benchProgramSizes {
		b.Run(fmt.Sprintf("N=%d/r=%d", n, benchWindowR), func(b *testing.B) {
			p := benchWindowProblem(b, n)
			s, err := NewSPU(hw, Factored, n, benchWindowR, rand.NewPCG(1, 2))
			if err != nil {
				b.Fatal(err)
			}
			// Twice: exact arrays keep two copies of J.
			for range 2 {
				if _, err := s.ProgramFactored(p.J, p.H, 0.01); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := s.SetInput(p.g); err != nil {
				b.Fatal(err)
			}
			s.Reset(p.g)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.ProgramFactored(p.J, p.H, 0.01); err != nil {
					b.Fatal(err)
				}
				s.rebuild()
			}
		})
	}
}

// BenchmarkProgramFactoredIdeal: ideal arrays (no quantization, error,
// G_min or stuck devices) and ideal op-amps.
func BenchmarkProgramFactoredIdeal(b *testing.B) { benchProgramFactored(b, nil) }

// BenchmarkProgramFactoredError: a 1 % programming error on every device,
// otherwise ideal.
func BenchmarkProgramFactoredError(b *testing.B) {
	benchProgramFactored(b, &Hardware{Arrays: ArraySpec{ProgrammingError: 0.01}})
}

// BenchmarkProgramFactoredBench: the mismatched, quantized, noisy hardware
// of the window benchmarks (benchHardware).
func BenchmarkProgramFactoredBench(b *testing.B) { benchProgramFactored(b, benchHardware()) }
