package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
)

// Heatmap is a co-design figure: a metric (final loss, accuracy) over two
// swept parameters, one cell per pair of values, with a colour bar.
//
// Cells are evenly spaced whatever the parameter values (so 4, 6, 8, 12 bits
// or mismatches of 1e-3…1e-1 get equal room) and the ticks show the actual
// values; the axes' Scale is ignored. Values are drawn in the order given:
// pass them sorted. Each cell is annotated with its value when the grid has
// at most [AnnotateLimit] cells (three significant digits). Missing values (NaN, ±Inf: a diverged or
// absent run) are drawn light grey and annotated "–".
//
// The colour scale uses a perceptually uniform, colour-blind-safe map (a
// viridis-like luminance ramp). When Color's scale resolves to logarithmic
// (see [ScaleAuto]), colours follow log₁₀ of the value and the colour bar's
// ticks show the values themselves; a value ≤ 0 (possible only with a forced
// ScaleLog) is then coloured as missing but still annotated.
type Heatmap struct {
	Title string
	// X and Y are the swept parameters along columns and rows.
	X, Y             Axis
	XValues, YValues []float64
	// Values[j][i] is the metric at (XValues[i], YValues[j]).
	Values [][]float64
	// Color is the metric shown by colour.
	Color Axis
}

// AnnotateLimit is the largest number of cells of a [Heatmap] whose values
// are written in the cells.
const AnnotateLimit = 64

// Figure draws the heat map. It returns an error wrapping [ErrLength] when
// Values is not len(YValues) rows of len(XValues), [ErrNotFinite] for a
// non-finite parameter value, [ErrNoData] when no value is finite, and the
// errors of [Scale].
func (h Heatmap) Figure() (*Figure, error) {
	fail := func(err error) (*Figure, error) {
		return nil, fmt.Errorf("plots: figure %q: %w", h.Title, err)
	}
	nx, ny := len(h.XValues), len(h.YValues)
	if len(h.Values) != ny {
		return fail(fmt.Errorf("%w: %d rows of values for %d Y values", ErrLength, len(h.Values), ny))
	}
	var finiteVals []float64
	for j, row := range h.Values {
		if len(row) != nx {
			return fail(fmt.Errorf("%w: row %d has %d values for %d X values", ErrLength, j, len(row), nx))
		}
		for _, v := range row {
			if finite(v) {
				finiteVals = append(finiteVals, v)
			}
		}
	}
	for i, v := range append(append([]float64{}, h.XValues...), h.YValues...) {
		if !finite(v) {
			return fail(fmt.Errorf("%w: parameter value %d is %v", ErrNotFinite, i, v))
		}
	}
	if len(finiteVals) == 0 {
		return fail(fmt.Errorf("%w: no finite value", ErrNoData))
	}
	logZ, err := h.Color.Scale.isLog(finiteVals)
	if err != nil {
		return fail(fmt.Errorf("colour axis: %w", err))
	}
	// The figure keeps its own copy: the caller may reuse Values.
	values := make([][]float64, ny)
	for j, row := range h.Values {
		values[j] = slices.Clone(row)
	}
	h.Values = values
	g := heatGrid{nx: nx, ny: ny, z: values, log: logZ}
	zmin, zmax := math.Inf(1), math.Inf(-1)
	for _, v := range finiteVals {
		if t := g.transform(v); !math.IsNaN(t) {
			zmin, zmax = math.Min(zmin, t), math.Max(zmax, t)
		}
	}
	if zmin == zmax {
		d := math.Max(math.Abs(zmin)*0.01, 1e-12)
		zmin, zmax = zmin-d, zmax+d
	}

	cmap := viridis()
	cmap.SetMin(zmin)
	cmap.SetMax(zmax)
	pal := cmap.Palette(256)
	hm := plotter.NewHeatMap(g, pal)
	hm.Min, hm.Max = zmin, zmax
	hm.NaN = color.Gray{Y: 0xD8}

	p := newPanel(h.Title, false)
	p.Add(hm)
	_, xl := h.X.display(0, true)
	_, yl := h.Y.display(0, true)
	p.X.Label.Text, p.Y.Label.Text = xl, yl
	p.X.Tick.Marker = valueTicks(h.XValues)
	p.Y.Tick.Marker = valueTicks(h.YValues)
	p.X.Padding, p.Y.Padding = 0, 0

	if nx*ny <= AnnotateLimit {
		labels := &plotter.Labels{}
		for j := range ny {
			for i := range nx {
				v := h.Values[j][i]
				s, c := "–", color.Color(color.Black)
				if finite(v) {
					s = formatShort(v)
					if col, err := cmap.At(g.transform(v)); err == nil && luminance(col) < 0.45 {
						c = color.White
					}
				}
				labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: float64(j)})
				labels.Labels = append(labels.Labels, s)
				labels.TextStyle = append(labels.TextStyle, text.Style{
					Color: c, Font: font.From(sans, 9), XAlign: text.XCenter, YAlign: text.YCenter,
					Handler: plot.DefaultTextHandler,
				})
			}
		}
		p.Add(labels)
	}

	cb := newPanel("", false)
	cb.Add(&plotter.ColorBar{ColorMap: cmap, Vertical: true})
	cb.HideX()
	cb.Y.Padding = 0
	_, zl := h.Color.display(0, true)
	cb.Y.Tick.Marker = linearTicks{}
	if logZ {
		cb.Y.Tick.Marker = log10Ticks{}
	}
	cb.Y.Label.Text = zl

	f := &Figure{panels: []*plot.Plot{p}, colorBar: cb}
	f.printf("figure: %q", h.Title)
	f.printf("x: %q (columns) = %s", xl, joinValues(h.XValues))
	f.printf("y: %q (rows) = %s", yl, joinValues(h.YValues))
	scale := "linear"
	if logZ {
		scale = "log"
	}
	f.printf("colour: %q [%s], range %s..%s", zl, scale, formatValue(g.inverse(zmin)), formatValue(g.inverse(zmax)))
	for j := range ny {
		row := make([]string, nx)
		for i := range nx {
			row[i] = formatValue(h.Values[j][i])
		}
		f.printf("  y=%s\t%s", formatValue(h.YValues[j]), strings.Join(row, "\t"))
	}
	return f, nil
}

