package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tngd/tngd/scenarios"
)

// tinyScenario is the runner's test scenario: a teacher–student sweep of
// 8 jobs that trains in about a second.
const tinyScenario = "../../scenarios/testdata/tiny.toml"

func TestValidateShippedScenarios(t *testing.T) {
	files, err := filepath.Glob("../../scenarios/*.toml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 8)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			stdout, stderr, code := runCLI(t, "validate", f)
			require.Equal(t, 0, code, stderr)
			assert.Regexp(t, `^`+regexpQuote(f)+`: [a-z-]+: \d+ points? × \d+ seeds? × \d+ optimizers? = \d+ jobs?\n$`, stdout)
		})
	}
}

func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestValidateBadScenarios runs tngd validate on every bad file of the
// scenarios package: exit status 2 and the message of its golden.
func TestValidateBadScenarios(t *testing.T) {
	files, err := filepath.Glob("../../scenarios/testdata/bad/*.toml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, stderr, code := runCLI(t, "validate", f)
			assert.Equal(t, 2, code, stderr)
			golden, err := os.ReadFile(strings.TrimSuffix(f, ".toml") + ".golden")
			require.NoError(t, err)
			// The goldens name the file as the scenarios package sees it.
			msg := strings.ReplaceAll(strings.TrimSpace(string(golden)), "testdata/bad/", "../../scenarios/testdata/bad/")
			if strings.HasPrefix(msg, "sweep point") {
				msg = f + ": " + msg
			}
			assert.Equal(t, "tngd: "+msg+"\n", stderr)
		})
	}
}

func TestValidateUsage(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no file", []string{"validate"}, 2, "validate: want one scenario FILE, got 0 arguments"},
		{"missing file", []string{"validate", "nope.toml"}, 2, "open nope.toml: no such file or directory"},
		{"bad set", []string{"validate", tinyScenario, "--set", "novalue"}, 2, `want dotted.key=value, got "novalue"`},
		{"set unknown key", []string{"validate", tinyScenario, "--set", "run.iterationz=3"}, 2, "run.iterationz: unknown key"},
		{"set bad value", []string{"validate", tinyScenario, "--set", "hardware.arrays.bits=99"}, 2, "arrays.bits: must be between 0 (unquantized) and 52, got 99"},
		{"set ok", []string{"validate", tinyScenario, "--set", "run.seeds=[1,2,3]", "--set", "optimizer.adam.lr=0.1"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, tt.args...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.stderr)
			if code == 0 {
				assert.Contains(t, stdout, "2 points × 3 seeds × 2 optimizers = 12 jobs")
			}
		})
	}
}

// results reads the files of a results directory with the wall-clock
// columns removed.
func results(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range []string{scenarios.ScenarioFile, scenarios.MetricsFile, scenarios.SummaryCSV, scenarios.SummaryJSON} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, name)
		switch filepath.Ext(name) {
		case ".csv":
			recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
			require.NoError(t, err)
			i := slices.Index(recs[0], "wall_s")
			require.GreaterOrEqual(t, i, 0)
			var b strings.Builder
			for _, r := range recs {
				b.WriteString(strings.Join(slices.Delete(r, i, i+1), ",") + "\n")
			}
			out[name] = b.String()
		case ".json":
			var runs []map[string]any
			require.NoError(t, json.Unmarshal(data, &runs))
			for _, r := range runs {
				delete(r, "wall_s")
			}
			b, _ := json.Marshal(runs)
			out[name] = string(b)
		default:
			out[name] = string(data)
		}
	}
	runs, _ := filepath.Glob(filepath.Join(dir, scenarios.RunsDir, "*.json"))
	out["runs"] = strings.Join(baseNames(runs), " ")
	return out
}

func baseNames(paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, filepath.Base(p))
	}
	return out
}

// stubPlots replaces the figures hook for the duration of a test.
func stubPlots(t *testing.T, hook func(context.Context, *env, string) error) {
	saved := plotResults
	plotResults = hook
	t.Cleanup(func() { plotResults = saved })
}

func TestRunTiny(t *testing.T) {
	var plotted []string
	stubPlots(t, func(_ context.Context, _ *env, dir string) error {
		plotted = append(plotted, dir)
		return nil
	})

	dir := filepath.Join(t.TempDir(), "out")
	stdout, stderr, code := runCLI(t, "run", tinyScenario, "--out", dir, "--jobs", "2")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, []string{dir}, plotted, "the plots hook runs once on the results")

	// Not a terminal: one line per finished run, then where the results are.
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	require.Len(t, lines, 9, stderr)
	for _, l := range lines[:8] {
		assert.Regexp(t, `^tngd: \[[1-8]/8\] r000[0-7] (adam|tngd) seed=[12] optimizer.tngd.window.time=[25]: finished, 12 it, test loss [0-9.e-]+, acc [0-9.]+%, sim [0-9.]+ [µm]s, wall [0-9.]+s$`, l)
	}
	assert.Equal(t, "tngd: 8 runs in "+dir+" (metrics.csv, summary.csv, summary.json)", lines[8])
	// The table of runs on stdout.
	out := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, out, 9)
	assert.Regexp(t, `^run +optimizer.tngd.window.time +optimizer +seed +outcome +iterations +test loss +test acc +sim time$`, out[0])
	assert.Regexp(t, `^r0003 +2 +tngd +2 +finished +12 `, out[4])

	// The same command again resumes: nothing left to run.
	_, stderr, code = runCLI(t, "run", tinyScenario, "--out", dir)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "[8/8] r0007 tngd seed=2 optimizer.tngd.window.time=5: finished (kept from an earlier run)")

	// A different scenario into the same directory is refused.
	_, stderr, code = runCLI(t, "run", tinyScenario, "--out", dir, "--set", "optimizer.adam.lr=0.02")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "scenario.toml differs from the scenario being run")
	_, stderr, code = runCLI(t, "run", tinyScenario, "--out", dir, "--seed", "3")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `"  seeds = [1, 2]" there, "  seeds = [3]" here`)
}

