package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// IterationTime is the time one iteration of an optimizer spends in each
// stage of the hybrid loop, in seconds per iteration (typically a mean over
// iterations and seeds). Digital stages (forward and backward passes,
// digital solves) go in Digital; Upload is the gradient DAC plus programming
// the resistor arrays; Analog the analog window (t and t_d); Readout the ADC.
// A purely digital optimizer has only Digital.
type IterationTime struct {
	Label                            string
	Digital, Upload, Analog, Readout float64
}

// parts returns the four stage times in drawing order (bottom to top).
func (it IterationTime) parts() [4]float64 {
	return [4]float64{it.Digital, it.Upload, it.Analog, it.Readout}
}

// total returns the sum of the stage times.
func (it IterationTime) total() float64 {
	return it.Digital + it.Upload + it.Analog + it.Readout
}

// stageNames and stageColors label and colour the stages of IterationTime.
var (
	stageNames  = [4]string{"digital", "upload", "analog", "readout"}
	stageColors = [4]color.Color{
		color.NRGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xFF}, // grey: digital
		colors[1], // vermillion: upload
		colors[0], // blue: analog
		colors[2], // green: readout
	}
)

// SplitMode selects how a [TimeSplit] figure scales its bars.
type SplitMode int

const (
	// SplitShare (the zero value) stacks each stage's share of the
	// iteration, in percent, so every bar reaches 100 %, and writes the
	// total time above each bar. Stage times span microseconds (the analog
	// window) to tens of milliseconds (programming the arrays), and a
	// logarithmic axis would misstate stacked heights, so shares are the
	// honest linear view; the totals keep the absolute scale.
	SplitShare SplitMode = iota
	// SplitAbsolute stacks the times themselves on a linear axis in the
	// engineering unit of the longest bar (µs, ms, s).
	SplitAbsolute
	// SplitLog draws the four stages side by side (not stacked) on a
	// logarithmic time axis, so that a 50 µs analog window and 41 ms of
	// programming are both readable. Zero stages are left out.
	SplitLog
)

// TimeSplit is a bar chart of per-iteration time, one bar (or, with
// SplitLog, one group of bars) per optimizer, split into digital, upload,
// analog and readout stages. In the stacked modes, the total is written
// above each bar and shares of at least [SegmentLabelShare] inside their
// segment. X labels are slanted when they would not fit under their bar.
type TimeSplit struct {
	Title string
	Bars  []IterationTime
	Mode  SplitMode
}

// SegmentLabelShare is the smallest share of a bar, as a fraction, whose
// percentage is written inside the segment.
const SegmentLabelShare = 0.08

// Figure draws the bars. It returns an error wrapping [ErrNoData] when there
// is no bar or a bar's total time is zero, [ErrNotFinite] for a non-finite
// time and [ErrNegative] for a negative one. It panics on an unknown Mode.
func (ts TimeSplit) Figure() (*Figure, error) {
	fail := func(err error) (*Figure, error) {
		return nil, fmt.Errorf("plots: figure %q: %w", ts.Title, err)
	}
	if ts.Mode != SplitShare && ts.Mode != SplitAbsolute && ts.Mode != SplitLog {
		panic(fmt.Sprintf("plots: unknown split mode %d", int(ts.Mode)))
	}
	n := len(ts.Bars)
	if n == 0 {
		return fail(fmt.Errorf("%w: no bars", ErrNoData))
	}
	maxTotal := 0.0
	for _, b := range ts.Bars {
		for k, v := range b.parts() {
			if !finite(v) {
				return fail(fmt.Errorf("bar %q: %w: %s time %v", b.Label, ErrNotFinite, stageNames[k], v))
			}
			if v < 0 {
				return fail(fmt.Errorf("bar %q: %w: %s time %v", b.Label, ErrNegative, stageNames[k], v))
			}
		}
		if b.total() == 0 {
			return fail(fmt.Errorf("bar %q: %w: zero total time", b.Label, ErrNoData))
		}
		maxTotal = math.Max(maxTotal, b.total())
	}
	if ts.Mode == SplitLog {
		return ts.logFigure()
	}
	timeAxis := Axis{Label: "time per iteration", Unit: "s"}
	factor, ylabel := timeAxis.display(maxTotal, false)
	if ts.Mode == SplitShare {
		ylabel = "share of iteration time (%)"
	}
	// heights[k][i] is the drawn height of stage k in bar i.
	var heights [4]plotter.Values
	for k := range heights {
		heights[k] = make(plotter.Values, n)
		for i, b := range ts.Bars {
			v := b.parts()[k]
			if ts.Mode == SplitShare {
				heights[k][i] = 100 * v / b.total()
			} else {
				heights[k][i] = v / factor
			}
		}
	}

	p := newPanel(ts.Title, false)
	p.Y.Label.Text = ylabel
	p.Y.Min = 0
	// Bar width: 60 % of the room per bar in a default-size data area of
	// about 11 cm, at most 2 cm.
	width := min(2*vg.Centimeter, 0.6*11*vg.Centimeter/vg.Length(n))
	leg := newLegend()
	var below *plotter.BarChart
	charts := make([]*plotter.BarChart, 4)
	for k := range heights {
		bc, err := plotter.NewBarChart(heights[k], width)
		if err != nil {
			return fail(err)
		}
		bc.Color = stageColors[k]
		bc.LineStyle = draw.LineStyle{Color: color.White, Width: vg.Points(0.5)}
		if below != nil {
			bc.StackOn(below)
		}
		below = bc
		charts[k] = bc
		p.Add(bc)
	}
	// Legend from the top stage down, matching the stack.
	for k := 3; k >= 0; k-- {
		leg.Add(stageNames[k], charts[k])
	}
	ts.nominalX(p)

	// Totals above the bars, shares inside large segments.
	totals := &plotter.Labels{Offset: vg.Point{Y: vg.Points(3)}}
	inside := &plotter.Labels{}
	for i, b := range ts.Bars {
		top := 100.0
		if ts.Mode == SplitAbsolute {
			top = b.total() / factor
		}
		totals.XYs = append(totals.XYs, plotter.XY{X: float64(i), Y: top})
		totals.Labels = append(totals.Labels, formatDuration(b.total()))
		totals.TextStyle = append(totals.TextStyle, text.Style{Color: color.Black, Font: font.From(sans, 9), XAlign: text.XCenter, Handler: plot.DefaultTextHandler})
		base := 0.0
		for k := range heights {
			h := heights[k][i]
			if share := b.parts()[k] / b.total(); share >= SegmentLabelShare {
				c := color.Color(color.Black)
				if luminance(stageColors[k]) < 0.45 {
					c = color.White
				}
				inside.XYs = append(inside.XYs, plotter.XY{X: float64(i), Y: base + h/2})
				inside.Labels = append(inside.Labels, fmt.Sprintf("%.0f %%", 100*share))
				inside.TextStyle = append(inside.TextStyle, text.Style{Color: c, Font: font.From(sans, 8), XAlign: text.XCenter, YAlign: text.YCenter, Handler: plot.DefaultTextHandler})
			}
			base += h
		}
	}
	p.Add(totals, inside)

	f := &Figure{panels: []*plot.Plot{p}, legend: leg}
	mode := "share"
	if ts.Mode == SplitAbsolute {
		mode = "absolute"
	}
	f.printf("figure: %q", ts.Title)
	f.printf("mode: %s; y: %q", mode, ylabel)
	f.printf("  bar\tdigital\tupload\tanalog\treadout\ttotal")
	for i, b := range ts.Bars {
		row := fmt.Sprintf("  %q", b.Label)
		for k := range heights {
			row += "\t" + formatValue(heights[k][i])
		}
		f.printf("%s\t%s", row, formatDuration(b.total()))
	}
	return f, nil
}

