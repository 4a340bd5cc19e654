package plots

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Small deterministic fixtures, one per figure kind. Their text records are
// the goldens in testdata/*.txt; the values are chosen so that each record
// can be checked by hand (means of a few integers, exact shares).

// lossRuns returns seeds runs of a loss decaying from 2.3 towards floor,
// y = floor + (2.3 − floor)·2^(−x/halfLife) + offset·(seed − 1), sampled at
// x = 0, 10, …, 90.
func lossRuns(seeds int, floor, halfLife, offset float64) []Trace {
	runs := make([]Trace, seeds)
	for s := range runs {
		for k := range 10 {
			x := float64(10 * k)
			runs[s].X = append(runs[s].X, x)
			runs[s].Y = append(runs[s].Y, floor+(2.3-floor)*math.Exp2(-x/halfLife)+offset*float64(s-1))
		}
	}
	return runs
}

func fixtureCurves() Curves {
	return Curves{
		Title: "Test loss",
		X:     Axis{Label: "iteration"},
		Y:     Axis{Label: "test loss"},
		Groups: []Group{
			{Label: "Adam", Runs: lossRuns(3, 0.1, 30, 0.01)},
			{Label: "TNGD", Runs: lossRuns(3, 1e-3, 10, 1e-4)},
			{Label: "exact NGD", Runs: lossRuns(1, 1e-3, 8, 0), Reference: true},
		},
		Smooth: 3,
	}
}

func fixtureCurvesTime() Curves {
	// Two seeds whose evaluations fall at different simulated times.
	return Curves{
		Title: "Test loss against simulated time",
		X:     Axis{Label: "simulated time", Unit: "s"},
		Y:     Axis{Label: "test loss"},
		Groups: []Group{{Label: "TNGD", Runs: []Trace{
			{X: []float64{0, 1e-3, 2e-3, 3e-3}, Y: []float64{2, 1, 0.5, 0.25}},
			{X: []float64{0.5e-3, 1.5e-3, 2.5e-3, 3.5e-3}, Y: []float64{2, 1, 0.5, 0.25}},
		}}},
		Band: BandStd,
	}
}

func fixtureSweep() Sweep {
	return Sweep{
		Title: "Noise resilience",
		X:     Axis{Label: "noise level κ₀"},
		Y:     Axis{Label: "final test loss"},
		Lines: []SweepLine{
			{Label: "TNGD", X: []float64{1e-1, 1e-3, 1e-2}, Y: [][]float64{{0.5, 0.7}, {0.2, 0.2}, {0.2, 0.3}}},
			{Label: "TNGD-Adam", X: []float64{1e-3, 1e-2, 1e-1}, Y: [][]float64{{0.1, 0.3}, {0.2, math.NaN()}, {math.Inf(1), math.NaN()}}},
		},
	}
}

func fixtureHeatmap() Heatmap {
	return Heatmap{
		Title:   "Final test loss",
		X:       Axis{Label: "DAC bits"},
		Y:       Axis{Label: "programming mismatch"},
		XValues: []float64{4, 8, 12},
		YValues: []float64{0, 0.01},
		Values:  [][]float64{{1.2, 0.3, 0.25}, {math.NaN(), 0.5, 0.4}},
		Color:   Axis{Label: "final test loss"},
	}
}

func fixtureHeatmapLog() Heatmap {
	h := fixtureHeatmap()
	h.Values = [][]float64{{10, 0.1, 0.01}, {1, 0.5, 0.05}}
	return h
}

func fixturePareto() Pareto {
	return Pareto{
		Title:    "Accuracy against cost",
		Cost:     Axis{Label: "bits × devices"},
		Value:    Axis{Label: "test accuracy"},
		Maximize: true,
		Points: []ParetoPoint{
			{Label: "4 b", Cost: 4e3, Value: 0.80},
			{Label: "6 b", Cost: 6e3, Value: 0.90},
			{Label: "6 b noisy", Cost: 6e3, Value: 0.85},
			{Label: "8 b", Cost: 8e3, Value: 0.89},
			{Label: "12 b", Cost: 12e3, Value: 0.95},
			{Label: "diverged", Cost: 2e3, Value: math.NaN()},
		},
	}
}

func fixtureTimeSplit(mode SplitMode) TimeSplit {
	return TimeSplit{
		Title: "Time per iteration",
		Mode:  mode,
		Bars: []IterationTime{
			{Label: "Adam", Digital: 2e-3},
			// Shares: 5 %, 90 %, 4 %, 1 % of 40 ms.
			{Label: "TNGD", Digital: 2e-3, Upload: 36e-3, Analog: 1.6e-3, Readout: 0.4e-3},
		},
	}
}