func TestRunSeedAndSet(t *testing.T) {
	stubPlots(t, nil)
	dir := t.TempDir()
	_, stderr, code := runCLI(t, "run", tinyScenario, "--out", dir, "--seed", "7", "--set", "sweep.params={}", "--set", "run.iterations=4")
	require.Equal(t, 0, code, stderr)
	resolved, err := os.ReadFile(filepath.Join(dir, scenarios.ScenarioFile))
	require.NoError(t, err)
	assert.Contains(t, string(resolved), "seeds = [7]")
	assert.Contains(t, string(resolved), "iterations = 4")
	res, err := scenarios.ReadResults(dir)
	require.NoError(t, err)
	require.Len(t, res.Runs, 2)
	assert.Equal(t, uint64(7), res.Runs[0].Seed)
	assert.Equal(t, 4, res.Runs[1].Summary.Iterations)
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no file", []string{"run"}, "run: want one scenario FILE, got 0 arguments"},
		{"two files", []string{"run", tinyScenario, tinyScenario}, "got 2 arguments"},
		{"bad shard", []string{"run", tinyScenario, "--shard", "2/2"}, `invalid shard "2/2": want 0 ≤ I < N`},
		{"bad shard syntax", []string{"run", tinyScenario, "--shard", "1"}, `want I/N`},
		{"negative jobs", []string{"run", tinyScenario, "--jobs", "-1"}, "--jobs must be ≥ 0"},
		{"bad seed", []string{"run", tinyScenario, "--seed", "-3"}, "want a non-negative integer"},
		{"bad file", []string{"run", "../../scenarios/testdata/bad/bits_range.toml"}, "arrays.bits: must be between 0"},
		{"bad point", []string{"run", "../../scenarios/testdata/bad/sweep_point_range.toml"}, "sweep_point_range.toml: sweep point hardware.arrays.bits=99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, append(tt.args, "--out", t.TempDir())...)
			assert.Equal(t, 2, code, stderr)
			assert.Contains(t, stderr, tt.stderr)
		})
	}
}

// TestShardsAndMerge runs the tiny scenario in two shards and merges
// them: the result equals the unsharded run except for wall-clock columns.
func TestShardsAndMerge(t *testing.T) {
	stubPlots(t, nil)
	base := t.TempDir()
	whole := filepath.Join(base, "whole")
	_, stderr, code := runCLI(t, "run", tinyScenario, "--out", whole, "--jobs", "1")
	require.Equal(t, 0, code, stderr)

	var shards []string
	for _, s := range []string{"0/2", "1/2"} {
		dir := filepath.Join(base, "shard"+s[:1])
		_, stderr, code := runCLI(t, "run", tinyScenario, "--out", dir, "--shard", s)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stderr, "4 jobs of other shards are not in "+dir)
		shards = append(shards, dir)
	}
	merged := filepath.Join(base, "merged")

	_, stderr, code = runCLI(t, "merge", "--out", merged, shards[0])
	assert.Equal(t, 1, code, "incomplete")
	assert.Contains(t, stderr, "4 of 8 runs have no run file in any shard (r0001 r0003 r0005 r0007)")

	stdout, stderr, code := runCLI(t, "merge", "--out", merged, shards[0], shards[1])
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "tngd: 8 runs from 2 directories in "+merged+"\n", stderr)
	assert.Len(t, strings.Split(strings.TrimSpace(stdout), "\n"), 9)
	assert.Equal(t, results(t, whole), results(t, merged))

	// Shards of another scenario are refused.
	other := filepath.Join(base, "other")
	_, stderr, code = runCLI(t, "run", tinyScenario, "--out", other, "--shard", "1/2", "--set", "run.iterations=8")
	require.Equal(t, 0, code, stderr)
	_, stderr, code = runCLI(t, "merge", "--out", filepath.Join(base, "m2"), shards[0], other)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "shards to merge must come from the same scenario")

	for _, args := range [][]string{{"merge", shards[0]}, {"merge", "--out", merged}} {
		_, stderr, code = runCLI(t, args...)
		assert.Equal(t, 2, code, stderr)
	}
}

// TestProgressBar draws the bar into a buffer as on a terminal.
func TestProgressBar(t *testing.T) {
	stubPlots(t, nil)
	var stderr bytes.Buffer
	e := &env{stdout: &bytes.Buffer{}, stderr: &stderr, terminal: true}
	dir := t.TempDir()
	err := runScenario(context.Background(), e, tinyScenario, &runOptions{out: dir, jobs: 2})
	require.NoError(t, err)
	out := stderr.String()
	assert.Contains(t, out, "8/8")
	assert.Contains(t, out, "runs")
	assert.NotContains(t, out, "[1/8] r000", "no plain lines on a terminal")

	// Resuming shows how many runs were kept.
	require.NoError(t, os.Remove(scenarios.RunPath(dir, "r0004")))
	stderr.Reset()
	err = runScenario(context.Background(), e, tinyScenario, &runOptions{out: dir, jobs: 2})
	require.NoError(t, err)
	assert.Contains(t, stderr.String(), "runs (7 kept)")
	assert.Contains(t, stderr.String(), "1/1")
}