// nominalX names the bars along p's X axis, slanting the names when the
// longest would not fit in the room of a bar in a default-size figure.
func (ts TimeSplit) nominalX(p *plot.Plot) {
	names := make([]string, len(ts.Bars))
	widest := vg.Length(0)
	p.X.Tick.Label.Font = font.From(sans, 9)
	for i, b := range ts.Bars {
		names[i] = b.Label
		widest = max(widest, p.X.Tick.Label.Width(b.Label))
	}
	p.NominalX(names...)
	if widest > 0.95*11*vg.Centimeter/vg.Length(len(names)) {
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign = text.XRight
		p.X.Tick.Label.YAlign = text.YCenter
	}
}

// logFigure draws the SplitLog mode.
func (ts TimeSplit) logFigure() (*Figure, error) {
	p := newPanel(ts.Title, false)
	g := &groupedBars{width: min(0.5*vg.Centimeter, 0.6*11*vg.Centimeter/vg.Length(4*len(ts.Bars)))}
	for _, b := range ts.Bars {
		g.values = append(g.values, b.parts())
	}
	p.Add(g)
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal.Color = color.Gray{Y: 0xE0}
	grid.Horizontal.Width = vg.Points(0.5)
	p.Add(grid)
	setScale(&p.Y, true)
	p.Y.Label.Text = "time per iteration (s)"
	ts.nominalX(p)
	leg := newLegend()
	for k := 3; k >= 0; k-- {
		leg.Add(stageNames[k], swatch{stageColors[k]})
	}
	f := &Figure{panels: []*plot.Plot{p}, legend: leg}
	f.printf("figure: %q", ts.Title)
	f.printf("mode: log; y: %q", p.Y.Label.Text)
	f.printf("  bar\tdigital\tupload\tanalog\treadout\ttotal")
	for _, b := range ts.Bars {
		row := fmt.Sprintf("  %q", b.Label)
		for _, v := range b.parts() {
			row += "\t" + formatValue(v)
		}
		f.printf("%s\t%s", row, formatDuration(b.total()))
	}
	return f, nil
}

// groupedBars draws, for bar group i at x = i, one bar per stage side by
// side, from the bottom of the data area up to the stage time: bars on a
// logarithmic axis have no zero to start from.
type groupedBars struct {
	values [][4]float64
	width  vg.Length
}

// Plot implements plot.Plotter.
func (g *groupedBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, vs := range g.values {
		x := trX(float64(i))
		for k, v := range vs {
			if v <= 0 {
				continue
			}
			left := x + (vg.Length(k)-2)*g.width
			top := trY(v)
			c.FillPolygon(stageColors[k], c.ClipPolygonY([]vg.Point{
				{X: left, Y: c.Min.Y}, {X: left + g.width, Y: c.Min.Y},
				{X: left + g.width, Y: top}, {X: left, Y: top},
			}))
		}
	}
}

// DataRange implements plot.DataRanger: the groups, and the stage times from
// a third of the smallest up to the largest, so the smallest bar shows.
func (g *groupedBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	ymin, ymax = math.Inf(1), math.Inf(-1)
	for _, vs := range g.values {
		for _, v := range vs {
			if v > 0 {
				ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
			}
		}
	}
	return -0.5, float64(len(g.values)) - 0.5, ymin / 3, ymax * 1.5
}

// swatch is a legend thumbnail filled with one colour.
type swatch struct{ c color.Color }

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.c, []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y},
	})
}

// formatDuration prints a time in seconds with an engineering prefix and
// three significant digits: "41.2 ms", "50 µs".
func formatDuration(s float64) string {
	factor, unit := prefixed(math.Abs(s), "s")
	return fmt.Sprintf("%.3g %s", s/factor, unit)
}
