package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/tngd/tngd/circuit"
	"github.com/tngd/tngd/netlist"
)

// stateScale reads s_x from the summary tngd netlist prints.
func stateScale(t *testing.T, stdout string) float64 {
	t.Helper()
	m := regexp.MustCompile(`state scale = (\S+) V`).FindStringSubmatch(stdout)
	require.NotNil(t, m, stdout)
	s, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	return s
}

// deckSolution returns the DC operating point of the cell outputs x0 … of
// the deck at path, divided by the state scale: the device's answer.
func deckSolution(t *testing.T, path string, n int, scale float64) []float64 {
	t.Helper()
	deck, err := netlist.ParseFile(path)
	require.NoError(t, err)
	m, _, err := netlist.Assemble(deck, nil)
	require.NoError(t, err)
	v := make([]float64, len(m.Nodes()))
	m.NodeVoltagesTo(v, m.OperatingPoint(), nil)
	x := make([]float64, n)
	for i := range x {
		k := m.NodeIndex(fmt.Sprintf("x%d", i))
		require.GreaterOrEqual(t, k, 0)
		x[i] = v[k] / scale
	}
	return x
}

// TestNetlistIdealSolvesTheSystem: the DC operating point of the written
// deck is A⁻¹b (ideal device: the only approximation is the 1e9 gain that
// stands for the ideal op-amps, so 1e-7 relative), and tngd tran on the
// deck relaxes to it within the 20 slowest time constants of the default
// window (e^{−20} ≈ 2e-9 of the start remains).
func TestNetlistIdealSolvesTheSystem(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "spu.cir")
	stdout, stderr, code := runCLI(t, "netlist", "--matrix", "testdata/netlist_A.csv", "--rhs", "testdata/netlist_b.csv", "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "waveforms to spu.txt")
	scale := stateScale(t, stdout)

	A, err := readMatrixCSV("testdata/netlist_A.csv")
	require.NoError(t, err)
	b, err := readVectorCSV("testdata/netlist_b.csv")
	require.NoError(t, err)
	var want mat.VecDense
	require.NoError(t, want.SolveVec(A, b))
	got := deckSolution(t, out, 4, scale)
	for i := range got {
		assert.InDelta(t, want.AtVec(i), got[i], 1e-7*mat.Norm(&want, 2), "x%d", i)
	}

	wave := filepath.Join(dir, "wave.csv")
	_, stderr, code = runCLI(t, "tran", out, "--out", wave, "--noise=false")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "skipped .control")
	data, err := os.ReadFile(wave)
	require.NoError(t, err)
	header, cols := readWave(t, string(data))
	for i := range got {
		k := slices.Index(header, fmt.Sprintf("v(x%d)", i))
		require.Greater(t, k, 0)
		final := cols[k][len(cols[k])-1] / scale
		assert.InDelta(t, want.AtVec(i), final, 1e-6*mat.Norm(&want, 2), "x%d at the end of the window", i)
	}
}

// TestNetlistMatchesDevice: with finite op-amp gain and 12-bit arrays the
// deck's operating point is the mean steady state of the same device (same
// hardware, same seed) computed by package circuit, to 1e-7 (the deck's
// stand-in gain for ideal parts is 1e9; here the cells have gain 1e5, which
// the deck carries exactly).
func TestNetlistMatchesDevice(t *testing.T) {
	out := filepath.Join(t.TempDir(), "spu.cir")
	stdout, stderr, code := runCLI(t, "netlist", "--matrix", "testdata/netlist_A.csv", "--rhs", "testdata/netlist_b.csv",
		"--hardware", "testdata/netlist_hw.toml", "--seed", "5", "--out", out, "--time", "30", "--step", "0.1")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "window 30 tau, step 0.1 tau")
	got := deckSolution(t, out, 4, stateScale(t, stdout))

	hw, err := readHardware("testdata/netlist_hw.toml")
	require.NoError(t, err)
	dev, err := circuit.NewSPU(&hw, circuit.Direct, 4, 0, rand.NewPCG(5, solveSeedStream))
	require.NoError(t, err)
	A, _ := readMatrixCSV("testdata/netlist_A.csv")
	b, _ := readVectorCSV("testdata/netlist_b.csv")
	_, err = dev.ProgramDirect(A)
	require.NoError(t, err)
	_, err = dev.SetInput(b)
	require.NoError(t, err)
	var want mat.VecDense
	require.NoError(t, dev.MeanSteadyStateTo(&want))
	for i := range got {
		assert.InDelta(t, want.AtVec(i), got[i], 1e-7*mat.Norm(&want, 2), "x%d", i)
	}
	// 12-bit arrays: the device is not exactly A, but close.
	var exact mat.VecDense
	require.NoError(t, exact.SolveVec(A, b))
	assert.InDelta(t, exact.AtVec(0), got[0], 1e-2)

	deck, err := netlist.ParseFile(out)
	require.NoError(t, err)
	require.NotNil(t, deck.Tran)
	assert.InEpsilon(t, 30*dev.Tau(), deck.Tran.Stop, 1e-12)
	assert.Equal(t, 301, deck.Tran.Points())
	assert.True(t, deck.Tran.UIC)
}

func TestNetlistErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.cir")
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"missing flags", []string{"netlist", "--matrix", "testdata/netlist_A.csv"}, "are required"},
		{"non-square", []string{"netlist", "--matrix", "testdata/netlist_nonsquare.csv", "--rhs", "testdata/netlist_b.csv", "--out", out}, "must be square"},
		{"size mismatch", []string{"netlist", "--matrix", "testdata/netlist_A.csv", "--rhs", "testdata/netlist_b3.csv", "--out", out}, "3 values, but A"},
		{"unstable", []string{"netlist", "--matrix", "testdata/netlist_unstable.csv", "--rhs", "testdata/netlist_b3.csv", "--out", out}, "not positive-stable"},
		{"gbw", []string{"netlist", "--matrix", "testdata/netlist_A.csv", "--rhs", "testdata/netlist_b.csv", "--hardware", "testdata/netlist_gbw.toml", "--out", out}, "cannot be written as a netlist"},
		{"negative time", []string{"netlist", "--matrix", "testdata/netlist_A.csv", "--rhs", "testdata/netlist_b.csv", "--out", out, "--time", "-1"}, "--time -1"},
		{"step too long", []string{"netlist", "--matrix", "testdata/netlist_A.csv", "--rhs", "testdata/netlist_b.csv", "--out", out, "--time", "1", "--step", "2"}, "longer than the window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, tt.args...)
			assert.Equal(t, 2, code, stderr)
			assert.Contains(t, stderr, tt.stderr)
		})
	}
}
