package plots

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowMovingAverage is the definition of MovingAverage, summed afresh at
// every point.
func slowMovingAverage(y []float64, window int) []float64 {
	out := make([]float64, len(y))
	for i := range y {
		k := min(window/2, i, len(y)-1-i)
		var s float64
		for _, v := range y[i-k : i+k+1] {
			s += v
		}
		out[i] = s / float64(2*k+1)
	}
	return out
}

func TestMovingAverage(t *testing.T) {
	tests := []struct {
		name   string
		y      []float64
		window int
		want   []float64
	}{
		{"empty", nil, 3, []float64{}},
		{"window 0 copies", []float64{1, 2, 3}, 0, []float64{1, 2, 3}},
		{"window 1 copies", []float64{1, 2, 3}, 1, []float64{1, 2, 3}},
		{"centred, ends raw", []float64{1, 4, 1, 4, 1}, 3, []float64{1, 2, 3, 2, 1}},
		{"even window counts one more", []float64{1, 4, 1, 4, 1}, 2, []float64{1, 2, 3, 2, 1}},
		{"half-width shrinks near the ends", []float64{0, 5, 0, 5, 0, 5, 0}, 5, []float64{0, 5.0 / 3, 2, 3, 2, 5.0 / 3, 0}},
		{"window longer than data", []float64{2, 4, 6}, 10, []float64{2, 4, 6}},
		{"linear data unchanged", []float64{1, 2, 3, 4, 5, 6}, 4, []float64{1, 2, 3, 4, 5, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MovingAverage(tt.y, tt.window)
			// Sums of a few small integers; only the divisions by 3 round.
			assert.InDeltaSlice(t, tt.want, got, 1e-15)
		})
	}
	t.Run("does not alias its input", func(t *testing.T) {
		y := []float64{1, 2, 3}
		out := MovingAverage(y, 1)
		out[0] = 99
		assert.Equal(t, 1.0, y[0])
	})
	t.Run("negative window panics", func(t *testing.T) {
		assert.PanicsWithValue(t, "plots: negative moving-average window -1", func() { MovingAverage([]float64{1}, -1) })
	})
}

func TestMovingAverageAgainstSlow(t *testing.T) {
	rng := newRand(t, 1)
	for trial := range 50 {
		n := 1 + rng.IntN(3000)
		window := rng.IntN(400)
		y := make([]float64, n)
		for i := range y {
			// Loss-like data: a decaying trend with noise and an offset that
			// makes cancellation in a plain running sum visible.
			y[i] = 1e3 + 2.3*math.Exp(-float64(i)/500) + 0.1*rng.NormFloat64()
		}
		got := MovingAverage(y, window)
		want := slowMovingAverage(y, window)
		for i := range got {
			// Both sums carry a few ulps of 1e3 per term at most; 1e-9
			// relative leaves a wide margin over the ~1e-13 seen.
			require.InEpsilon(t, want[i], got[i], 1e-9, "trial %d: n=%d window=%d i=%d", trial, n, window, i)
		}
	}
}

func TestAggregateSameX(t *testing.T) {
	x := []float64{0, 1, 2}
	runs := []Trace{
		{X: x, Y: []float64{1, 2, 3}},
		{X: x, Y: []float64{3, 4, 5}},
		{X: x, Y: []float64{2, 6, 4}},
	}
	tests := []struct {
		band   Band
		lo, hi []float64
	}{
		{BandMinMax, []float64{1, 2, 3}, []float64{3, 6, 5}},
		// Sample std of {1,3,2} = 1, of {2,4,6} = 2, of {3,5,4} = 1.
		{BandStd, []float64{1, 2, 3}, []float64{3, 6, 5}},
		{BandNone, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.band.String(), func(t *testing.T) {
			s, err := Aggregate(runs, tt.band)
			require.NoError(t, err)
			assert.Equal(t, x, s.X)
			assert.InDeltaSlice(t, []float64{2, 4, 4}, s.Y, 1e-15)
			if tt.lo == nil {
				assert.Nil(t, s.Lo)
				assert.Nil(t, s.Hi)
				return
			}
			assert.InDeltaSlice(t, tt.lo, s.Lo, 1e-15)
			assert.InDeltaSlice(t, tt.hi, s.Hi, 1e-15)
		})
	}
}

