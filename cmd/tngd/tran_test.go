package main

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// readWave parses a tngd tran CSV into its header and columns.
func readWave(t *testing.T, text string) ([]string, [][]float64) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	cols := make([][]float64, len(recs[0]))
	for _, r := range recs[1:] {
		require.Len(t, r, len(recs[0]))
		for j, s := range r {
			v, err := strconv.ParseFloat(s, 64)
			require.NoError(t, err)
			cols[j] = append(cols[j], v)
		}
	}
	return recs[0], cols
}

// TestTranRCLadder checks the deterministic waveforms of tran_rc.cir
// against the matrix-exponential solution v(t) = v∞ + e^{−C⁻¹G t}(v₀ − v∞)
// of its two capacitive nodes (mid, capacitor-free, is their mean).
func TestTranRCLadder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "wave.csv")
	_, stderr, code := runCLI(t, "tran", "testdata/tran_rc.cir", "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "tngd: note: testdata/tran_rc.cir:10:1: unsupported dot-card .options skipped")
	assert.Contains(t, stderr, "tngd: note: testdata/tran_rc.cir:12:1: skipped .control")
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	header, cols := readWave(t, string(data))
	assert.Equal(t, []string{"time", "v(in)", "v(Out)", "v(mid)", "v(x2)"}, header)
	require.Len(t, cols[0], 101, ".tran 0.1u 10u: 0 to 10 µs inclusive")

	// C dv/dt = −G v + b on (Out, x2): R1 = 1k to in = 1 V, R2 + R3 = 2k
	// between Out and x2, C1 = 1n, C2 = 2n.
	a := mat.NewDense(2, 2, []float64{
		(1/1e3 + 1/2e3) / 1e-9, -1 / 2e3 / 1e-9,
		-1 / 2e3 / 2e-9, 1 / 2e3 / 2e-9,
	})
	vinf := []float64{1, 1}
	v0 := []float64{0, 0.5} // C1 has no IC= (uic: 0), C2 has IC=0.5
	for k, tk := range cols[0] {
		assert.InDelta(t, 1e-7*float64(k), tk, 1e-18)
		var e, at mat.Dense
		at.Scale(-tk, a)
		e.Exp(&at)
		want := make([]float64, 2)
		for i := range 2 {
			want[i] = vinf[i]
			for j := range 2 {
				want[i] += e.At(i, j) * (v0[j] - vinf[j])
			}
		}
		// Exact stepping: only rounding separates the two (1e-12 V).
		assert.InDelta(t, 1.0, cols[1][k], 1e-15, "v(in) at %g", tk)
		assert.InDelta(t, want[0], cols[2][k], 1e-12, "v(Out) at %g", tk)
		assert.InDelta(t, (want[0]+want[1])/2, cols[3][k], 1e-12, "v(mid) at %g", tk)
		assert.InDelta(t, want[1], cols[4][k], 1e-12, "v(x2) at %g", tk)
	}
}

// TestTranNoiseVariance checks the stationary variance of an RC node driven
// by TRNOISE, S·R/(4C) = 5e-8 V² (see tran_noise.cir). Sample size: 20,001
// points one τ apart, the first 10 dropped as burn-in; for an AR(1) sequence
// with ρ = e⁻¹ the sample variance has relative standard error
// √(2(1+ρ²)/(N(1−ρ²))) ≈ 1.1 %, so 5 % is over 4 standard errors.
func TestTranNoiseVariance(t *testing.T) {
	stdout, stderr, code := runCLI(t, "tran", "testdata/tran_noise.cir", "--out", "-", "--seed", "7")
	require.Equal(t, 0, code, stderr)
	_, cols := readWave(t, stdout)
	v := cols[1][10:]
	mean, sq := 0.0, 0.0
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		sq += (x - mean) * (x - mean)
	}
	variance := sq / float64(len(v)-1)
	assert.InEpsilon(t, 5e-8, variance, 0.05)
	// Mean 0 within 4 standard errors: σ·√((1+ρ)/(N(1−ρ))) ≈ 3.3e-6 V.
	assert.InDelta(t, 0, mean, 4*math.Sqrt(5e-8)*math.Sqrt((1+math.Exp(-1))/(float64(len(v))*(1-math.Exp(-1)))))

	// Same seed, same waveform; another seed, another one.
	again, _, _ := runCLI(t, "tran", "testdata/tran_noise.cir", "--out", "-", "--seed", "7")
	assert.Equal(t, stdout, again)
	other, _, _ := runCLI(t, "tran", "testdata/tran_noise.cir", "--out", "-", "--seed", "8")
	assert.NotEqual(t, stdout, other)
	// Without noise the node stays at its operating point, 0.
	quiet, _, code := runCLI(t, "tran", "testdata/tran_noise.cir", "--out", "-", "--noise=false")
	require.Equal(t, 0, code)
	_, qcols := readWave(t, quiet)
	for _, x := range qcols[1] {
		require.Equal(t, 0.0, x)
	}
}

func TestTranErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no file", []string{"tran", "--out", "-"}, 2, "want one netlist file"},
		{"no out", []string{"tran", "testdata/tran_rc.cir"}, 2, "--out FILE is required"},
		{"missing file", []string{"tran", "testdata/nonexistent.cir", "--out", "-"}, 2, "nonexistent.cir"},
		{"inductor", []string{"tran", "testdata/tran_bad.cir", "--out", "-"}, 2, `tngd: testdata/tran_bad.cir:3:1: unsupported element "L1"`},
		{"no DC path", []string{"tran", "testdata/tran_nodc.cir", "--out", "-"}, 2, "tngd: testdata/tran_nodc.cir:2:1: circuit: drift is not stable"},
		{"bad flag", []string{"tran", "testdata/tran_rc.cir", "--out", "-", "--seed", "x"}, 2, "invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, tt.args...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.stderr)
		})
	}
}

func TestTranNoTranCard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.cir")
	require.NoError(t, os.WriteFile(path, []byte("t\nR1 a 0 1\nC1 a 0 1\n"), 0o644))
	_, stderr, code := runCLI(t, "tran", path, "--out", "-")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "has no .tran card")
}
