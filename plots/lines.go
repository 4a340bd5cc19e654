package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one labelled line, ready to draw: Y[i] at X[i], with an optional
// shaded band from Lo[i] to Hi[i]. [Aggregate] makes one from several runs.
//
// X, Y and, when present, Lo and Hi have the same length; Lo and Hi are both
// nil or both set. A point with a non-finite Y is not drawn (a NaN X is an
// error); a band point with a non-finite edge is left out of the band.
type Series struct {
	Label  string
	X, Y   []float64
	Lo, Hi []float64
	// Reference draws the series as a dark grey dashed line outside the
	// colour cycle: exact NGD beside TNGD, a theoretical curve.
	Reference bool
}

// Lines is a line figure of ready-made series, one line per series, in the
// order given: colours follow that order, so pass groups in the same order
// in every figure to keep one colour per optimizer. Series with an empty
// Label have no legend entry. Points are marked when a series has at most
// [MarkerLimit] points.
type Lines struct {
	Title  string
	X, Y   Axis
	Series []Series
}

// MarkerLimit is the number of points up to which a line's points are also
// drawn as markers (sweeps, short runs), so that sparse data is not mistaken
// for a continuous curve.
const MarkerLimit = 25

// Figure draws the lines. It returns an error wrapping [ErrNoData] when
// there is no series or no finite point, and the errors listed on [Series]
// and [Scale].
func (l Lines) Figure() (*Figure, error) {
	f := &Figure{}
	f.printf("figure: %q", l.Title)
	p := newPanel(l.Title, true)
	leg := newLegend()
	if err := addLines(f, p, leg, l.X, l.Y, l.Series, lineOpts{}); err != nil {
		return nil, fmt.Errorf("plots: figure %q: %w", l.Title, err)
	}
	f.panels = []*plot.Plot{p}
	if hasEntries(leg) {
		f.legend = leg
	}
	return f, nil
}

// hasEntries reports whether l has at least one entry.
func hasEntries(l *plot.Legend) bool {
	r := l.Rectangle(draw.Canvas{})
	return r.Max.Y > r.Min.Y
}

// Group is the runs of one line of a [Curves] figure, typically one run per
// seed of one optimizer.
type Group struct {
	Label string
	Runs  []Trace
	// Reference draws the group as a dark grey dashed line outside the
	// colour cycle (see Series.Reference).
	Reference bool
}

// Curves is a line figure of metrics against iteration or simulated time:
// one line per group, the mean of its runs with a band (see [Aggregate] for
// the mean, the band and how runs with different X are aligned).
//
// When Smooth > 1, each run is first replaced by its centred moving average
// over Smooth points ([MovingAverage]; the paper uses 200), then the runs are
// aggregated, so the band shows the spread of the smoothed runs.
type Curves struct {
	Title  string
	X, Y   Axis
	Groups []Group
	// Smooth is the moving-average window in points; 0 or 1 means none.
	// A negative value panics.
	Smooth int
	// Band is the spread drawn around each mean; the zero value is
	// BandMinMax.
	Band Band
}

// Figure aggregates the runs and draws the lines. It returns an error naming
// the group when a group has no run or a run is malformed (see [Aggregate]),
// and the errors of [Lines].
func (c Curves) Figure() (*Figure, error) {
	series, notes, err := aggregateGroups(c.Groups, c.Smooth, c.Band)
	if err != nil {
		return nil, fmt.Errorf("plots: figure %q: %w", c.Title, err)
	}
	f := &Figure{}
	f.printf("figure: %q", c.Title)
	p := newPanel(c.Title, true)
	leg := newLegend()
	if err := addLines(f, p, leg, c.X, c.Y, series, lineOpts{notes: notes}); err != nil {
		return nil, fmt.Errorf("plots: figure %q: %w", c.Title, err)
	}
	f.panels = []*plot.Plot{p}
	if hasEntries(leg) {
		f.legend = leg
	}
	return f, nil
}

// aggregateGroups smooths and aggregates each group into a series, with a
// note for the text record.
func aggregateGroups(groups []Group, smooth int, band Band) ([]Series, []string, error) {
	if smooth < 0 {
		panic(fmt.Sprintf("plots: negative moving-average window %d", smooth))
	}
	series := make([]Series, len(groups))
	notes := make([]string, len(groups))
	for i, g := range groups {
		if len(g.Runs) == 0 {
			return nil, nil, fmt.Errorf("group %q: %w: no runs", g.Label, ErrNoData)
		}
		runs := make([]Trace, len(g.Runs))
		for j, r := range g.Runs {
			c, err := r.clean()
			if err != nil {
				return nil, nil, fmt.Errorf("group %q: run %d: %w", g.Label, j, err)
			}
			if len(c.X) == 0 {
				return nil, nil, fmt.Errorf("group %q: run %d: %w: no finite sample", g.Label, j, ErrNoData)
			}
			if smooth > 1 {
				c.Y = MovingAverage(c.Y, smooth)
			}
			runs[j] = c
		}
		s, err := aggregateClean(runs, band)
		if err != nil {
			return nil, nil, fmt.Errorf("group %q: %w", g.Label, err)
		}
		s.Label = g.Label
		s.Reference = g.Reference
		series[i] = s
		notes[i] = fmt.Sprintf("mean of %d runs, band %v", len(runs), band)
		if len(runs) < 2 {
			notes[i] = "1 run"
		}
		if smooth > 1 {
			notes[i] += fmt.Sprintf(", moving average over %d points", smooth)
		}
	}
	return series, notes, nil
}