// heatGrid adapts Values to plotter.GridXYZ with cell centres at integer
// coordinates (column i at x = i, row j at y = j).
type heatGrid struct {
	nx, ny int
	z      [][]float64
	log    bool
}

func (g heatGrid) Dims() (c, r int)   { return g.nx, g.ny }
func (g heatGrid) X(c int) float64    { return float64(c) }
func (g heatGrid) Y(r int) float64    { return float64(r) }
func (g heatGrid) Z(c, r int) float64 { return g.transform(g.z[r][c]) }

// transform maps a value to colour-scale coordinates: itself, or log₁₀ of it
// on a logarithmic colour scale; non-finite values, and values ≤ 0 on a
// logarithmic scale, become NaN (drawn as missing).
func (g heatGrid) transform(v float64) float64 {
	if !finite(v) || (g.log && v <= 0) {
		return math.NaN()
	}
	if g.log {
		return math.Log10(v)
	}
	return v
}

// inverse undoes transform.
func (g heatGrid) inverse(t float64) float64 {
	if g.log {
		return math.Pow(10, t)
	}
	return t
}

// viridis returns a perceptually uniform colour map from dark blue-purple
// through teal to yellow, interpolated with monotonic luminance through
// five control colours of matplotlib's viridis.
func viridis() palette.ColorMap {
	cm, err := moreland.NewLuminance([]color.Color{
		color.NRGBA{R: 0x44, G: 0x01, B: 0x54, A: 0xFF},
		color.NRGBA{R: 0x3B, G: 0x52, B: 0x8B, A: 0xFF},
		color.NRGBA{R: 0x21, G: 0x91, B: 0x8C, A: 0xFF},
		color.NRGBA{R: 0x5E, G: 0xC9, B: 0x62, A: 0xFF},
		color.NRGBA{R: 0xFD, G: 0xE7, B: 0x25, A: 0xFF},
	})
	if err != nil {
		panic("plots: viridis control colours: " + err.Error())
	}
	return cm
}

// luminance returns the relative luminance of c in [0, 1] (Rec. 709
// weights on the non-linear components, enough to choose a text colour).
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xFFFF
}

// valueTicks labels integer positions 0…n−1 with the given values.
func valueTicks(vs []float64) plot.ConstantTicks {
	ticks := make(plot.ConstantTicks, len(vs))
	for i, v := range vs {
		ticks[i] = plot.Tick{Value: float64(i), Label: formatNumber(v)}
	}
	return ticks
}

// log10Ticks marks an axis whose coordinates are log₁₀ of the values with
// the ticks logTicks would put on the values.
type log10Ticks struct{}

// Ticks implements plot.Ticker.
func (log10Ticks) Ticks(min, max float64) []plot.Tick {
	ticks := logTicks{}.Ticks(math.Pow(10, min), math.Pow(10, max))
	for i := range ticks {
		ticks[i].Value = math.Log10(ticks[i].Value)
	}
	return ticks
}

// formatShort prints v with three significant digits, for annotations.
func formatShort(v float64) string {
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// joinValues formats vs as "a, b, c".
func joinValues(vs []float64) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = formatValue(v)
	}
	return strings.Join(s, ", ")
}

// Interface checks.
var _ plotter.GridXYZ = heatGrid{}
