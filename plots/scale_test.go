package plots

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpansDecades(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name    string
		decades float64
		vs      [][]float64
		want    bool
	}{
		{"empty", 2, nil, false},
		{"only non-finite", 2, [][]float64{{nan, inf}}, false},
		{"loss 2.3 to 0.05 stays linear", 2, [][]float64{{2.3, 0.05}}, false},
		{"loss 2.3 to 1e-3 is log", 2, [][]float64{{2.3, 1e-3}}, true},
		{"exactly two decades is not more than two", 2, [][]float64{{1, 100}}, false},
		{"a zero forbids log", 2, [][]float64{{0, 1e-3, 10}}, false},
		{"a negative forbids log", 2, [][]float64{{-1, 1e-3, 10}}, false},
		{"across slices", 2, [][]float64{{1e-3}, {10}}, true},
		{"non-finite ignored", 2, [][]float64{{1e-3, nan, 10, inf}}, true},
		{"one decade", 1, [][]float64{{1, 10.5}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, SpansDecades(tt.decades, tt.vs...))
		})
	}
}

func TestScaleIsLog(t *testing.T) {
	tests := []struct {
		name    string
		scale   Scale
		vs      []float64
		want    bool
		wantErr error
	}{
		{"auto decades", ScaleAuto, []float64{1e-4, 1}, true, nil},
		{"auto narrow", ScaleAuto, []float64{0.5, 1}, false, nil},
		{"linear forced", ScaleLinear, []float64{1e-4, 1}, false, nil},
		{"log forced narrow", ScaleLog, []float64{0.5, 1}, true, nil},
		{"log forced with zero: the zero is dropped later", ScaleLog, []float64{0, 1}, true, nil},
		{"log forced without positive value", ScaleLog, []float64{0, -1}, false, ErrLogScale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.scale.isLog(tt.vs)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAxisDisplay(t *testing.T) {
	tests := []struct {
		name       string
		axis       Axis
		maxAbs     float64
		log        bool
		wantFactor float64
		wantLabel  string
	}{
		{"no unit", Axis{Label: "test loss"}, 2.3, false, 1, "test loss"},
		{"µs", Axis{Label: "time", Unit: "s"}, 20e-6, false, 1e-6, "time (µs)"},
		{"ms at the boundary", Axis{Label: "time", Unit: "s"}, 1e-3, false, 1e-3, "time (ms)"},
		{"just below a boundary", Axis{Label: "time", Unit: "s"}, 0.999e-3, false, 1e-6, "time (µs)"},
		{"seconds", Axis{Label: "simulated time", Unit: "s"}, 12, false, 1, "simulated time (s)"},
		{"µV thermal noise", Axis{Label: "node voltage", Unit: "V"}, 8e-6, false, 1e-6, "node voltage (µV)"},
		{"log axis keeps the base unit", Axis{Label: "time", Unit: "s"}, 20e-6, true, 1, "time (s)"},
		{"unknown unit as given", Axis{Label: "loss", Unit: "nats"}, 1e-6, false, 1, "loss (nats)"},
		{"zero data", Axis{Label: "v", Unit: "V"}, 0, false, 1, "v (V)"},
		{"clamped to femto", Axis{Label: "q", Unit: "A"}, 1e-20, false, 1e-15, "q (fA)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, l := tt.axis.display(tt.maxAbs, tt.log)
			assert.InEpsilon(t, tt.wantFactor, f, 1e-15)
			assert.Equal(t, tt.wantLabel, l)
		})
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"}, {0.001, "0.001"}, {1e-5, "1e-5"}, {250, "250"}, {2.5e6, "2.5e6"},
		{1e4, "1e4"}, {0.1 + 0.2, "0.3"}, {-3e-7, "-3e-7"}, {12345678, "1.235e7"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, formatNumber(tt.v), "%v", tt.v)
	}
}

func TestLinearTicks(t *testing.T) {
	rng := newRand(t, 3)
	for trial := range 500 {
		lo := (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(12)-6))
		span := math.Pow(10, 6*rng.Float64()-3) * math.Pow(10, float64(rng.IntN(6)-3))
		hi := lo + span
		ticks := linearTicks{}.Ticks(lo, hi)
		var labelled []float64
		for _, tk := range ticks {
			// Every tick lies in the range, up to rounding of the multiples.
			require.GreaterOrEqual(t, tk.Value, lo-span*1e-9, "trial %d", trial)
			require.LessOrEqual(t, tk.Value, hi+span*1e-9, "trial %d", trial)
			if tk.Label != "" {
				labelled = append(labelled, tk.Value)
			}
		}
		// Four to ten steps fit the span (see niceStep), so 3 to 11
		// labelled multiples fall inside it.
		require.GreaterOrEqual(t, len(labelled), 3, "trial %d: [%g, %g]", trial, lo, hi)
		require.LessOrEqual(t, len(labelled), 11, "trial %d: [%g, %g]", trial, lo, hi)
	}
	t.Run("round labels", func(t *testing.T) {
		var got []string
		for _, tk := range (linearTicks{}).Ticks(0.74, 1.0) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		assert.Equal(t, []string{"0.75", "0.80", "0.85", "0.90", "0.95", "1.00"}, got)
	})
	t.Run("degenerate range", func(t *testing.T) {
		assert.Len(t, linearTicks{}.Ticks(2, 2), 1)
	})
}

func TestLogTicks(t *testing.T) {
	labels := func(lo, hi float64) []string {
		var out []string
		for _, tk := range (logTicks{}).Ticks(lo, hi) {
			if tk.Label != "" && tk.Value >= lo && tk.Value <= hi {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	assert.Equal(t, []string{"1e-5", "0.0001", "0.001", "0.01", "0.1", "1"}, labels(3e-6, 2))
	// Fewer than three powers of ten inside: 2 and 5 are labelled too.
	assert.Equal(t, []string{"0.05", "0.1", "0.2", "0.5", "1", "2"}, labels(0.04, 2.3))
	assert.Panics(t, func() { logTicks{}.Ticks(0, 1) })
}
