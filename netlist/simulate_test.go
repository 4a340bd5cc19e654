package netlist

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tngd/tngd/circuit"
)

// simulateReference is the plain algorithm behind Simulate: one exact
// transition (circuit.Exact.AdvanceTo) per grid point, then the node
// voltages. It returns the rows: time, then the nodes of n.Nodes().
func simulateReference(t *testing.T, n *Netlist, opt *SimulateOptions) [][]float64 {
	t.Helper()
	m, _, err := Assemble(n, &opt.Build)
	require.NoError(t, err)
	x0, err := InitialState(n, m, &opt.Build)
	require.NoError(t, err)
	if opt.NoNoise {
		m = m.WithoutNoise()
	}
	s := circuit.NewExact(m, opt.Source)
	s.SetState(x0)
	all := make([]float64, len(m.Nodes()))
	var rows [][]float64
	for i := range n.Tran.Points() {
		s.AdvanceTo(n.Tran.Time(i))
		require.NoError(t, s.Err())
		s.NodeVoltagesTo(all)
		row := []float64{n.Tran.Time(i)}
		for _, nd := range n.Nodes() {
			row = append(row, all[m.NodeIndex(nd)])
		}
		rows = append(rows, row)
	}
	return rows
}

// TestSimulateGrid runs decks whose grids exercise the block stepping of
// Simulate (several blocks, a partial one, TSTART > 0, a TSTOP a hair off
// the grid so that the last step is shorter) without noise, against the
// one-transition-per-point reference: equal to rounding. Each side rounds
// by a few ε·1 V ≈ 5e-16 V per step, and the slowest mode (A = C⁻¹G on
// Out and x2 with mid eliminated: λ ≈ 1.57e5 /s, τ ≈ 6.4 µs) sums these
// over about τ/h ≤ 640 steps: ≲ 3e-13 V, within the 1e-12 V asserted.
// Both sides emit n.Tran.Time(i) as the time of point i, so the times
// agree exactly (the 1e-18 s asserted is only a bound).
func TestSimulateGrid(t *testing.T) {
	const ladder = `RC ladder
V1 in 0 DC 1
R1 in Out 1k
C1 Out 0 1n
R2 Out mid 1k
R3 mid x2 1k
C2 x2 0 2n IC=0.5
`
	for _, tc := range []struct{ name, tran string }{
		{"blocks", ".tran 10n 7u uic"},               // 701 points: 2 full blocks and a partial one
		{"tstart", ".tran 10n 3u 0.55u uic"},         // starts with a transition of 0.55 µs
		{"short last step", ".tran 1u 99.99999999u"}, // last step 1e-8 shorter: its own transition
		{"one point", ".tran 1u 0.5u"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse(strings.NewReader(ladder+tc.tran+"\n.end\n"), "ladder.cir")
			require.NoError(t, err)
			opt := &SimulateOptions{NoNoise: true}
			want := simulateReference(t, n, opt)
			var got [][]float64
			require.NoError(t, Simulate(context.Background(), n, opt, func(tt float64, v []float64) error {
				got = append(got, append([]float64{tt}, v...))
				return nil
			}))
			require.Len(t, got, len(want))
			for i := range want {
				assert.InDelta(t, want[i][0], got[i][0], 1e-18, "time %d", i)
				for j := 1; j < len(want[i]); j++ {
					require.InDelta(t, want[i][j], got[i][j], 1e-12, "point %d, node %d", i, j)
				}
			}
		})
	}
}

// TestSimulateNoiseStationary: on a single RC node with Johnson noise the
// samples of Simulate have the stationary variance kT/C (2·10⁴ samples
// τ/2 apart, lag-one correlation ρ = e^{−1/2}: the relative standard error
// of the sample variance is √(2(1+ρ²)/(N(1−ρ²))) ≈ 0.016, and 0.07 is
// about 4.4 of them).
func TestSimulateNoiseStationary(t *testing.T) {
	n, err := Parse(strings.NewReader("RC\nR1 a 0 1k\nC1 a 0 1n\n.tran 0.5u 10m\n.end\n"), "rc.cir")
	require.NoError(t, err)
	opt := &SimulateOptions{Build: BuildOptions{Johnson: true}, Source: rand.NewPCG(3, 4)}
	var v []float64
	require.NoError(t, Simulate(context.Background(), n, opt, func(_ float64, x []float64) error {
		v = append(v, x[0])
		return nil
	}))
	v = v[20:] // past the start (0 V) by 10 τ
	mean := 0.0
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	variance := 0.0
	for _, x := range v {
		variance += (x - mean) * (x - mean)
	}
	variance /= float64(len(v) - 1)
	kTC := 1.380649e-23 * n.Kelvin() / 1e-9
	assert.InEpsilon(t, kTC, variance, 0.07)
	assert.InDelta(t, 0, mean, 5*math.Sqrt(kTC/float64(len(v))*(1+math.Exp(-0.5))/(1-math.Exp(-0.5))))
}

// TestSimulateNormalStreams: the waveforms of a seed are the same, bit for
// bit, whether the noise is drawn in place (one CPU), by Simulate's own
// stream, or by a stream the caller started before parsing (whose limit
// Simulate lowers).
func TestSimulateNormalStreams(t *testing.T) {
	n, err := ParseFile(benchDeckPath)
	require.NoError(t, err)
	n.Tran = &Tran{Step: 10e-9, Stop: 3e-6} // 301 points: streams and in-place tail
	run := func(procs int, early bool) []float64 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		src := rand.NewPCG(5, 6)
		opt := &SimulateOptions{Source: src}
		if early {
			opt.Normals = circuit.NewNormalStream(src, 1<<30)
			defer opt.Normals.Close()
		}
		var out []float64
		require.NoError(t, Simulate(context.Background(), n, opt, func(tt float64, v []float64) error {
			out = append(append(out, tt), v...)
			return nil
		}))
		return out
	}
	want := run(1, false)
	assert.Equal(t, want, run(2, false), "Simulate's own stream")
	assert.Equal(t, want, run(2, true), "the caller's stream")
	assert.Equal(t, want, run(1, true), "the caller's stream on one CPU")
}
