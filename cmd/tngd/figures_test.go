package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tngd/tngd/plots"
)

// drawn is a figure a command drew: its spec and its text record.
type drawn struct {
	spec plots.Spec
	desc string
}

// captureFigures records every figure the commands draw until the end of
// the test.
func captureFigures(t *testing.T) map[string]drawn {
	t.Helper()
	got := map[string]drawn{}
	saved := figureHook
	figureHook = func(base string, spec plots.Spec, fig *plots.Figure) {
		got[base] = drawn{spec: spec, desc: fig.Describe()}
	}
	t.Cleanup(func() { figureHook = saved })
	return got
}

// requireFigureFiles checks that dir holds exactly base.png and base.svg
// for each base, non-empty.
func requireFigureFiles(t *testing.T, dir string, bases ...string) {
	t.Helper()
	var want []string
	for _, b := range bases {
		want = append(want, b+".png", b+".svg")
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		info, err := e.Info()
		require.NoError(t, err)
		assert.Greater(t, info.Size(), int64(1000), e.Name())
	}
	assert.ElementsMatch(t, want, names)
	for _, b := range bases {
		png, err := os.ReadFile(filepath.Join(dir, b+".png"))
		require.NoError(t, err)
		assert.Equal(t, "\x89PNG", string(png[:4]), b)
	}
}

// sampleMomentErrors returns the standard errors of the sample mean (in
// units of σ) and of the sample variance (relative to σ²) of n consecutive
// values of a stationary Gaussian sequence with autocorrelation rho(k) at
// lag k: Var(x̄) = σ²/n·(1 + 2Σ_{k<n}(1 − k/n)ρ_k) and, to leading order in
// 1/n, Var(s²) = 2σ⁴/n·(1 + 2Σ_{k<n}(1 − k/n)ρ_k²) (Priestley, Spectral
// Analysis and Time Series, §5.3). The sums stop once |ρ_k| < 1e-12.
func sampleMomentErrors(n int, rho func(k int) float64) (meanSE, varRelSE float64) {
	s1, s2 := 1.0, 1.0
	for k := 1; k < n; k++ {
		r := rho(k)
		if r < 1e-12 && r > -1e-12 {
			break
		}
		w := 1 - float64(k)/float64(n)
		s1 += 2 * w * r
		s2 += 2 * w * r * r
	}
	return math.Sqrt(s1 / float64(n)), math.Sqrt(2 * s2 / float64(n))
}

func TestShortFloatAndOrdinal(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{{23.4375, "23.44"}, {2000, "2000"}, {20000, "20000"}, {0.0012345, "0.001234"}, {5, "5"}} {
		assert.Equal(t, tc.want, shortFloat(tc.v))
	}
	for k, want := range map[int]string{1: "st", 2: "nd", 3: "rd", 4: "th", 11: "th", 12: "th", 13: "th", 21: "st", 102: "nd"} {
		assert.Equal(t, want, ordinal(k), "%d", k)
	}
}
