package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Size and resolution of saved figures, unless a Figure's Width and Height
// say otherwise: 16 cm × 10 cm, rasterized at 150 dots per inch (945 × 591
// pixels), a size that reads well both on screen and in a Markdown report.
const (
	DefaultWidth  = 16 * vg.Centimeter
	DefaultHeight = 10 * vg.Centimeter
	DPI           = 150
)

// Spec is implemented by every figure description of this package ([Lines],
// [Curves], [Sweep], [Heatmap], [Pareto], [TimeSplit], [SolveQuality],
// [Waveforms], [Stationary]), so that callers can build and save a list of
// them in one loop.
type Spec interface {
	Figure() (*Figure, error)
}

// Figure is a drawn figure: one or more panels stacked vertically with
// aligned data areas, an optional legend and an optional colour bar at the
// right (outside the data, so neither can hide a point), and a text record of
// the data drawn. Build one with a [Spec]'s Figure method; it keeps copies of
// the data, so the caller may reuse its slices afterwards.
type Figure struct {
	// Width and Height are the saved size; zero means DefaultWidth and
	// DefaultHeight.
	Width, Height vg.Length

	panels   []*plot.Plot
	legend   *plot.Legend
	colorBar *plot.Plot
	desc     bytes.Buffer
}

// Panels returns the gonum plots of the figure, top to bottom, for callers
// that want to adjust them before saving. The slice is the figure's own.
func (f *Figure) Panels() []*plot.Plot { return f.panels }

// Describe returns a text record of what the figure draws: title, panels,
// axes with labels and scales, and every series with its points exactly as
// plotted (after smoothing, aggregation and unit prefixes), one per line.
// It is the figure's test oracle and a human-readable companion to the image.
func (f *Figure) Describe() string { return f.desc.String() }

// size returns the figure's width and height, defaults filled in.
func (f *Figure) size() (w, h vg.Length) {
	w, h = f.Width, f.Height
	if w == 0 {
		w = DefaultWidth
	}
	if h == 0 {
		h = DefaultHeight
	}
	return w, h
}

// Draw draws the figure on c, filling c's rectangle. It panics on a Figure
// not made by a Spec (one without panels).
func (f *Figure) Draw(c draw.Canvas) {
	if len(f.panels) == 0 {
		panic("plots: drawing an empty Figure; build one with a Spec's Figure method")
	}
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	area := c
	const pad = 4 * vg.Millimeter
	var bar draw.Canvas
	if f.colorBar != nil {
		bar = c
		bar.Min.X = c.Max.X - 2.2*vg.Centimeter
		bar.Max.X -= pad
		area.Max.X = bar.Min.X - pad
	}
	if f.legend != nil {
		r := f.legend.Rectangle(c)
		side := c
		side.Min.X = area.Max.X - (r.Max.X - r.Min.X) - pad
		area.Max.X = side.Min.X
		if p := f.panels[0]; p.Title.Text != "" {
			side.Max.Y -= p.Title.TextStyle.Height(p.Title.Text) + p.Title.Padding
		}
		f.legend.Draw(side)
	}
	if len(f.panels) == 1 {
		f.panels[0].Draw(area)
		if f.colorBar != nil {
			// The bar spans the data area of the panel.
			dc := f.panels[0].DataCanvas(area)
			bar.Min.Y, bar.Max.Y = dc.Min.Y, dc.Max.Y
			f.colorBar.Draw(bar)
		}
		return
	}
	grid := make([][]*plot.Plot, len(f.panels))
	for i, p := range f.panels {
		grid[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(f.panels), Cols: 1, PadY: 3 * vg.Millimeter}
	canvases := plot.Align(grid, tiles, area)
	for i, p := range f.panels {
		p.Draw(canvases[i][0])
	}
}

// Encode writes the figure to w in format "png" (at [DPI]) or "svg". The
// output is deterministic: the same figure gives the same bytes. SVG text
// names the Liberation fonts and falls back to the metric-compatible Arial,
// Helvetica or any sans-serif font. Encode panics on another format and
// returns w's write error.
func (f *Figure) Encode(w io.Writer, format string) error {
	width, height := f.size()
	switch format {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(DPI))
		f.Draw(draw.New(c))
		_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
		return err
	case "svg":
		c := vgsvg.New(width, height)
		f.Draw(draw.New(c))
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return err
		}
		s := strings.ReplaceAll(buf.String(), "font-family:Liberation Sans;", "font-family:Liberation Sans,Arial,Helvetica,sans-serif;")
		_, err := io.WriteString(w, s)
		return err
	}
	panic(fmt.Sprintf("plots: unknown image format %q", format))
}

