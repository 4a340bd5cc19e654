package plots

import (
	"fmt"
	"slices"

	"gonum.org/v1/plot"
)

// SweepLine is one line of a [Sweep] figure: at each swept value X[i], the
// final metric of every run (typically one per seed) in Y[i].
//
// X and Y have the same length; X values must be finite and distinct, in any
// order (they are sorted). Non-finite values in Y[i] (diverged runs) are left
// out of the mean and the error bar; a point with no finite value is not
// drawn.
type SweepLine struct {
	Label string
	X     []float64
	Y     [][]float64
	// Reference draws the line as a dark grey dashed line outside the colour
	// cycle, for example the exact-NGD value as a function of the parameter.
	Reference bool
}

// Sweep is a final-metric-against-parameter figure: one line per group (an
// optimizer, a hardware variant), the mean over runs at each swept value with
// error bars (min/max or ±1 std over runs, per Band).
//
// Swept values are usually geometric (κ₀ ∈ {1e-3, 1e-2, 1e-1}, t ∈ {5, 10,
// 20, 50}τ), so with [ScaleAuto] the X axis is logarithmic as soon as the
// values are positive and span at least one decade (largest ≥ 10 × smallest),
// rather than the two decades of other axes. The Y axis follows [ScaleAuto].
type Sweep struct {
	Title string
	// X is the swept parameter, Y the metric.
	X, Y  Axis
	Lines []SweepLine
	// Band selects the error bars; the zero value is BandMinMax.
	Band Band
}

// Figure draws the sweep. It returns an error wrapping [ErrLength] when a
// line's X and Y differ in length, [ErrNotFinite] for a non-finite X,
// [ErrOrder] for a repeated X, [ErrNoData] when nothing is finite, and the
// errors of [Scale].
func (s Sweep) Figure() (*Figure, error) {
	series := make([]Series, len(s.Lines))
	notes := make([]string, len(s.Lines))
	for i, l := range s.Lines {
		ser, n, err := l.series(s.Band)
		if err != nil {
			return nil, fmt.Errorf("plots: figure %q: line %q: %w", s.Title, l.Label, err)
		}
		series[i] = ser
		notes[i] = fmt.Sprintf("mean of up to %d runs per point, error bars %v", n, s.Band)
	}
	xa := s.X
	if xa.Scale == ScaleAuto {
		xa.Scale = ScaleLinear
		var xs [][]float64
		for _, ser := range series {
			xs = append(xs, ser.X)
		}
		if SpansDecades(0, xs...) && maxAbs(xs...) >= 10*minPositive(xs...) {
			xa.Scale = ScaleLog
		}
	}
	f := &Figure{}
	f.printf("figure: %q", s.Title)
	p := newPanel(s.Title, true)
	leg := newLegend()
	if err := addLines(f, p, leg, xa, s.Y, series, lineOpts{notes: notes, errorBars: true}); err != nil {
		return nil, fmt.Errorf("plots: figure %q: %w", s.Title, err)
	}
	f.panels = []*plot.Plot{p}
	if hasEntries(leg) {
		f.legend = leg
	}
	return f, nil
}

// series returns the line's means and bars sorted by X, and the largest
// number of runs at a point.
func (l SweepLine) series(band Band) (Series, int, error) {
	if len(l.X) != len(l.Y) {
		return Series{}, 0, fmt.Errorf("%w: len(X) = %d, len(Y) = %d", ErrLength, len(l.X), len(l.Y))
	}
	order := make([]int, len(l.X))
	for i, x := range l.X {
		if !finite(x) {
			return Series{}, 0, fmt.Errorf("%w: X[%d] = %v", ErrNotFinite, i, x)
		}
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case l.X[a] < l.X[b]:
			return -1
		case l.X[a] > l.X[b]:
			return 1
		}
		return 0
	})
	s := Series{Label: l.Label, Reference: l.Reference, Lo: []float64{}, Hi: []float64{}}
	most := 0
	for k, i := range order {
		if k > 0 && l.X[i] == l.X[order[k-1]] {
			return Series{}, 0, fmt.Errorf("%w: X = %v appears twice", ErrOrder, l.X[i])
		}
		var vs []float64
		for _, v := range l.Y[i] {
			if finite(v) {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			continue
		}
		most = max(most, len(vs))
		m, lo, hi := meanBand(vs, band)
		s.X = append(s.X, l.X[i])
		s.Y = append(s.Y, m)
		s.Lo = append(s.Lo, lo)
		s.Hi = append(s.Hi, hi)
	}
	return s, most, nil
}
