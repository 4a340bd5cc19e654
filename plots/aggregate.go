package plots

import (
	"fmt"
	"math"
	"slices"
)

// Trace is one run's samples of a metric: Y[i] is the value measured at X[i],
// for example the test loss of one seed at each evaluation.
//
// X must be finite and strictly increasing. A non-finite Y (NaN for "not
// evaluated at this row", ±Inf for a diverged value) marks a missing sample:
// the point is dropped before smoothing or aggregation. A Trace is read, never
// modified or retained, by the functions of this package.
type Trace struct {
	X, Y []float64
}

// clean returns the finite samples of t in new slices. It returns an error
// wrapping [ErrLength] when X and Y differ in length, [ErrNotFinite] for a
// non-finite X and [ErrOrder] when X is not strictly increasing.
func (t Trace) clean() (Trace, error) {
	if len(t.X) != len(t.Y) {
		return Trace{}, fmt.Errorf("%w: len(X) = %d, len(Y) = %d", ErrLength, len(t.X), len(t.Y))
	}
	out := Trace{X: make([]float64, 0, len(t.X)), Y: make([]float64, 0, len(t.Y))}
	for i, x := range t.X {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Trace{}, fmt.Errorf("%w: X[%d] = %v", ErrNotFinite, i, x)
		}
		if i > 0 && !(x > t.X[i-1]) {
			return Trace{}, fmt.Errorf("%w: X[%d] = %v after X[%d] = %v", ErrOrder, i, x, i-1, t.X[i-1])
		}
		if y := t.Y[i]; !math.IsNaN(y) && !math.IsInf(y, 0) {
			out.X = append(out.X, x)
			out.Y = append(out.Y, y)
		}
	}
	return out, nil
}

// Band selects the spread drawn around the mean of several runs.
type Band int

const (
	// BandMinMax shades the range from the smallest to the largest run at
	// each X. It is the zero value: with the paper's five seeds it shows every
	// run, and it stays positive on a logarithmic axis.
	BandMinMax Band = iota
	// BandStd shades the mean ± one sample standard deviation (n − 1 in the
	// denominator). On a logarithmic axis a non-positive lower edge is
	// clipped to the smallest positive value drawn.
	BandStd
	// BandNone draws the mean alone.
	BandNone
)

// String returns "min/max", "±1 std" or "none".
func (b Band) String() string {
	switch b {
	case BandMinMax:
		return "min/max"
	case BandStd:
		return "±1 std"
	case BandNone:
		return "none"
	}
	return fmt.Sprintf("Band(%d)", int(b))
}

// MovingAverage returns the centred moving average of y over window
// points: out[i] is the mean of y[i−h..i+h] with h = ⌊window/2⌋ (so an even
// window counts one point more), the half-width shrinking to min(h, i,
// len(y)−1−i) near the ends so that every window stays centred on its
// point. A centred window does not shift the curve, so curves smoothed with
// it can be compared along iteration or simulated time; a trailing window
// would delay each by about window/2 points. Near the ends fewer points are
// averaged, and the first and last values are the raw ones. The paper
// smooths its curves with window = 200.
//
// out has the length of y. A window of 0, 1 or 2 returns a copy of y.
// MovingAverage panics if window is negative. Non-finite values propagate;
// [Curves] removes them first.
func MovingAverage(y []float64, window int) []float64 {
	if window < 0 {
		panic(fmt.Sprintf("plots: negative moving-average window %d", window))
	}
	n := len(y)
	out := make([]float64, n)
	h := window / 2
	if h == 0 {
		copy(out, y)
		return out
	}
	// Compensated prefix sums: prefix[k] = y[0] + … + y[k−1]. A window sum
	// is a difference of two of them, with an error of a few ulps of the
	// largest prefix, far below the noise of any metric.
	prefix := make([]float64, n+1)
	var sum, comp float64
	for i, v := range y {
		t := sum + v
		if math.Abs(sum) >= math.Abs(v) {
			comp += (sum - t) + v
		} else {
			comp += (v - t) + sum
		}
		sum = t
		prefix[i+1] = sum + comp
	}
	for i := range y {
		k := min(h, i, n-1-i)
		out[i] = (prefix[i+k+1] - prefix[i-k]) / float64(2*k+1)
	}
	return out
}

