package plots

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ParetoFront returns the indices of the non-dominated points among
// (cost[i], value[i]), sorted by increasing cost (ties by index). Lower cost
// is better; higher value is better when maximize is set (accuracy), lower
// otherwise (loss).
//
// Point j dominates point i when it is at least as good in both coordinates
// and strictly better in one; identical points do not dominate each other,
// so both are on the front. Points with a non-finite coordinate are ignored.
// ParetoFront panics if cost and value differ in length. It runs in
// O(n log n): sort by cost, then sweep keeping the best value so far.
func ParetoFront(cost, value []float64, maximize bool) []int {
	if len(cost) != len(value) {
		panic(fmt.Sprintf("plots: ParetoFront: len(cost) = %d, len(value) = %d", len(cost), len(value)))
	}
	// better(a, b) reports whether value a is strictly better than b.
	better := func(a, b float64) bool { return a > b }
	if !maximize {
		better = func(a, b float64) bool { return a < b }
	}
	idx := make([]int, 0, len(cost))
	for i := range cost {
		if finite(cost[i]) && finite(value[i]) {
			idx = append(idx, i)
		}
	}
	// By cost, then best value first, then index.
	slices.SortFunc(idx, func(a, b int) int {
		if c := cmp.Compare(cost[a], cost[b]); c != 0 {
			return c
		}
		switch {
		case better(value[a], value[b]):
			return -1
		case better(value[b], value[a]):
			return 1
		}
		return cmp.Compare(a, b)
	})
	var front []int
	haveBest := false
	var best float64 // best value among points of strictly lower cost
	for k := 0; k < len(idx); {
		// The group of points sharing cost[idx[k]]; its best value comes first.
		end := k
		for end < len(idx) && cost[idx[end]] == cost[idx[k]] {
			end++
		}
		top := value[idx[k]]
		if !haveBest || better(top, best) {
			for _, i := range idx[k:end] {
				if value[i] == top {
					front = append(front, i)
				}
			}
			best, haveBest = top, true
		}
		k = end
	}
	return front
}

// ParetoPoint is one configuration of a [Pareto] figure.
type ParetoPoint struct {
	// Label names the configuration, for example "8/8 bits"; front points
	// are annotated with it.
	Label string
	// Cost is the hardware cost proxy (lower is better), Value the metric.
	Cost, Value float64
}

// Pareto is a co-design figure: a metric against a hardware cost proxy (bits
// × devices, simulated time per iteration, …), one marker per configuration,
// with the non-dominated front (see [ParetoFront]) highlighted, joined by a
// staircase (the best value reachable at each cost) and labelled.
// Configurations with a non-finite cost or value (diverged), or a value ≤ 0
// on a forced logarithmic axis, are not drawn and are listed in the text
// record.
type Pareto struct {
	Title string
	// Cost is the X axis, Value the Y axis.
	Cost, Value Axis
	Points      []ParetoPoint
	// Maximize tells that higher values are better (accuracy); otherwise
	// lower values are (loss).
	Maximize bool
}

