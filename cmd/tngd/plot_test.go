package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readTree returns the contents of every file under dir by relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[rel] = b
		return err
	}))
	return out
}

// tngd run leaves figures in DIR/plots, and tngd plot redraws the same
// files, byte for byte, from the results alone.
func TestPlotRedrawsTheRunsFigures(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := runCLI(t, "run", "../../scenarios/smoke.toml", "--out", dir, "--jobs", "2")
	require.Equal(t, 0, code, stderr)
	plotsDir := filepath.Join(dir, "plots")
	first := readTree(t, plotsDir)
	for _, name := range []string{"test_loss_vs_iteration.png", "test_loss_vs_time.svg", "solve_quality.png", "time_split.png", "sweep_test_acc_optimizer_tngd_window_time.png"} {
		assert.Contains(t, first, name)
	}
	require.NoError(t, os.RemoveAll(plotsDir))
	_, stderr, code = runCLI(t, "plot", dir)
	require.Equal(t, 0, code, stderr)
	second := readTree(t, plotsDir)
	require.Equal(t, len(first), len(second))
	for name, b := range first {
		assert.Equal(t, b, second[name], name)
	}
}

func TestPlotBadInput(t *testing.T) {
	_, stderr, code := runCLI(t, "plot", t.TempDir())
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "is not a results directory")
	_, _, code = runCLI(t, "plot")
	assert.Equal(t, 2, code)
}
