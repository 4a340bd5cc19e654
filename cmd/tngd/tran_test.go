package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tngd/tngd/netlist"
	"github.com/tngd/tngd/plots"
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
	mean, variance := sampleMoments(v)
	// About 2e4 points 1 µs = τ apart, so lag-one correlation ρ = e^{−1}:
	// the relative standard error of the sample variance is
	// √(2(1+ρ²)/(N(1−ρ²))) ≈ 0.011, and 0.05 is about 4.4 of them.
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
		// The output cannot be created: a failure of the run, not bad input.
		{"unwritable out", []string{"tran", "testdata/tran_rc.cir", "--out", "testdata/nonexistent/wave.csv"}, 1, "nonexistent"},
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

// TestTranPlotDeterministic draws the figures of the RC ladder: the
// waveforms of its four nodes and, without noise, no stationary figure.
func TestTranPlotDeterministic(t *testing.T) {
	figs := captureFigures(t)
	dir := filepath.Join(t.TempDir(), "plots")
	_, stderr, code := runCLI(t, "tran", "testdata/tran_rc.cir", "--out", filepath.Join(t.TempDir(), "w.csv"), "--plot", dir)
	require.Equal(t, 0, code, stderr)
	requireFigureFiles(t, dir, "waveforms")
	require.Contains(t, figs, "waveforms")
	desc := figs["waveforms"].desc
	for _, line := range []string{
		`figure: "tran_rc.cir: node voltages"`,
		`x: "time (µs)" [linear]`,
		`y: "node voltage (V)" [linear]`,
		`series "v(in)" (101 samples): 101 points`,
		`series "v(Out)" (101 samples): 101 points`,
		`series "v(mid)" (101 samples): 101 points`,
		`series "v(x2)" (101 samples): 101 points`,
	} {
		assert.Contains(t, desc, line)
	}
	// The last point of v(x2) is the CSV's (exact) value at 10 µs.
	w := figs["waveforms"].spec.(plots.Waveforms)
	require.Len(t, w.Time, 101)
	assert.InDelta(t, 10e-6, w.Time[100], 1e-18)
}

// TestTranPlotNoise draws the figures of the noisy RC node of
// tran_noise.cir and checks the stationary figure's law against the
// analytic one and against the samples it shows.
//
// Theory: the one-sided PSD S = 2·NA²·NT = 2e-19 A²/Hz into R = 1 kΩ ∥
// C = 1 nF gives Var V = S·R/(4C) = 5e-8 V², mean 0; the model's exact law
// must agree to rounding (1e-9 relative).
//
// Samples: the second half of .tran 1u 20m, points 10000…20000 (10,001
// values one τ = RC apart), an AR(1) sequence with ρ_k = e^{−k}. The sample
// variance then has relative standard error √(2(1 + 2Σ(1 − k/n)ρ_k²)/n)
// ≈ 1.6 % and the mean a standard error of 0.021σ (sampleMomentErrors);
// the test allows 4 standard errors. The seed is fixed, so the check is
// deterministic; seeds 1–8 give variance ratios within ±3 %.
func TestTranPlotNoise(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		base string
	}{
		{"default node", nil, "stationary_a"},
		{"named node", []string{"--plot-node", "v(A)"}, "stationary_a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			figs := captureFigures(t)
			dir := t.TempDir()
			args := append([]string{"tran", "testdata/tran_noise.cir", "--out", filepath.Join(t.TempDir(), "w.csv"), "--seed", "7", "--plot", dir}, tc.args...)
			_, stderr, code := runCLI(t, args...)
			require.Equal(t, 0, code, stderr)
			requireFigureFiles(t, dir, "waveforms", tc.base)

			wdesc := figs["waveforms"].desc
			assert.Contains(t, wdesc, `y: "node voltage (µV)" [linear]`)
			assert.Contains(t, wdesc, `x: "time (ms)" [linear]`)
			assert.Contains(t, wdesc, `series "v(a)" (20001 samples, min/max of 400 buckets): 800 points`)

			st := figs[tc.base].spec.(plots.Stationary)
			desc := figs[tc.base].desc
			assert.Contains(t, desc, `figure: "tran_noise.cir: v(a), second half of the run"`)
			assert.Contains(t, desc, `x: "v(a) (µV)"; y: "probability density (1/µV)"`)
			assert.Contains(t, desc, `node "v(a)": 10001 samples`)
			assert.Contains(t, desc, "theory: mean 0 µV, variance 50000 µV²")

			const want = 5e-8
			assert.InEpsilon(t, want, st.Variance, 1e-9)
			assert.InDelta(t, 0, st.Mean, 1e-15)
			require.Len(t, st.Samples, 10001)
			meanSE, varSE := sampleMomentErrors(len(st.Samples), func(k int) float64 { return math.Exp(-float64(k)) })
			m, v := sampleMoments(st.Samples)
			t.Logf("sample variance / theory = %.4f (relative SE %.4f); mean / σ = %.4f (SE %.4f)", v/want, varSE, m/math.Sqrt(want), meanSE)
			assert.InEpsilon(t, want, v, 4*varSE)
			assert.InDelta(t, 0, m, 4*meanSE*math.Sqrt(want))
		})
	}
}

