package circuit

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNormalStream: a stream hands out exactly rand.Rand.NormFloat64's
// draws from the same PCG, in uneven slices that straddle its chunks and
// its limit (after which it draws in place), and Close leaves the PCG
// where rand leaves it, whether the stream stopped within a chunk, at a
// chunk boundary, past its limit or before any draw.
func TestNormalStream(t *testing.T) {
	cases := []struct {
		name               string
		limit, lower, take int // lower > 0: Limit(lower) at once
	}{
		{"nothing taken", 5 * streamChunk, 0, 0},
		{"within a chunk", 5 * streamChunk, 0, 2*streamChunk + 123},
		{"chunk boundary", 5 * streamChunk, 0, 3 * streamChunk},
		{"past the limit", 2*streamChunk + 17, 0, 4*streamChunk + 5},
		{"zero limit", 0, 0, 1000},
		{"more than the look-ahead", (streamAhead + 3) * streamChunk, 0, (streamAhead + 2) * streamChunk},
		{"lowered limit", 1 << 40, 3*streamChunk + 9, 5 * streamChunk},
		{"raised limit ignored", streamChunk, 1 << 20, 3 * streamChunk},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := rand.NewPCG(21, 22), rand.NewPCG(21, 22)
			rb := rand.New(b)
			s := NewNormalStream(a, tc.limit)
			if tc.lower > 0 {
				s.Limit(tc.lower)
			}
			got := make([]float64, 1000)
			for n := 0; n < tc.take; {
				k := min(1+n%997, tc.take-n)
				s.Fill(got[:k])
				for i, x := range got[:k] {
					if y := rb.NormFloat64(); x != y {
						require.Equal(t, y, x, "draw %d", n+i)
					}
				}
				n += k
			}
			s.Close()
			s.Close()
			assert.Equal(t, b.Uint64(), a.Uint64(), "source state after Close")
			assert.Panics(t, func() { s.Fill(got[:1]) })
		})
	}
	assert.Panics(t, func() { NewNormalStream(nil, 1) })
	assert.Panics(t, func() { NewNormalStream(rand.NewPCG(1, 1), -1) })
}

// TestExactDrawFrom: a stepper drawing from a NormalStream of its source
// gives the same trajectory, bit for bit, as one drawing from the source,
// on the modal path (NodeStepsTo) and the general one (Step), and leaves
// the source in the same state.
func TestExactDrawFrom(t *testing.T) {
	for _, tc := range []struct {
		name string
		ckt  *Circuit
	}{
		{"modal", modalCircuit(9, true)},
		{"non-symmetric", nonSymmetricCircuit()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.ckt.Assemble()
			require.NoError(t, err)
			pa, pb := rand.NewPCG(3, 4), rand.NewPCG(3, 4)
			a, b := NewExact(m, pa), NewExact(m, pb)
			ns := NewNormalStream(pb, 1<<20)
			b.DrawFrom(ns)
			nn := len(m.Nodes())
			want, got := make([]float64, 700*nn), make([]float64, 700*nn)
			a.NodeStepsTo(want, 1e-8)
			b.NodeStepsTo(got, 1e-8)
			require.Equal(t, want, got)
			a.Step(3e-8)
			b.Step(3e-8)
			require.Equal(t, a.State(), b.State())
			ns.Close()
			b.DrawFrom(nil)
			a.Step(1e-8)
			b.Step(1e-8)
			require.Equal(t, a.State(), b.State())
			assert.Equal(t, pa.Uint64(), pb.Uint64())
		})
	}
	m, err := modalCircuit(3, true).Assemble()
	require.NoError(t, err)
	s := NewExact(m, rand.NewPCG(1, 1))
	other := NewNormalStream(rand.NewPCG(1, 1), 10)
	defer other.Close()
	assert.Panics(t, func() { s.DrawFrom(other) })
}
