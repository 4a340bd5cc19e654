package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
)

// SolveRuns holds one optimizer's solve-quality runs (typically one per
// seed): the cosine similarity between the natural gradient g̃ it used and
// the exact one g̃* = (F + λI)⁻¹∇ℓ, and the relative error ‖g̃ − g̃*‖ / ‖g̃*‖,
// each against iteration. Either may be empty (not measured); Cosine[k] and
// RelErr[k] need not share X.
type SolveRuns struct {
	Label          string
	Cosine, RelErr []Trace
}

// SolveQuality is the solve-quality figure: cosine similarity (top panel,
// linear, labelled "cosine similarity") and relative error (bottom panel,
// labelled "relative error", logarithmic when it spans decades) of g̃ against the exact natural gradient over training, one line
// per optimizer with a band over runs, both panels sharing the X range and
// the colours (group i takes colour i whether or not it has data in a
// panel).
type SolveQuality struct {
	Title string
	// X is the shared horizontal axis; a zero Axis means "iteration".
	X      Axis
	Groups []SolveRuns
	// Smooth and Band are as in Curves.
	Smooth int
	Band   Band
}

// Figure draws the two panels. It returns an error wrapping [ErrNoData] when
// neither panel has data, and the errors of [Curves].
func (sq SolveQuality) Figure() (*Figure, error) {
	fail := func(err error) (*Figure, error) {
		return nil, fmt.Errorf("plots: figure %q: %w", sq.Title, err)
	}
	xa := sq.X
	if xa == (Axis{}) {
		xa = Axis{Label: "iteration"}
	}
	panels := []struct {
		name string
		axis Axis
		runs func(SolveRuns) []Trace
	}{
		{"cosine", Axis{Label: "cosine similarity", Scale: ScaleLinear}, func(g SolveRuns) []Trace { return g.Cosine }},
		{"relative error", Axis{Label: "relative error"}, func(g SolveRuns) []Trace { return g.RelErr }},
	}
	f := &Figure{}
	f.printf("figure: %q", sq.Title)
	leg := newLegend()
	inLegend := make([]bool, len(sq.Groups))
	for k, pn := range panels {
		var groups []Group
		var idx []int
		for i, g := range sq.Groups {
			if runs := pn.runs(g); len(runs) > 0 {
				groups = append(groups, Group{Label: g.Label, Runs: runs})
				idx = append(idx, i)
			}
		}
		if len(groups) == 0 {
			continue
		}
		series, notes, err := aggregateGroups(groups, sq.Smooth, sq.Band)
		if err != nil {
			return fail(fmt.Errorf("%s: %w", pn.name, err))
		}
		title := ""
		if k == 0 || len(f.panels) == 0 {
			title = sq.Title
		}
		p := newPanel(title, true)
		f.printf("panel %q", pn.name)
		if err := addLines(f, p, nil, xa, pn.axis, series, lineOpts{notes: notes, colours: idx}); err != nil {
			return fail(fmt.Errorf("%s: %w", pn.name, err))
		}
		for j, i := range idx {
			if inLegend[i] || series[j].Label == "" {
				continue
			}
			inLegend[i] = true
			line, err := plotter.NewLine(plotter.XYs{{}, {X: 1}})
			if err != nil {
				return fail(err)
			}
			line.LineStyle = lineStyle(i)
			leg.Add(series[j].Label, line)
		}
		f.panels = append(f.panels, p)
	}
	if len(f.panels) == 0 {
		return fail(fmt.Errorf("%w: no cosine or relative-error runs", ErrNoData))
	}
	// Shared X range; the X label only under the bottom panel.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range f.panels {
		lo, hi = math.Min(lo, p.X.Min), math.Max(hi, p.X.Max)
	}
	for i, p := range f.panels {
		p.X.Min, p.X.Max = lo, hi
		if i < len(f.panels)-1 {
			p.X.Label.Text = ""
		}
	}
	if hasEntries(leg) {
		f.legend = leg
	}
	return f, nil
}
