package circuit

import (
	"math/rand/v2"
	"testing"
)

// The benchmark circuit of issue 2: an n-node all-to-all RC network with
// Johnson noise on every resistor (R = 1 kΩ, C = 1 nF, τ = RC = 1 µs its
// slowest time constant), run for 100τ at steps of τ/100 = 10,000 steps
// per benchmark op. ns/step is the time of one step.
const (
	benchTau   = 1e-6
	benchSteps = 10000
)

func benchModel(b *testing.B, n int) *Model {
	ckt := allToAll(n, 1e3, 1e-9, rand.New(rand.NewPCG(1, 2)))
	m, err := ckt.Assemble()
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func benchmarkRun(b *testing.B, s Stepper) {
	h := benchTau / 100
	s.Step(h) // set-up (the exact propagator) outside the timed loop
	b.ReportAllocs()
	for b.Loop() {
		for range benchSteps {
			s.Step(h)
		}
	}
	if err := s.Err(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchSteps), "ns/step")
}

func benchmarkExact(b *testing.B, n int) {
	benchmarkRun(b, NewExact(benchModel(b, n), rand.NewPCG(3, 4)))
}

func benchmarkEuler(b *testing.B, n int) {
	benchmarkRun(b, NewEulerMaruyama(benchModel(b, n), benchTau/100, rand.NewPCG(3, 4)))
}

func BenchmarkExact100Tau16(b *testing.B)  { benchmarkExact(b, 16) }
func BenchmarkExact100Tau64(b *testing.B)  { benchmarkExact(b, 64) }
func BenchmarkExact100Tau256(b *testing.B) { benchmarkExact(b, 256) }

func BenchmarkEuler100Tau16(b *testing.B)  { benchmarkEuler(b, 16) }
func BenchmarkEuler100Tau64(b *testing.B)  { benchmarkEuler(b, 64) }
func BenchmarkEuler100Tau256(b *testing.B) { benchmarkEuler(b, 256) }

// The one-off cost before stepping: assembly (elimination, stability
// check) and the exact propagator for one step length.
func benchmarkSetup(b *testing.B, n int) {
	ckt := allToAll(n, 1e3, 1e-9, rand.New(rand.NewPCG(1, 2)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := ckt.Assemble()
		if err != nil {
			b.Fatal(err)
		}
		NewExact(m, rand.NewPCG(3, 4)).Step(benchTau / 100)
	}
}

func BenchmarkSetup16(b *testing.B)  { benchmarkSetup(b, 16) }
func BenchmarkSetup64(b *testing.B)  { benchmarkSetup(b, 64) }
func BenchmarkSetup256(b *testing.B) { benchmarkSetup(b, 256) }