func TestAggregateSingleRunHasNoBand(t *testing.T) {
	s, err := Aggregate([]Trace{{X: []float64{0, 1}, Y: []float64{5, 6}}}, BandStd)
	require.NoError(t, err)
	assert.Equal(t, []float64{5, 6}, s.Y)
	assert.Nil(t, s.Lo)
}

// Linear interpolation is exact for linear data, so the mean of runs
// y = aᵢx + bᵢ sampled at different X is mean(a)·x + mean(b) on the grid.
func TestAggregateInterpolatesOnUnionOfOverlap(t *testing.T) {
	rng := newRand(t, 2)
	a := []float64{1, -2, 0.5}
	b := []float64{0, 3, 1}
	var runs []Trace
	for i := range a {
		var tr Trace
		x := -rng.Float64()
		for x < 10+rng.Float64() {
			tr.X = append(tr.X, x)
			tr.Y = append(tr.Y, a[i]*x+b[i])
			x += 0.05 + rng.Float64()
		}
		runs = append(runs, tr)
	}
	s, err := Aggregate(runs, BandMinMax)
	require.NoError(t, err)
	lo, hi := math.Inf(-1), math.Inf(1)
	n := 0
	for _, r := range runs {
		lo, hi = math.Max(lo, r.X[0]), math.Min(hi, r.X[len(r.X)-1])
		n += len(r.X)
	}
	require.NotEmpty(t, s.X)
	assert.Equal(t, lo, s.X[0], "grid starts at the latest first X")
	assert.Equal(t, hi, s.X[len(s.X)-1], "grid ends at the earliest last X")
	assert.Less(t, len(s.X), n, "points outside the overlap are left out")
	for j, x := range s.X {
		if j > 0 {
			require.Greater(t, x, s.X[j-1])
		}
		// Mean of a is -1/6, mean of b is 4/3; rounding of a few products.
		assert.InDelta(t, -x/6+4.0/3, s.Y[j], 1e-12)
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range a {
			v := a[i]*x + b[i]
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		assert.InDelta(t, lo, s.Lo[j], 1e-12)
		assert.InDelta(t, hi, s.Hi[j], 1e-12)
	}
}

func TestAggregateDropsNonFiniteY(t *testing.T) {
	runs := []Trace{
		{X: []float64{0, 1, 2}, Y: []float64{1, math.NaN(), 3}},
		{X: []float64{0, 2}, Y: []float64{3, 5}},
	}
	s, err := Aggregate(runs, BandNone)
	require.NoError(t, err)
	// After dropping the NaN both runs share X = {0, 2}: no interpolation.
	assert.Equal(t, []float64{0, 2}, s.X)
	assert.Equal(t, []float64{2, 4}, s.Y)
}

func TestAggregateErrors(t *testing.T) {
	tests := []struct {
		name string
		runs []Trace
		want error
	}{
		{"no runs", nil, ErrNoData},
		{"length", []Trace{{X: []float64{0, 1}, Y: []float64{1}}}, ErrLength},
		{"NaN X", []Trace{{X: []float64{0, math.NaN()}, Y: []float64{1, 2}}}, ErrNotFinite},
		{"unordered X", []Trace{{X: []float64{1, 0}, Y: []float64{1, 2}}}, ErrOrder},
		{"repeated X", []Trace{{X: []float64{1, 1}, Y: []float64{1, 2}}}, ErrOrder},
		{"all NaN", []Trace{{X: []float64{0}, Y: []float64{math.NaN()}}}, ErrNoData},
		{"disjoint", []Trace{{X: []float64{0, 1}, Y: []float64{1, 2}}, {X: []float64{2, 3}, Y: []float64{1, 2}}}, ErrNoOverlap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Aggregate(tt.runs, BandMinMax)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestBandAndScaleStrings(t *testing.T) {
	assert.Equal(t, "min/max", BandMinMax.String())
	assert.Equal(t, "±1 std", BandStd.String())
	assert.Equal(t, "none", BandNone.String())
	assert.Equal(t, "Band(9)", Band(9).String())
	assert.Equal(t, "auto", ScaleAuto.String())
	assert.Equal(t, "linear", ScaleLinear.String())
	assert.Equal(t, "log", ScaleLog.String())
	assert.Equal(t, "Scale(9)", Scale(9).String())
}