// TestTranPlotNodes checks the choice of nodes on a deck of 12 RC nodes in
// a chain: the first 10 are drawn, a --plot-node beyond them replaces the
// tenth, and unknown nodes are refused.
func TestTranPlotNodes(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("RC chain of 12 nodes\nI1 0 n1 DC 1m TRNOISE(1u 100n 0 0)\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&sb, "R%d n%d 0 1k\nC%d n%d 0 1n\n", i, i, i, i)
		if i > 1 {
			fmt.Fprintf(&sb, "RL%d n%d n%d 1k\n", i, i-1, i)
		}
	}
	sb.WriteString(".tran 1u 40u\n.end\n")
	deck := filepath.Join(t.TempDir(), "chain.cir")
	require.NoError(t, os.WriteFile(deck, []byte(sb.String()), 0o644))

	figs := captureFigures(t)
	dir := t.TempDir()
	_, stderr, code := runCLI(t, "tran", deck, "--out", "-", "--plot", dir, "--plot-node", "N12")
	require.Equal(t, 0, code, stderr)
	requireFigureFiles(t, dir, "waveforms", "stationary_n12")
	w := figs["waveforms"].spec.(plots.Waveforms)
	assert.Equal(t, "chain.cir: node voltages (10 of 12 nodes)", w.Title)
	var labels []string
	for _, s := range w.Signals {
		labels = append(labels, s.Label)
	}
	assert.Equal(t, []string{"v(n1)", "v(n2)", "v(n3)", "v(n4)", "v(n5)", "v(n6)", "v(n7)", "v(n8)", "v(n9)", "v(n12)"}, labels)
	assert.Contains(t, figs["stationary_n12"].desc, `node "v(n12)": 21 samples`)

	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown node", []string{"tran", deck, "--out", "-", "--plot", dir, "--plot-node", "n13"}, `--plot-node "n13": ` + deck + " has no such node (its nodes: n1, n2,"},
		{"node without plot", []string{"tran", deck, "--out", "-", "--plot-node", "n1"}, "--plot-node needs --plot DIR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, tc.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr, tc.msg)
		})
	}
}

// TestTranPlotStride checks that records longer than tranPlotMaxPoints keep
// every stride-th point, that the title says so, and that the stationary
// samples are the kept points of the second half.
func TestTranPlotStride(t *testing.T) {
	p := &tranPlot{file: "x.cir", nodes: []string{"a"}, cols: []int{0}, values: make([][]float64, 1), stride: 3, points: 10,
		stat: &tranLaw{node: "a", mean: 0, variance: 1}}
	for k := range 10 {
		p.record(float64(k), []float64{float64(10 * k)})
	}
	assert.Equal(t, []float64{0, 3, 6, 9}, p.times)
	specs := p.specs()
	require.Len(t, specs, 2)
	assert.Equal(t, "x.cir: node voltages (every 3rd point)", specs[0].spec.(plots.Waveforms).Title)
	assert.Equal(t, []float64{60, 90}, specs[1].spec.(plots.Stationary).Samples)
	assert.Equal(t, "stationary_a", specs[1].base)
}

