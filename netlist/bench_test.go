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