// Save writes the figure to dir/base.png and dir/base.svg, creating dir if
// needed. Each file is written under a temporary name and renamed, so an
// interrupted Save leaves no half-written figure. Save panics if base is
// empty or contains a path separator, and returns file-system errors.
func (f *Figure) Save(dir, base string) error {
	if base == "" || strings.ContainsAny(base, `/\`) {
		panic(fmt.Sprintf("plots: bad figure base name %q", base))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	for _, format := range []string{"png", "svg"} {
		var buf bytes.Buffer
		if err := f.Encode(&buf, format); err != nil {
			return fmt.Errorf("plots: encoding %s.%s: %w", base, format, err)
		}
		name := filepath.Join(dir, base+"."+format)
		tmp := name + ".tmp"
		if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("plots: %w", err)
		}
		if err := os.Rename(tmp, name); err != nil {
			return fmt.Errorf("plots: %w", err)
		}
	}
	return nil
}

// Styling shared by every figure.

// sans is the typeface of all text: Liberation Sans, metric-compatible with
// Arial, bundled with gonum/plot.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// colors is the Okabe–Ito palette, safe for colour-blind readers, without
// its yellow (too faint on white) and with black last. Line i of a figure
// takes colors[i % len(colors)], and dashes change on each wrap.
var colors = []color.Color{
	color.NRGBA{R: 0x00, G: 0x72, B: 0xB2, A: 0xFF}, // blue
	color.NRGBA{R: 0xD5, G: 0x5E, B: 0x00, A: 0xFF}, // vermillion
	color.NRGBA{R: 0x00, G: 0x9E, B: 0x73, A: 0xFF}, // bluish green
	color.NRGBA{R: 0xCC, G: 0x79, B: 0xA7, A: 0xFF}, // reddish purple
	color.NRGBA{R: 0xE6, G: 0x9F, B: 0x00, A: 0xFF}, // orange
	color.NRGBA{R: 0x56, G: 0xB4, B: 0xE9, A: 0xFF}, // sky blue
	color.NRGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xFF}, // black
}

// referenceColor draws reference lines (exact NGD, theory).
var referenceColor = color.NRGBA{R: 0x40, G: 0x40, B: 0x40, A: 0xFF}

// dashes are the line dash patterns, one per wrap of the colour cycle.
var dashes = [][]vg.Length{nil, {vg.Points(5), vg.Points(2)}, {vg.Points(1), vg.Points(2)}, {vg.Points(6), vg.Points(2), vg.Points(1), vg.Points(2)}}

// lineStyle returns the style of the i-th line of a figure.
func lineStyle(i int) draw.LineStyle {
	return draw.LineStyle{
		Color:  colors[i%len(colors)],
		Width:  vg.Points(1.5),
		Dashes: dashes[(i/len(colors))%len(dashes)],
	}
}

// referenceStyle is the style of a reference line: dark grey, dashed.
func referenceStyle() draw.LineStyle {
	return draw.LineStyle{Color: referenceColor, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(6), vg.Points(3)}}
}

// translucent returns c with alpha a in [0, 1].
func translucent(c color.Color, a float64) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a*255 + 0.5)}
}

// newPanel returns a plot with the house style: sans-serif text, a light
// grid behind the data when grid is set, no built-in legend (figures draw
// theirs outside the data area).
func newPanel(title string, grid bool) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 13)
	p.Title.Padding = vg.Points(6)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sans, 11)
		ax.Tick.Label.Font = font.From(sans, 9)
		ax.Padding = vg.Points(3)
	}
	if grid {
		g := plotter.NewGrid()
		g.Vertical.Color = color.Gray{Y: 0xE0}
		g.Horizontal.Color = color.Gray{Y: 0xE0}
		g.Vertical.Width = vg.Points(0.5)
		g.Horizontal.Width = vg.Points(0.5)
		p.Add(g)
	}
	return p
}

// newLegend returns an empty legend in the house style, drawn from the top
// left of the strip the Figure reserves for it.
func newLegend() *plot.Legend {
	l := plot.NewLegend()
	l.TextStyle.Font = font.From(sans, 10)
	l.Top = true
	l.Left = true
	l.ThumbnailWidth = vg.Points(22)
	l.Padding = vg.Points(2)
	l.XOffs = 2 * vg.Millimeter
	return &l
}

// Text record helpers.

// printf appends a line to the figure's description.
func (f *Figure) printf(format string, args ...any) {
	fmt.Fprintf(&f.desc, format, args...)
	f.desc.WriteByte('\n')
}

// table appends columns of equal length as tab-separated rows under a
// header; nil columns are skipped.
func (f *Figure) table(names []string, cols ...[]float64) {
	var hdr []string
	var use [][]float64
	for i, c := range cols {
		if c != nil {
			hdr = append(hdr, names[i])
			use = append(use, c)
		}
	}
	if len(use) == 0 {
		return
	}
	f.printf("  %s", strings.Join(hdr, "\t"))
	for j := range use[0] {
		row := make([]string, len(use))
		for i, c := range use {
			row[i] = formatValue(c[j])
		}
		f.printf("  %s", strings.Join(row, "\t"))
	}
}

// formatValue prints v with six significant digits for the text record
// (negative zero as 0).
func formatValue(v float64) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%.6g", v)
}

// plural returns "1 point" or "n points".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// axisLine describes an axis for the text record.
func axisLine(name, label string, log bool) string {
	scale := "linear"
	if log {
		scale = "log"
	}
	return fmt.Sprintf("%s: %q [%s]", name, label, scale)
}