func fixtureSolveQuality() SolveQuality {
	x := []float64{0, 1, 2, 3}
	return SolveQuality{
		Title: "Solve quality",
		Groups: []SolveRuns{
			{Label: "Adam"}, // no solve: keeps colour 0, draws nothing
			{
				Label:  "TNGD (t = 5τ)",
				Cosine: []Trace{{X: x, Y: []float64{0.9, 0.8, 0.85, 0.9}}, {X: x, Y: []float64{0.7, 0.8, 0.75, 0.9}}},
				RelErr: []Trace{{X: x, Y: []float64{0.5, 0.4, 0.3, 0.2}}},
			},
			{
				Label:  "TNGD (t = 50τ)",
				RelErr: []Trace{{X: x, Y: []float64{1e-3, 1e-3, 1e-3, 1e-3}}},
			},
		},
	}
}

func fixtureWaveforms() Waveforms {
	w := Waveforms{Title: "RC charging", MaxPoints: 8}
	// 12 samples, 1 µs apart, of v = 1 − e^(−t/τ) and its negative.
	var v1, v2 []float64
	for i := range 12 {
		t := float64(i) * 1e-6
		w.Time = append(w.Time, t)
		v1 = append(v1, 1-math.Exp(-t/3e-6))
		v2 = append(v2, -(1 - math.Exp(-t/3e-6)))
	}
	w.Signals = []Signal{{Label: "V(1)", Values: v1}, {Label: "V(2)", Values: v2}}
	return w
}

func fixtureStationary() Stationary {
	// Samples symmetric around 1 µV, with a NaN to be dropped.
	var xs []float64
	for _, v := range []float64{-3, -2, -1, -1, 0, 0, 0, 1, 1, 2, 3, math.NaN()} {
		xs = append(xs, (v+1)*1e-6)
	}
	return Stationary{
		Title:    "Stationary V(1)",
		Label:    "V(1)",
		Samples:  xs,
		Mean:     1e-6,
		Variance: 2e-12,
		Bins:     4,
	}
}

func fixtureLines() Lines {
	return Lines{
		Title: "Ready-made series",
		X:     Axis{Label: "κ₀", Scale: ScaleLog},
		Y:     Axis{Label: "loss", Scale: ScaleLog},
		Series: []Series{
			{Label: "with band", X: []float64{1e-3, 1e-2, 1e-1}, Y: []float64{1, 2, 4}, Lo: []float64{-1, 1, 3}, Hi: []float64{2, 3, 5}},
			{Label: "", X: []float64{1e-3, 1e-1}, Y: []float64{3, math.NaN()}},
		},
	}
}

var goldenSpecs = []struct {
	name string
	spec Spec
}{
	{"curves", fixtureCurves()},
	{"curves_time", fixtureCurvesTime()},
	{"lines", fixtureLines()},
	{"sweep", fixtureSweep()},
	{"heatmap", fixtureHeatmap()},
	{"heatmap_log", fixtureHeatmapLog()},
	{"pareto", fixturePareto()},
	{"timesplit_share", fixtureTimeSplit(SplitShare)},
	{"timesplit_absolute", fixtureTimeSplit(SplitAbsolute)},
	{"timesplit_log", fixtureTimeSplit(SplitLog)},
	{"solvequality", fixtureSolveQuality()},
	{"waveforms", fixtureWaveforms()},
	{"stationary", fixtureStationary()},
}

// TestDescribeGoldens checks the data behind every figure kind as text, and
// that every figure renders in both formats.
func TestDescribeGoldens(t *testing.T) {
	for _, g := range goldenSpecs {
		t.Run(g.name, func(t *testing.T) {
			f, err := g.spec.Figure()
			require.NoError(t, err)
			checkGolden(t, g.name+".txt", f.Describe())
			for _, format := range []string{"png", "svg"} {
				var buf bytes.Buffer
				require.NoError(t, f.Encode(&buf, format))
				assert.NotZero(t, buf.Len())
			}
		})
	}
}