// lineOpts are the options of addLines.
type lineOpts struct {
	// notes, when not nil, holds one note per series for the text record.
	notes []string
	// errorBars draws Lo and Hi as error bars instead of a shaded band.
	errorBars bool
	// colours, when not nil, gives each series' index in the colour cycle
	// instead of its position among the non-reference series.
	colours []int
}

// addLines validates series, resolves the axes and draws the series on p,
// adding legend entries to leg (when not nil) and recording everything in
// f's description.
func addLines(f *Figure, p *plot.Plot, leg *plot.Legend, xa, ya Axis, series []Series, o lineOpts) error {
	notes := o.notes
	if len(series) == 0 {
		return fmt.Errorf("%w: no series", ErrNoData)
	}
	clean := make([]Series, len(series))
	var xs, ys, bands [][]float64
	for i, s := range series {
		c, err := s.clean()
		if err != nil {
			return fmt.Errorf("series %q: %w", s.Label, err)
		}
		clean[i] = c
		xs = append(xs, c.X)
		ys = append(ys, c.Y)
		bands = append(bands, c.Lo, c.Hi)
	}
	if maxLen(xs) == 0 {
		return fmt.Errorf("%w: no finite point", ErrNoData)
	}
	logX, err := xa.Scale.isLog(xs...)
	if err != nil {
		return fmt.Errorf("x axis: %w", err)
	}
	logY, err := ya.Scale.isLog(ys...)
	if err != nil {
		return fmt.Errorf("y axis: %w", err)
	}
	// A log axis has no zero: drop the points it cannot show.
	dropped := 0
	if logX || logY {
		xs, ys, bands = xs[:0], ys[:0], bands[:0]
		for i := range clean {
			var n int
			clean[i], n = clean[i].positive(logX, logY)
			dropped += n
			xs = append(xs, clean[i].X)
			ys = append(ys, clean[i].Y)
			bands = append(bands, clean[i].Lo, clean[i].Hi)
		}
		if maxLen(xs) == 0 {
			return fmt.Errorf("%w: no point with positive coordinates", ErrLogScale)
		}
	}
	if logY {
		floor := minPositive(append(ys, bands...)...)
		for i := range clean {
			clipBand(clean[i].Lo, floor)
		}
	}
	fx, xl := xa.display(maxAbs(xs...), logX)
	fy, yl := ya.display(maxAbs(append(ys, bands...)...), logY)
	p.X.Label.Text, p.Y.Label.Text = xl, yl
	setScale(&p.X, logX)
	setScale(&p.Y, logY)
	f.printf("x: %s", axisLine("x", xl, logX)[3:])
	f.printf("y: %s", axisLine("y", yl, logY)[3:])
	if dropped > 0 {
		f.printf("not drawn: %s with a coordinate ≤ 0 on a log axis", plural(dropped, "point"))
	}

	colour := 0
	styles := make([]draw.LineStyle, len(clean))
	for i, s := range clean {
		if s.Reference {
			styles[i] = referenceStyle()
		} else if o.colours != nil {
			styles[i] = lineStyle(o.colours[i])
		} else {
			styles[i] = lineStyle(colour)
			colour++
		}
	}
	// Bands first, so that every line is drawn over every band.
	polys := make([]*plotter.Polygon, len(clean))
	for i, s := range clean {
		if s.Lo == nil {
			continue
		}
		var pts plotter.XYs
		for j := range s.X {
			if finite(s.Lo[j]) && finite(s.Hi[j]) {
				pts = append(pts, plotter.XY{X: s.X[j] / fx, Y: s.Hi[j] / fy})
			}
		}
		for j := len(s.X) - 1; j >= 0; j-- {
			if finite(s.Lo[j]) && finite(s.Hi[j]) {
				pts = append(pts, plotter.XY{X: s.X[j] / fx, Y: s.Lo[j] / fy})
			}
		}
		if o.errorBars {
			if err := addErrorBars(p, s, fx, fy, styles[i]); err != nil {
				return fmt.Errorf("series %q: %w", s.Label, err)
			}
			continue
		}
		if len(pts) < 4 {
			continue
		}
		poly, err := plotter.NewPolygon(pts)
		if err != nil {
			return fmt.Errorf("series %q: band: %w", s.Label, err)
		}
		poly.Color = translucent(styles[i].Color, 0.2)
		poly.LineStyle.Width = 0
		p.Add(poly)
		polys[i] = poly
	}
	for i, s := range clean {
		pts := make(plotter.XYs, len(s.X))
		for j := range s.X {
			pts[j] = plotter.XY{X: s.X[j] / fx, Y: s.Y[j] / fy}
		}
		var thumbs []plot.Thumbnailer
		if polys[i] != nil {
			thumbs = append(thumbs, polys[i])
		}
		if len(pts) > 1 {
			line, err := plotter.NewLine(pts)
			if err != nil {
				return fmt.Errorf("series %q: %w", s.Label, err)
			}
			line.LineStyle = styles[i]
			p.Add(line)
			thumbs = append(thumbs, line)
		}
		if len(pts) > 0 && len(pts) <= MarkerLimit {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return fmt.Errorf("series %q: %w", s.Label, err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: styles[i].Color, Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		if leg != nil && s.Label != "" && len(thumbs) > 0 {
			leg.Add(s.Label, thumbs...)
		}
		note := ""
		if notes != nil {
			note = " (" + notes[i] + ")"
		} else if s.Lo != nil {
			note = " (with band)"
		}
		if s.Reference {
			note += " [reference]"
		}
		f.printf("series %q%s: %s", s.Label, note, plural(len(s.X), "point"))
		f.table([]string{"x", "y", "lo", "hi"}, scaled(s.X, fx), scaled(s.Y, fy), scaled(s.Lo, fy), scaled(s.Hi, fy))
	}
	return nil
}

// addErrorBars draws s.Lo..s.Hi as vertical error bars in style ls, the
// coordinates divided by fx and fy.
func addErrorBars(p *plot.Plot, s Series, fx, fy float64, ls draw.LineStyle) error {
	var eb struct {
		plotter.XYs
		plotter.YErrors
	}
	for j := range s.X {
		if !finite(s.Lo[j]) || !finite(s.Hi[j]) || s.Hi[j] == s.Lo[j] {
			continue
		}
		eb.XYs = append(eb.XYs, plotter.XY{X: s.X[j] / fx, Y: s.Y[j] / fy})
		eb.YErrors = append(eb.YErrors, struct{ Low, High float64 }{(s.Y[j] - s.Lo[j]) / fy, (s.Hi[j] - s.Y[j]) / fy})
	}
	if len(eb.XYs) == 0 {
		return nil
	}
	bars, err := plotter.NewYErrorBars(eb)
	if err != nil {
		return err
	}
	ls.Dashes = nil
	ls.Width = vg.Points(1)
	bars.LineStyle = ls
	bars.CapWidth = vg.Points(6)
	p.Add(bars)
	return nil
}

// clean returns s without the points whose Y is not finite, in new slices.
func (s Series) clean() (Series, error) {
	n := len(s.X)
	if len(s.Y) != n {
		return Series{}, fmt.Errorf("%w: len(X) = %d, len(Y) = %d", ErrLength, n, len(s.Y))
	}
	if (s.Lo == nil) != (s.Hi == nil) || (s.Lo != nil && (len(s.Lo) != n || len(s.Hi) != n)) {
		return Series{}, fmt.Errorf("%w: band Lo (%d) and Hi (%d) must both be nil or have len(X) = %d", ErrLength, len(s.Lo), len(s.Hi), n)
	}
	out := Series{Label: s.Label, Reference: s.Reference}
	if s.Lo != nil {
		out.Lo, out.Hi = []float64{}, []float64{}
	}
	for i, x := range s.X {
		if !finite(x) {
			return Series{}, fmt.Errorf("%w: X[%d] = %v", ErrNotFinite, i, x)
		}
		if !finite(s.Y[i]) {
			continue
		}
		out.X = append(out.X, x)
		out.Y = append(out.Y, s.Y[i])
		if s.Lo != nil {
			out.Lo = append(out.Lo, s.Lo[i])
			out.Hi = append(out.Hi, s.Hi[i])
		}
	}
	return out, nil
}

// positive returns s without the points whose X (when logX) or Y (when
// logY) is not positive, and how many it dropped.
func (s Series) positive(logX, logY bool) (Series, int) {
	out := Series{Label: s.Label, Reference: s.Reference}
	if s.Lo != nil {
		out.Lo, out.Hi = []float64{}, []float64{}
	}
	for i := range s.X {
		if (logX && s.X[i] <= 0) || (logY && s.Y[i] <= 0) {
			continue
		}
		out.X = append(out.X, s.X[i])
		out.Y = append(out.Y, s.Y[i])
		if s.Lo != nil {
			out.Lo = append(out.Lo, s.Lo[i])
			out.Hi = append(out.Hi, s.Hi[i])
		}
	}
	return out, len(s.X) - len(out.X)
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// maxLen returns the length of the longest slice.
func maxLen(vs [][]float64) int {
	n := 0
	for _, v := range vs {
		n = max(n, len(v))
	}
	return n
}

// minPositive returns the smallest finite positive value, +Inf if none.
func minPositive(vs ...[]float64) float64 {
	m := math.Inf(1)
	for _, v := range vs {
		for _, x := range v {
			if x > 0 && finite(x) {
				m = math.Min(m, x)
			}
		}
	}
	return m
}

// clipBand raises the values of lo below floor to floor (band edges on a
// logarithmic axis).
func clipBand(lo []float64, floor float64) {
	for i, v := range lo {
		if v < floor {
			lo[i] = floor
		}
	}
}
