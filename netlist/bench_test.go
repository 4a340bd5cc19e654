package netlist

import (
	"bytes"
	"context"
	"flag"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite generated testdata decks")

// benchDeckPath is the performance deck of the README: a 64-node
// all-to-all RC network (2,080 resistors, each with its Johnson noise as a
// TRNOISE source, NT = τ_min/10) over 100 τ (τ = 1 kΩ · 1 nF = 1 µs),
// written on a τ/100 grid.
const benchDeckPath = "testdata/alltoall64_noise.cir"

// benchDeck generates the performance deck.
func benchDeck(t testing.TB) *Netlist {
	c := allToAll(rand.New(rand.NewPCG(64, 64)), 64)
	n, _, err := Export(c, &ExportOptions{Title: "all-to-all RC network, 64 nodes, Johnson noise of every resistor as TRNOISE, 100 tau"})
	require.NoError(t, err)
	n.Tran = &Tran{Step: 10e-9, Stop: 100e-6}
	return n
}

// TestBenchDeck keeps testdata/alltoall64_noise.cir equal to its generator
// (regenerate with -update).
func TestBenchDeck(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, benchDeck(t), &WriteOptions{Wave: "alltoall64_noise.txt"}))
	if *update {
		require.NoError(t, os.WriteFile(benchDeckPath, buf.Bytes(), 0o644))
	}
	got, err := os.ReadFile(benchDeckPath)
	require.NoError(t, err)
	assert.Equal(t, buf.String(), string(got), "stale: go test ./netlist -run TestBenchDeck -update")
}

// BenchmarkSimulateAllToAll64 times Simulate on the performance deck: parse,
// assemble, and 10,000 exact noisy steps of 64 nodes.
func BenchmarkSimulateAllToAll64(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		n, err := ParseFile(benchDeckPath)
		if err != nil {
			b.Fatal(err)
		}
		err = Simulate(context.Background(), n, &SimulateOptions{Source: rand.NewPCG(1, 2)}, func(float64, []float64) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
}

// writeBenchDeck writes the performance deck's generator at n nodes (n = 64
// is testdata/alltoall64_noise.cir) into a temporary file and returns its
// path.
func writeBenchDeck(b *testing.B, n int) string {
	c := allToAll(rand.New(rand.NewPCG(uint64(n), 64)), n)
	deck, _, err := Export(c, &ExportOptions{Title: "all-to-all RC network with TRNOISE"})
	require.NoError(b, err)
	deck.Tran = &Tran{Step: 10e-9, Stop: 100e-6}
	var buf bytes.Buffer
	require.NoError(b, Write(&buf, deck, &WriteOptions{Wave: "w.txt"}))
	path := b.TempDir() + "/deck.cir"
	require.NoError(b, os.WriteFile(path, buf.Bytes(), 0o644))
	return path
}

// benchmarkParseFile times ParseFile on the all-to-all deck of n nodes
// (n(n+1)/2 resistors and as many TRNOISE sources).
func benchmarkParseFile(b *testing.B, n int) {
	path := writeBenchDeck(b, n)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFile(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFile16(b *testing.B)  { benchmarkParseFile(b, 16) }
func BenchmarkParseFile64(b *testing.B)  { benchmarkParseFile(b, 64) }
func BenchmarkParseFile128(b *testing.B) { benchmarkParseFile(b, 128) }

// benchmarkAssemble times assemble on the parsed all-to-all deck of n
// nodes.
func benchmarkAssemble(b *testing.B, n int, assemble func(*Netlist) error) {
	deck, err := ParseFile(writeBenchDeck(b, n))
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if err := assemble(deck); err != nil {
			b.Fatal(err)
		}
	}
}

// assembleFull is Assemble: Build, validation, reduction and the
// stability check.
func assembleFull(n *Netlist) error {
	_, _, err := Assemble(n, nil)
	return err
}

// assembleFast is assembleModel: the direct stamping of assembleDirect.
func assembleFast(n *Netlist) error {
	_, err := assembleModel(n, nil)
	return err
}

func BenchmarkAssemble16(b *testing.B)  { benchmarkAssemble(b, 16, assembleFull) }
func BenchmarkAssemble64(b *testing.B)  { benchmarkAssemble(b, 64, assembleFull) }
func BenchmarkAssemble128(b *testing.B) { benchmarkAssemble(b, 128, assembleFull) }

// benchmarkLoad times ParseFile followed by the assembly of the model
// (assembleModel): what Simulate, and so tngd tran, does before its first
// step.
func benchmarkLoad(b *testing.B, n int) {
	path := writeBenchDeck(b, n)
	b.ReportAllocs()
	for b.Loop() {
		deck, err := ParseFile(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := assembleModel(deck, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAssembleModel16(b *testing.B)  { benchmarkAssemble(b, 16, assembleFast) }
func BenchmarkAssembleModel64(b *testing.B)  { benchmarkAssemble(b, 64, assembleFast) }
func BenchmarkAssembleModel128(b *testing.B) { benchmarkAssemble(b, 128, assembleFast) }

func BenchmarkLoad16(b *testing.B)  { benchmarkLoad(b, 16) }
func BenchmarkLoad64(b *testing.B)  { benchmarkLoad(b, 64) }
func BenchmarkLoad128(b *testing.B) { benchmarkLoad(b, 128) }