// TestDescribeOracles checks the key numbers of the goldens against values
// computed by hand, so that a wrong golden cannot be accepted by -update.
func TestDescribeOracles(t *testing.T) {
	describe := func(s Spec) string {
		f, err := s.Figure()
		require.NoError(t, err)
		return f.Describe()
	}
	t.Run("curves", func(t *testing.T) {
		d := describe(fixtureCurves())
		assert.Contains(t, d, `x: "iteration" [linear]`)
		// TNGD falls from 2.3 to ~0.003: more than two decades, log axis.
		assert.Contains(t, d, `y: "test loss" [log]`)
		// First point: mean of 2.3 − 0.01, 2.3, 2.3 + 0.01; min/max band.
		assert.Contains(t, d, "series \"Adam\" (mean of 3 runs, band min/max, moving average over 3 points): 10 points\n  x\ty\tlo\thi\n  0\t2.3\t2.29\t2.31\n")
		assert.Contains(t, d, `series "exact NGD" (1 run, moving average over 3 points) [reference]`)
	})
	t.Run("curves against time", func(t *testing.T) {
		d := describe(fixtureCurvesTime())
		// Overlap [0.5, 3] ms; at 1 ms run 1 is 1 and run 2 interpolates to
		// 1.5: mean 1.25, std √((0.25² · 2)/1) = 0.353553.
		assert.Contains(t, d, `x: "simulated time (ms)" [linear]`)
		assert.Contains(t, d, "  1\t1.25\t0.896447\t1.60355\n")
		assert.Contains(t, d, "6 points")
	})
	t.Run("sweep", func(t *testing.T) {
		d := describe(fixtureSweep())
		assert.Contains(t, d, `x: "noise level κ₀" [log]`)
		// Sorted by κ₀; TNGD at 0.1 is the mean of 0.5 and 0.7.
		assert.Contains(t, d, "  0.001\t0.2\t0.2\t0.2\n  0.01\t0.25\t0.2\t0.3\n  0.1\t0.6\t0.5\t0.7\n")
		// TNGD-Adam at 0.1 has no finite value: not drawn.
		assert.Contains(t, d, "series \"TNGD-Adam\" (mean of up to 2 runs per point, error bars min/max): 2 points")
	})
	t.Run("timesplit shares", func(t *testing.T) {
		d := describe(fixtureTimeSplit(SplitShare))
		assert.Contains(t, d, "\"TNGD\"\t5\t90\t4\t1\t40 ms")
	})
	t.Run("stationary", func(t *testing.T) {
		d := describe(fixtureStationary())
		// 11 samples, mean 1 µV, variance (2·9 + 2·4 + 4·1)/10 = 3 µV².
		assert.Contains(t, d, "11 samples, sample mean 1 µV, sample variance 3 µV²")
		assert.Contains(t, d, "theory: mean 1 µV, variance 2 µV²")
		// Bins of 1.5 µV over [−2, 4] µV hold 2, 2, 5, 2 samples: densities
		// 2/(11 · 1.5) and 5/(11 · 1.5) per µV. The Gaussian of variance 2 µV²
		// 2.25 µV from its mean is e^(−2.25²/4)/√(4π) = 0.0795685.
		assert.Contains(t, d, "  -1.25\t0.121212\t0.0795685\n  0.25\t0.121212\t0.245088\n  1.75\t0.30303\t0.245088\n")
	})
	t.Run("pareto", func(t *testing.T) {
		d := describe(fixturePareto())
		assert.Contains(t, d, "front: 3 of 5 points")
		assert.Contains(t, d, `not drawn (non-finite, or ≤ 0 on a log axis): "diverged" (2000, NaN)`)
	})
	t.Run("stationary without theory, constant samples", func(t *testing.T) {
		d := describe(Stationary{Label: "V(1)", Samples: []float64{0.5, 0.5, 0.5}, Bins: 2})
		assert.Contains(t, d, "theory: none")
		assert.Contains(t, d, "3 samples, sample mean 500 mV, sample variance 0 mV²")
	})
	t.Run("heatmap keeps its own copy", func(t *testing.T) {
		h := fixtureHeatmap()
		f, err := h.Figure()
		require.NoError(t, err)
		var before, after bytes.Buffer
		require.NoError(t, f.Encode(&before, "svg"))
		h.Values[0][0] = 1e9
		require.NoError(t, f.Encode(&after, "svg"))
		assert.True(t, bytes.Equal(before.Bytes(), after.Bytes()))
	})
	t.Run("heatmap of equal values", func(t *testing.T) {
		d := describe(Heatmap{XValues: []float64{1, 2}, YValues: []float64{1}, Values: [][]float64{{3, 3}}})
		assert.Contains(t, d, "  y=1\t3\t3\n")
	})
	t.Run("heatmap forced log with a zero", func(t *testing.T) {
		f, err := Heatmap{XValues: []float64{1, 2}, YValues: []float64{1}, Values: [][]float64{{0, 3}}, Color: Axis{Scale: ScaleLog}}.Figure()
		require.NoError(t, err)
		// The zero is coloured as missing; the one positive value sets a
		// colour range of ±1 % around log₁₀ 3.
		assert.Contains(t, f.Describe(), "[log], range 2.96722..3.03314\n  y=1\t0\t3\n")
		assert.NoError(t, f.Encode(&bytes.Buffer{}, "png"))
	})
	t.Run("single point drawn as a marker", func(t *testing.T) {
		f, err := Lines{Series: []Series{{Label: "a", X: []float64{1}, Y: []float64{2}}}}.Figure()
		require.NoError(t, err)
		assert.NoError(t, f.Encode(&bytes.Buffer{}, "png"))
		assert.NotNil(t, f.legend, "a lone marker still gets a legend entry")
	})
	t.Run("pareto on forced log axes", func(t *testing.T) {
		p := fixturePareto()
		p.Cost.Scale = ScaleLog
		p.Points = append(p.Points, ParetoPoint{Label: "free", Cost: 0, Value: 0.99})
		d := describe(p)
		assert.Contains(t, d, `x: "bits × devices" [log]`)
		// The zero-cost point would dominate everything; it cannot be drawn,
		// so it is left out of the front as well.
		assert.Contains(t, d, "front: 3 of 5 points")
		assert.Contains(t, d, `"free" (0, 0.99)`)
	})
	t.Run("curves on a forced log time axis", func(t *testing.T) {
		c := fixtureCurvesTime()
		c.X.Scale = ScaleLog
		d := describe(c)
		// Seed 1 is evaluated at t = 0; the overlap starts at 0.5 ms anyway,
		// so the aggregate has no zero. A single run from 0 loses that point.
		assert.Contains(t, d, `x: "simulated time (s)" [log]`)
		c.Groups[0].Runs = c.Groups[0].Runs[:1]
		d = describe(c)
		assert.Contains(t, d, "not drawn: 1 point with a coordinate ≤ 0 on a log axis\n")
		assert.Contains(t, d, "series \"TNGD\" (1 run): 3 points")
	})
}

