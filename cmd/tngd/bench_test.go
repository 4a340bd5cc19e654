package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBenchUsage(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no subcommand", []string{"bench"}, `want 'tngd bench window'`},
		{"unknown subcommand", []string{"bench", "matvec"}, `want 'tngd bench window'`},
		{"bad n", []string{"bench", "window", "--n", "0"}, "--n 0: want at least 1"},
		{"bad batch", []string{"bench", "window", "--batch", "-1"}, "--batch -1"},
		{"bad outputs", []string{"bench", "window", "--outputs", "0"}, "--outputs 0"},
		{"bad time", []string{"bench", "window", "--time", "0"}, "--time 0: want a finite value > 0"},
		{"bad repeat", []string{"bench", "window", "--repeat", "0"}, "--repeat 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, tt.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr, tt.stderr)
		})
	}
}

// TestBenchWindow runs a small window (N = 400 above the dense limit, so
// the automatic method is the low-rank one) and checks the JSON report:
// every time positive, the ratios consistent with the times, the
// Euler–Maruyama step count T/0.1.
func TestBenchWindow(t *testing.T) {
	stdout, stderr, code := runCLI(t, "bench", "window", "--n", "400", "--batch", "4", "--outputs", "3", "--time", "2", "--repeat", "2", "--json")
	require.Equal(t, 0, code, stderr)
	var res benchResult
	require.NoError(t, json.Unmarshal([]byte(stdout), &res))
	assert.Equal(t, 400, res.N)
	assert.Equal(t, 12, res.R)
	assert.Equal(t, "low-rank", res.Method)
	assert.Equal(t, "low-rank", res.IdealMethod)
	assert.Equal(t, 20, res.EmSteps)
	assert.False(t, res.EmDiverged)
	for name, v := range map[string]float64{
		"fast_s": res.FastS, "em_s": res.EmS, "woodbury_s": res.WoodburyS, "program_s": res.ProgramS, "ideal_s": res.IdealS,
		"matvec_gbps": res.MatvecGBps, "stream_gbps": res.StreamGBps,
	} {
		assert.Greater(t, v, 0.0, name)
	}
	assert.InEpsilon(t, res.EmS/res.FastS, res.EmOverFast, 1e-12)
	assert.InEpsilon(t, res.FastS/res.WoodburyS, res.FastOverWoodbury, 1e-12)
	assert.InEpsilon(t, res.EmS/res.IdealS, res.EmOverIdeal, 1e-12)
	assert.Less(t, res.SpectrumMax, 20.0, "the 0.1τ Euler–Maruyama step must be stable")

	// The table names every measurement.
	stdout, _, code = runCLI(t, "bench", "window", "--n", "400", "--batch", "4", "--outputs", "3", "--time", "1")
	require.Equal(t, 0, code)
	for _, s := range []string{"fast (low-rank)", "euler-maruyama", "woodbury", "ideal device (low-rank)", "J-products"} {
		assert.Contains(t, stdout, s)
	}
}