// Figure draws the Pareto plot. It returns an error wrapping [ErrNoData]
// when no point is finite, and the errors of [Scale].
func (pa Pareto) Figure() (*Figure, error) {
	fail := func(err error) (*Figure, error) {
		return nil, fmt.Errorf("plots: figure %q: %w", pa.Title, err)
	}
	var cs, vs []float64
	for _, pt := range pa.Points {
		if finite(pt.Cost) && finite(pt.Value) {
			cs = append(cs, pt.Cost)
			vs = append(vs, pt.Value)
		}
	}
	if len(cs) == 0 {
		return fail(fmt.Errorf("%w: no finite point", ErrNoData))
	}
	logX, err := pa.Cost.Scale.isLog(cs)
	if err != nil {
		return fail(fmt.Errorf("cost axis: %w", err))
	}
	logY, err := pa.Value.Scale.isLog(vs)
	if err != nil {
		return fail(fmt.Errorf("value axis: %w", err))
	}
	// Points that cannot be drawn (non-finite, or ≤ 0 on a log axis) get
	// NaN coordinates: ParetoFront and the drawing ignore them.
	cost := make([]float64, len(pa.Points))
	value := make([]float64, len(pa.Points))
	var skipped []string
	cs, vs = cs[:0], vs[:0]
	for i, pt := range pa.Points {
		if !finite(pt.Cost) || !finite(pt.Value) || (logX && pt.Cost <= 0) || (logY && pt.Value <= 0) {
			cost[i], value[i] = math.NaN(), math.NaN()
			skipped = append(skipped, fmt.Sprintf("%q (%s, %s)", pt.Label, formatValue(pt.Cost), formatValue(pt.Value)))
			continue
		}
		cost[i], value[i] = pt.Cost, pt.Value
		cs = append(cs, pt.Cost)
		vs = append(vs, pt.Value)
	}
	if len(cs) == 0 {
		return fail(fmt.Errorf("%w: no point with positive coordinates", ErrLogScale))
	}
	fx, xl := pa.Cost.display(maxAbs(cs), logX)
	fy, yl := pa.Value.display(maxAbs(vs), logY)
	front := ParetoFront(cost, value, pa.Maximize)
	onFront := make(map[int]bool, len(front))
	for _, i := range front {
		onFront[i] = true
	}

	p := newPanel(pa.Title, true)
	p.X.Label.Text, p.Y.Label.Text = xl, yl
	setScale(&p.X, logX)
	setScale(&p.Y, logY)
	var dominated, best plotter.XYs
	for i := range pa.Points {
		if !finite(cost[i]) || !finite(value[i]) || onFront[i] {
			continue
		}
		dominated = append(dominated, plotter.XY{X: cost[i] / fx, Y: value[i] / fy})
	}
	// The region up and to the left of the staircase (down and to the left
	// when minimizing) holds no point and no line: labels go there, right-
	// aligned against their point.
	labels := &plotter.Labels{Offset: vg.Point{X: -vg.Points(4), Y: vg.Points(3)}}
	yAlign := text.YBottom
	if !pa.Maximize {
		labels.Offset.Y = -vg.Points(3)
		yAlign = text.YTop
	}
	for _, i := range front {
		xy := plotter.XY{X: cost[i] / fx, Y: value[i] / fy}
		best = append(best, xy)
		labels.XYs = append(labels.XYs, xy)
		labels.Labels = append(labels.Labels, pa.Points[i].Label)
		labels.TextStyle = append(labels.TextStyle, text.Style{Color: color.Black, Font: font.From(sans, 8), XAlign: text.XRight, YAlign: yAlign, Handler: plot.DefaultTextHandler})
	}
	leg := newLegend()
	frontColor := colors[0]
	if len(dominated) > 0 {
		sc, err := plotter.NewScatter(dominated)
		if err != nil {
			return fail(err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: color.Gray{Y: 0x90}, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		leg.Add("dominated", sc)
	}
	stairs, err := plotter.NewLine(best)
	if err != nil {
		return fail(err)
	}
	stairs.StepStyle = plotter.PostStep
	stairs.LineStyle = draw.LineStyle{Color: frontColor, Width: vg.Points(1.2)}
	sc, err := plotter.NewScatter(best)
	if err != nil {
		return fail(err)
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: frontColor, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
	p.Add(stairs, sc, labels)
	leg.Add("Pareto front", stairs, sc)

	f := &Figure{panels: []*plot.Plot{p}, legend: leg}
	goal := "lower"
	if pa.Maximize {
		goal = "higher"
	}
	f.printf("figure: %q", pa.Title)
	f.printf("x: %s", axisLine("x", xl, logX)[3:])
	f.printf("y: %s (%s is better)", axisLine("y", yl, logY)[3:], goal)
	f.printf("front: %d of %d points", len(front), len(cs))
	for _, i := range front {
		f.printf("  %q\t%s\t%s", pa.Points[i].Label, formatValue(cost[i]/fx), formatValue(value[i]/fy))
	}
	f.printf("dominated:")
	for i, pt := range pa.Points {
		if finite(cost[i]) && finite(value[i]) && !onFront[i] {
			f.printf("  %q\t%s\t%s", pt.Label, formatValue(cost[i]/fx), formatValue(value[i]/fy))
		}
	}
	if len(skipped) > 0 {
		f.printf("not drawn (non-finite, or ≤ 0 on a log axis): %s", strings.Join(skipped, ", "))
	}
	return f, nil
}