// Aggregate combines runs sampled on the same axis (typically one per seed)
// into one [Series]: Y is the mean over runs at each X, and Lo, Hi the band
// selected by band (nil for [BandNone] or a single run). Non-finite Y samples
// are dropped first (see [Trace]).
//
// Alignment rule: when every run has the same X after cleaning, those X are
// used as they are (the usual case when seeds share the evaluation cadence).
// Otherwise the common grid is the union of all runs' X restricted to the
// overlap [max of first X, min of last X], and each run is linearly
// interpolated onto it; nothing is extrapolated, so every point of the result
// averages the same runs. This is the case for curves against simulated time,
// whose sample times differ between seeds.
//
// Aggregate returns an error wrapping [ErrNoData] when traces is empty or a
// run has no finite sample, [ErrNoOverlap] when the runs' X ranges do not
// overlap, and the errors of [Trace] for malformed runs. The result's Label is
// empty and its slices are new.
func Aggregate(traces []Trace, band Band) (Series, error) {
	if len(traces) == 0 {
		return Series{}, fmt.Errorf("%w: no runs", ErrNoData)
	}
	runs := make([]Trace, len(traces))
	for i, t := range traces {
		c, err := t.clean()
		if err != nil {
			return Series{}, fmt.Errorf("run %d: %w", i, err)
		}
		if len(c.X) == 0 {
			return Series{}, fmt.Errorf("run %d: %w: no finite sample", i, ErrNoData)
		}
		runs[i] = c
	}
	return aggregateClean(runs, band)
}

// aggregateClean is Aggregate on cleaned, non-empty runs.
func aggregateClean(runs []Trace, band Band) (Series, error) {
	grid, ys, err := align(runs)
	if err != nil {
		return Series{}, err
	}
	s := Series{X: grid, Y: make([]float64, len(grid))}
	n := float64(len(runs))
	for j := range grid {
		var sum float64
		for _, y := range ys {
			sum += y[j]
		}
		s.Y[j] = sum / n
	}
	if band == BandNone || len(runs) < 2 {
		return s, nil
	}
	s.Lo = make([]float64, len(grid))
	s.Hi = make([]float64, len(grid))
	for j := range grid {
		switch band {
		case BandMinMax:
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, y := range ys {
				lo = math.Min(lo, y[j])
				hi = math.Max(hi, y[j])
			}
			s.Lo[j], s.Hi[j] = lo, hi
		case BandStd:
			var ss float64
			for _, y := range ys {
				d := y[j] - s.Y[j]
				ss += d * d
			}
			sd := math.Sqrt(ss / (n - 1))
			s.Lo[j], s.Hi[j] = s.Y[j]-sd, s.Y[j]+sd
		default:
			panic(fmt.Sprintf("plots: unknown band %d", int(band)))
		}
	}
	return s, nil
}

// align puts cleaned, non-empty runs on a common grid as documented in
// Aggregate, returning the grid and each run's values on it.
func align(runs []Trace) (grid []float64, ys [][]float64, err error) {
	same := true
	for _, r := range runs[1:] {
		if !slices.Equal(r.X, runs[0].X) {
			same = false
			break
		}
	}
	if same {
		grid = slices.Clone(runs[0].X)
		ys = make([][]float64, len(runs))
		for i, r := range runs {
			ys[i] = r.Y
		}
		return grid, ys, nil
	}
	lo, hi := math.Inf(-1), math.Inf(1)
	for _, r := range runs {
		lo = math.Max(lo, r.X[0])
		hi = math.Min(hi, r.X[len(r.X)-1])
	}
	if lo > hi {
		return nil, nil, fmt.Errorf("%w: runs share no X range", ErrNoOverlap)
	}
	for _, r := range runs {
		for _, x := range r.X {
			if x >= lo && x <= hi {
				grid = append(grid, x)
			}
		}
	}
	slices.Sort(grid)
	grid = slices.Compact(grid)
	ys = make([][]float64, len(runs))
	for i, r := range runs {
		ys[i] = interpolate(r, grid)
	}
	return grid, ys, nil
}

// interpolate evaluates the piecewise-linear interpolant of r at each x of
// grid, which is sorted and lies within r's X range.
func interpolate(r Trace, grid []float64) []float64 {
	out := make([]float64, len(grid))
	k := 0
	for j, x := range grid {
		for k+1 < len(r.X) && r.X[k+1] <= x {
			k++
		}
		if k+1 == len(r.X) || r.X[k] == x {
			out[j] = r.Y[k]
			continue
		}
		f := (x - r.X[k]) / (r.X[k+1] - r.X[k])
		out[j] = r.Y[k] + f*(r.Y[k+1]-r.Y[k])
	}
	return out
}

// meanBand returns the mean of vs and its band as Aggregate defines them
// (lo = hi = mean for BandNone or a single value). vs must not be empty.
func meanBand(vs []float64, band Band) (mean, lo, hi float64) {
	for _, v := range vs {
		mean += v
	}
	n := float64(len(vs))
	mean /= n
	lo, hi = mean, mean
	if len(vs) < 2 {
		return mean, lo, hi
	}
	switch band {
	case BandMinMax:
		lo, hi = slices.Min(vs), slices.Max(vs)
	case BandStd:
		var ss float64
		for _, v := range vs {
			ss += (v - mean) * (v - mean)
		}
		sd := math.Sqrt(ss / (n - 1))
		lo, hi = mean-sd, mean+sd
	case BandNone:
	default:
		panic(fmt.Sprintf("plots: unknown band %d", int(band)))
	}
	return mean, lo, hi
}