// TestTranWorkers: the CSV does not depend on the number of formatting
// goroutines, for a run of many blocks (2·10⁴ rows of tran_noise.cir).
func TestTranWorkers(t *testing.T) {
	var want []byte
	for _, workers := range []int{1, 2, 3, 8} {
		var stdout, stderr bytes.Buffer
		err := runTran(context.Background(), &env{stdout: &stdout, stderr: &stderr}, "testdata/tran_noise.cir", "-",
			tranOptions{format: "csv", digits: 15, workers: workers, seed: 7, noise: true})
		require.NoError(t, err)
		if want == nil {
			want = stdout.Bytes()
			require.Greater(t, bytes.Count(want, []byte{'\n'}), 10*csvBlockRows)
			continue
		}
		assert.True(t, bytes.Equal(want, stdout.Bytes()), "%d workers", workers)
	}
}

// TestTranDigitsAndRaw: --format raw holds the float64 values of the run
// exactly; --digits 17 prints them exactly, and --digits D within half a
// unit of the D-th digit, 5·10^−D relative (plus half an ulp from parsing
// the text back, 1.2e-16).
func TestTranDigitsAndRaw(t *testing.T) {
	dir := t.TempDir()
	rawPath := filepath.Join(dir, "wave.raw")
	_, stderr, code := runCLI(t, "tran", "testdata/tran_rc.cir", "--format", "raw", "--out", rawPath, "--seed", "3")
	require.Equal(t, 0, code, stderr)
	f, err := os.Open(rawPath)
	require.NoError(t, err)
	defer f.Close()
	raw, err := netlist.ReadRaw(f)
	require.NoError(t, err)
	assert.Equal(t, "Transient Analysis", raw.Plotname)
	assert.Equal(t, []string{"time", "v(in)", "v(Out)", "v(mid)", "v(x2)"}, raw.Names)
	assert.Equal(t, []string{"time", "voltage", "voltage", "voltage", "voltage"}, raw.Types)
	for _, d := range []int{17, 15, 6} {
		stdout, stderr, code := runCLI(t, "tran", "testdata/tran_rc.cir", "--out", "-", "--seed", "3", "--digits", strconv.Itoa(d))
		require.Equal(t, 0, code, stderr)
		header, cols := readWave(t, stdout)
		require.Equal(t, raw.Names, header)
		require.Len(t, cols, len(raw.Data))
		for j := range cols {
			require.Len(t, cols[j], len(raw.Data[j]))
			for i, x := range cols[j] {
				want := raw.Data[j][i]
				if d == 17 {
					require.Equal(t, want, x)
				} else {
					require.InDelta(t, want, x, (5*math.Pow(10, -float64(d))+1.2e-16)*math.Abs(want), "%s[%d], %d digits", header[j], i, d)
				}
			}
		}
	}
	_, stderr, code = runCLI(t, "tran", "testdata/tran_rc.cir", "--out", "-", "--digits", "18")
	assert.Equal(t, 2, code, stderr)
	_, stderr, code = runCLI(t, "tran", "testdata/tran_rc.cir", "--out", "-", "--format", "hdf5")
	assert.Equal(t, 2, code, stderr)
}

// TestTranReplacesFile: the output replaces an existing file, and a run
// that fails leaves neither a partial file nor a temporary one.
func TestTranReplacesFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "wave.csv")
	require.NoError(t, os.WriteFile(out, []byte("old contents that are longer than nothing\n"), 0o644))
	_, stderr, code := runCLI(t, "tran", "testdata/tran_rc.cir", "--out", out)
	require.Equal(t, 0, code, stderr)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(data), "time,v(in)"))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr2 bytes.Buffer
	err = runTran(ctx, &env{stdout: &stdout, stderr: &stderr2}, "testdata/tran_noise.cir", filepath.Join(dir, "cancelled.csv"),
		tranOptions{format: "csv", digits: 15, seed: 1, noise: true})
	require.Error(t, err)
	entries, err = os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "a cancelled run leaves no file")
}

// BenchmarkTranAllToAll64 times tngd tran in-process on the performance
// deck of netlist (64-node all-to-all RC network, TRNOISE on its 2,080
// resistors, 10,001 points): parse, assembly, the exact noisy steps and
// the output, written to io.Discard.
func BenchmarkTranAllToAll64(b *testing.B) {
	for _, format := range []string{"csv", "raw"} {
		b.Run("format="+format, func(b *testing.B) {
			args := []string{"tran", "../../netlist/testdata/alltoall64_noise.cir", "--out", "-"}
			if format != "csv" {
				args = append(args, "--format", format)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := run(context.Background(), args, io.Discard, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