func TestFigureErrors(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want error
	}{
		{"lines without series", Lines{}, ErrNoData},
		{"lines length", Lines{Series: []Series{{X: []float64{1}, Y: nil}}}, ErrLength},
		{"lines band length", Lines{Series: []Series{{X: []float64{1}, Y: []float64{1}, Lo: []float64{1}}}}, ErrLength},
		{"lines NaN X", Lines{Series: []Series{{X: []float64{math.NaN()}, Y: []float64{1}}}}, ErrNotFinite},
		{"lines all NaN", Lines{Series: []Series{{X: []float64{1}, Y: []float64{math.NaN()}}}}, ErrNoData},
		{"forced log without positive value", Lines{Y: Axis{Scale: ScaleLog}, Series: []Series{{X: []float64{1, 2}, Y: []float64{0, -1}}}}, ErrLogScale},
		{"forced log x and y leave nothing", Lines{X: Axis{Scale: ScaleLog}, Y: Axis{Scale: ScaleLog}, Series: []Series{{X: []float64{0, 1}, Y: []float64{1, 0}}}}, ErrLogScale},
		{"pareto forced log leaves nothing", Pareto{Cost: Axis{Scale: ScaleLog}, Value: Axis{Scale: ScaleLog}, Points: []ParetoPoint{{Cost: 0, Value: 1}, {Cost: 1, Value: 0}}}, ErrLogScale},
		{"curves empty group", Curves{Groups: []Group{{Label: "a"}}}, ErrNoData},
		{"curves disjoint runs", Curves{Groups: []Group{{Runs: []Trace{{X: []float64{0}, Y: []float64{1}}, {X: []float64{1}, Y: []float64{1}}}}}}, ErrNoOverlap},
		{"sweep repeated X", Sweep{Lines: []SweepLine{{X: []float64{1, 1}, Y: [][]float64{{1}, {2}}}}}, ErrOrder},
		{"sweep length", Sweep{Lines: []SweepLine{{X: []float64{1}}}}, ErrLength},
		{"heatmap rows", Heatmap{XValues: []float64{1}, YValues: []float64{1}}, ErrLength},
		{"heatmap all NaN", Heatmap{XValues: []float64{1}, YValues: []float64{1}, Values: [][]float64{{math.NaN()}}}, ErrNoData},
		{"heatmap NaN parameter", Heatmap{XValues: []float64{math.NaN()}, YValues: []float64{1}, Values: [][]float64{{1}}}, ErrNotFinite},
		{"pareto empty", Pareto{}, ErrNoData},
		{"timesplit empty", TimeSplit{}, ErrNoData},
		{"timesplit negative", TimeSplit{Bars: []IterationTime{{Digital: -1}}}, ErrNegative},
		{"timesplit NaN", TimeSplit{Bars: []IterationTime{{Upload: math.NaN()}}}, ErrNotFinite},
		{"timesplit zero", TimeSplit{Bars: []IterationTime{{}}}, ErrNoData},
		{"solve quality empty", SolveQuality{Groups: []SolveRuns{{Label: "Adam"}}}, ErrNoData},
		{"waveforms empty", Waveforms{}, ErrNoData},
		{"waveforms length", Waveforms{Time: []float64{0, 1}, Signals: []Signal{{Values: []float64{1}}}}, ErrLength},
		{"waveforms time order", Waveforms{Time: []float64{1, 0}, Signals: []Signal{{Values: []float64{1, 2}}}}, ErrOrder},
		{"stationary empty", Stationary{Samples: []float64{math.NaN()}}, ErrNoData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tt.spec.Figure()
			assert.Nil(t, f)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestFigureMisusePanics(t *testing.T) {
	assert.Panics(t, func() { _, _ = Curves{Smooth: -1}.Figure() })
	assert.Panics(t, func() { _, _ = TimeSplit{Mode: 7}.Figure() })
	assert.Panics(t, func() { _, _ = Waveforms{MaxPoints: 1}.Figure() })
	assert.Panics(t, func() { _, _ = Stationary{Bins: -1}.Figure() })
	f, err := fixtureLines().Figure()
	require.NoError(t, err)
	assert.Panics(t, func() { _ = f.Encode(&bytes.Buffer{}, "pdf") })
	assert.Panics(t, func() { _ = f.Save(t.TempDir(), "a/b") })
	assert.Panics(t, func() { _ = f.Save(t.TempDir(), "") })
	assert.Panics(t, func() { _ = (&Figure{}).Encode(&bytes.Buffer{}, "png") })
}

// TestSaveDeterministic saves every golden figure twice and expects the
// same bytes, and no temporary file left behind.
func TestSaveDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("renders every figure twice in both formats")
	}
	dir1, dir2 := t.TempDir(), filepath.Join(t.TempDir(), "new", "plots")
	for _, g := range goldenSpecs {
		for _, dir := range []string{dir1, dir2} {
			f, err := g.spec.Figure()
			require.NoError(t, err)
			require.NoError(t, f.Save(dir, g.name))
		}
		for _, ext := range []string{".png", ".svg"} {
			a, err := os.ReadFile(filepath.Join(dir1, g.name+ext))
			require.NoError(t, err)
			b, err := os.ReadFile(filepath.Join(dir2, g.name+ext))
			require.NoError(t, err)
			assert.True(t, bytes.Equal(a, b), "%s%s differs between two saves", g.name, ext)
		}
	}
	entries, err := os.ReadDir(dir1)
	require.NoError(t, err)
	assert.Len(t, entries, 2*len(goldenSpecs), "only .png and .svg files")
}

func TestSVGFontFallback(t *testing.T) {
	f, err := fixtureLines().Figure()
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, f.Encode(&buf, "svg"))
	assert.Contains(t, buf.String(), "font-family:Liberation Sans,Arial,Helvetica,sans-serif;")
	assert.NotContains(t, buf.String(), "font-family:Liberation Sans;")
}

func TestWaveformDecimationKeepsExtremes(t *testing.T) {
	rng := newRand(t, 5)
	n := 10007
	tm := make([]float64, n)
	v := make([]float64, n)
	for i := range tm {
		tm[i] = float64(i)
		v[i] = rng.NormFloat64()
	}
	v[4321] = 10 // a spike
	v[777] = -10 // and a dip
	x, y := decimate(tm, v, 100)
	assert.LessOrEqual(t, len(x), 100)
	assert.Contains(t, y, 10.0)
	assert.Contains(t, y, -10.0)
	for i := 1; i < len(x); i++ {
		require.Greater(t, x[i], x[i-1], "time order kept")
	}
	short, _ := decimate(tm[:50], v[:50], 100)
	assert.Len(t, short, 50, "short records are not decimated")
}
