package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tngd/tngd/plots"
)

// NamedFigure is one figure of a run and the base name of its files in
// DIR/plots (base.png and base.svg).
type NamedFigure struct {
	Name string
	Spec plots.Spec
}

// Figures chooses the figures that answer a scenario's question from what
// it compared and swept:
//
//   - learning curves: train loss, test loss and test accuracy against
//     iteration and against simulated time, one line per optimizer (and
//     sweep point), mean and min–max band over seeds;
//   - solve quality: cosine and relative error of g̃ against the exact
//     natural gradient, for the natural-gradient optimizers;
//   - time split: the simulated time of one iteration by phase, per
//     optimizer;
//   - for each numeric swept key: final test loss and accuracy against it,
//     one line per optimizer (and value of the other keys);
//   - with two or more numeric swept keys: a heat map of final test
//     accuracy over the first two, per optimizer;
//   - with a sweep: Pareto plots of final accuracy against simulated time
//     per iteration and, when the swept hardware changes it, against the
//     device's size in bits (Summary.HardwareBits).
//
// The figures of final values (sweep, heat map, Pareto) leave out runs that
// did not finish (diverged, or their device failed): a heat-map cell
// without a finished run is grey.
//
// smooth is the moving-average window of the learning curves (0: none).
func Figures(res *Results, smooth int) []NamedFigure {
	var out []NamedFigure
	add := func(name string, spec plots.Spec) { out = append(out, NamedFigure{name, spec}) }

	groups := groupRuns(res)
	iter := plots.Axis{Label: "iteration"}
	simt := plots.Axis{Label: "simulated time", Unit: "s"}
	if spansDecades(res) {
		// Optimizers whose iterations differ by orders of magnitude (Adam's
		// microseconds, TNGD's milliseconds of upload) share the axis only
		// on a log scale; the t = 0 evaluation is left out there.
		simt.Scale = plots.ScaleLog
	}
	metrics := []struct {
		name  string
		axis  plots.Axis
		value func(Row) float64
	}{
		{"train_loss", plots.Axis{Label: "train loss"}, func(r Row) float64 { return r.TrainLoss }},
		{"test_loss", plots.Axis{Label: "test loss"}, func(r Row) float64 { return r.TestLoss }},
		{"test_acc", plots.Axis{Label: "test accuracy"}, func(r Row) float64 { return r.TestAcc }},
	}
	for _, m := range metrics {
		if !anyFinite(res, m.value) {
			continue
		}
		for _, x := range []struct {
			name  string
			axis  plots.Axis
			value func(Row) float64
		}{
			{"iteration", iter, func(r Row) float64 { return float64(r.Iteration) }},
			{"time", simt, func(r Row) float64 { return r.SimTime }},
		} {
			c := plots.Curves{Title: fmt.Sprintf("%s against %s", m.axis.Label, x.axis.Label), X: x.axis, Y: m.axis, Smooth: smooth}
			for _, g := range groups {
				grp := plots.Group{Label: g.label, Reference: g.reference}
				for _, j := range g.jobs {
					if tr := trace(res.Runs[j].Rows, x.value, m.value); len(tr.X) > 0 {
						grp.Runs = append(grp.Runs, tr)
					}
				}
				if len(grp.Runs) > 0 {
					c.Groups = append(c.Groups, grp)
				}
			}
			add(m.name+"_vs_"+x.name, c)
		}
	}

	sq := plots.SolveQuality{Title: "natural-gradient estimate against the exact solve"}
	for _, g := range groups {
		runs := plots.SolveRuns{Label: g.label}
		for _, j := range g.jobs {
			it := func(r Row) float64 { return float64(r.Iteration) }
			cos := trace(res.Runs[j].Rows, it, func(r Row) float64 { return r.SolveCos })
			if len(cos.X) == 0 {
				continue
			}
			runs.Cosine = append(runs.Cosine, cos)
			runs.RelErr = append(runs.RelErr, trace(res.Runs[j].Rows, it, func(r Row) float64 { return r.SolveRelErr }))
		}
		if len(runs.Cosine) > 0 {
			sq.Groups = append(sq.Groups, runs)
		}
	}
	if len(sq.Groups) > 0 {
		add("solve_quality", sq)
	}

	ts := plots.TimeSplit{Title: "simulated time of one iteration"}
	for _, g := range groups {
		var sum Phases
		n := 0
		for _, j := range g.jobs {
			if res.Runs[j].Summary.Iterations > 0 {
				sum = sum.Add(res.Runs[j].Summary.PerIteration)
				n++
			}
		}
		if n > 0 {
			k := float64(n)
			ts.Bars = append(ts.Bars, plots.IterationTime{Label: g.label, Digital: sum.Digital / k, Upload: sum.Upload / k, Analog: sum.Analog / k, Readout: sum.Readout / k})
		}
	}
	if len(ts.Bars) > 0 {
		add("time_split", ts)
	}

	numeric := numericKeys(res)
	for _, key := range numeric {
		for _, m := range []struct {
			name  string
			axis  plots.Axis
			value func(Summary) float64
		}{
			{"test_loss", plots.Axis{Label: "final test loss"}, func(s Summary) float64 { return s.FinalTestLoss }},
			{"test_acc", plots.Axis{Label: "final test accuracy"}, func(s Summary) float64 { return s.FinalTestAcc }},
		} {
			sw := sweepFigure(res, key, m.axis, m.value)
			if sw != nil {
				add(fmt.Sprintf("sweep_%s_%s", m.name, FileSafe(key)), sw)
			}
		}
	}
	if len(numeric) >= 2 {
		for _, opt := range optimizerLabels(res) {
			hm := heatmap(res, numeric[0], numeric[1], opt)
			if hm != nil {
				add(fmt.Sprintf("heatmap_test_acc_%s", FileSafe(opt)), hm)
			}
		}
	}
	if len(res.Keys) > 0 {
		// Against time per iteration whenever there are two groups;
		// against the device size only when the sweep changes it.
		p, _ := paretoOf(groups, res, "accuracy against the cost of a hardware point",
			plots.Axis{Label: "simulated time per iteration", Unit: "s"},
			func(s Summary) float64 { return s.PerIteration.Total() })
		if len(p.Points) > 1 {
			add("pareto_test_acc", p)
		}
		hp, distinct := paretoOf(groups, res, "accuracy against the size of the device",
			plots.Axis{Label: "programmed and converter bits", Unit: "bit"},
			func(s Summary) float64 { return s.HardwareBits })
		if distinct > 1 {
			add("pareto_test_acc_hardware_bits", hp)
		}
	}
	return out
}

// spansDecades reports whether the final simulated times of the runs
// differ by more than a factor of 100.
func spansDecades(res *Results) bool {
	lo, hi := math.Inf(1), 0.0
	for _, run := range res.Runs {
		if t := run.Summary.SimTime; t > 0 {
			lo, hi = math.Min(lo, t), math.Max(hi, t)
		}
	}
	return hi > 100*lo
}

// paretoOf builds a Pareto figure of mean final test accuracy against the
// mean cost of each group, over its finished runs with a positive cost; it
// also returns the number of distinct costs.
func paretoOf(groups []runGroup, res *Results, title string, costAxis plots.Axis, cost func(Summary) float64) (plots.Pareto, int) {
	p := plots.Pareto{Title: title, Cost: costAxis, Value: plots.Axis{Label: "final test accuracy"}, Maximize: true}
	costs := map[float64]bool{}
	for _, g := range groups {
		var c, acc float64
		n := 0
		for _, j := range g.jobs {
			s := res.Runs[j].Summary
			if s.Outcome != Finished || s.Iterations == 0 || cost(s) <= 0 || math.IsNaN(s.FinalTestAcc) {
				continue
			}
			c += cost(s)
			acc += s.FinalTestAcc
			n++
		}
		if n > 0 {
			p.Points = append(p.Points, plots.ParetoPoint{Label: g.label, Cost: c / float64(n), Value: acc / float64(n)})
			costs[c/float64(n)] = true
		}
	}
	return p, len(costs)
}

// runGroup is the jobs (one per seed) of one line: an optimizer at a point.
type runGroup struct {
	label     string
	reference bool
	jobs      []int
}

// groupRuns groups the runs by (point, optimizer), in job order; the
// groups' jobs index res.Runs.
func groupRuns(res *Results) []runGroup {
	var out []runGroup
	index := map[string]int{}
	for j, run := range res.Runs {
		label := run.Optimizer
		if len(run.Point) > 0 {
			label += " " + shortPoint(run.Point, "")
		}
		k, ok := index[label]
		if !ok {
			k = len(out)
			index[label] = k
			out = append(out, runGroup{label: label, reference: res.kind(run.Optimizer) == "ngd"})
		}
		out[k].jobs = append(out[k].jobs, j)
	}
	return out
}

// kind returns the kind of the optimizer labelled label.
func (res *Results) kind(label string) string {
	if res.Scenario == nil {
		return ""
	}
	for i := range res.Scenario.Optimizers {
		if o := &res.Scenario.Optimizers[i]; o.Label() == label {
			return o.Kind
		}
	}
	return ""
}

// trace extracts the finite (x, y) points of a run's rows.
func trace(rows []Row, x, y func(Row) float64) plots.Trace {
	var t plots.Trace
	for _, r := range rows {
		if yv := y(r); !math.IsNaN(yv) && !math.IsInf(yv, 0) {
			t.X = append(t.X, x(r))
			t.Y = append(t.Y, yv)
		}
	}
	return t
}

func anyFinite(res *Results, v func(Row) float64) bool {
	for _, run := range res.Runs {
		for _, r := range run.Rows {
			if x := v(r); !math.IsNaN(x) && !math.IsInf(x, 0) {
				return true
			}
		}
	}
	return false
}

// numericKeys returns the swept keys whose values are all numbers.
func numericKeys(res *Results) []string {
	var out []string
	for _, k := range res.Keys {
		ok := true
		for _, run := range res.Runs {
			if _, isNum := run.Point.Number(k); !isNum {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, k)
		}
	}
	return out
}

// shortPoint formats the assignments of p other than skip compactly, each
// key shortened to its shortest dotted suffix that no other key of p
// shares: "arrays.bits=4 adc.bits=6 kappa0=0.001".
func shortPoint(p Point, skip string) string {
	var parts []string
	for _, a := range p {
		if a.Key != skip {
			parts = append(parts, fmt.Sprintf("%s=%v", shortKey(a.Key, p), a.Value))
		}
	}
	return strings.Join(parts, " ")
}

// shortKey returns the shortest dotted suffix of key that is not a suffix
// of another key of p.
func shortKey(key string, p Point) string {
	parts := strings.Split(key, ".")
	for n := 1; n < len(parts); n++ {
		suffix := strings.Join(parts[len(parts)-n:], ".")
		unique := true
		for _, a := range p {
			if a.Key != key && (a.Key == suffix || strings.HasSuffix(a.Key, "."+suffix)) {
				unique = false
				break
			}
		}
		if unique {
			return suffix
		}
	}
	return key
}

func optimizerLabels(res *Results) []string {
	var out []string
	for _, run := range res.Runs {
		if !slices.Contains(out, run.Optimizer) {
			out = append(out, run.Optimizer)
		}
	}
	return out
}

// sweepFigure draws a final metric against one swept key: one line per
// optimizer and combination of the other keys, the seeds at each value as
// error bars.
func sweepFigure(res *Results, key string, y plots.Axis, value func(Summary) float64) plots.Spec {
	zipped := res.Scenario != nil && res.Scenario.Sweep.Mode == "zip"
	type line struct {
		xs []float64
		ys map[float64][]float64
	}
	lines := map[string]*line{}
	var order []string
	for _, run := range res.Runs {
		x, _ := run.Point.Number(key)
		label := run.Optimizer
		// In a product sweep the other keys vary independently: one line
		// per combination. In a zip sweep they vary with key: one line.
		if o := shortPoint(run.Point, key); o != "" && !zipped {
			label += " " + o
		}
		l, ok := lines[label]
		if !ok {
			l = &line{ys: map[float64][]float64{}}
			lines[label] = l
			order = append(order, label)
		}
		if _, seen := l.ys[x]; !seen {
			l.xs = append(l.xs, x)
		}
		v := math.NaN() // a run that did not finish has no final value
		if run.Summary.Outcome == Finished {
			v = value(run.Summary)
		}
		l.ys[x] = append(l.ys[x], v)
	}
	sw := plots.Sweep{Title: fmt.Sprintf("%s against %s", y.Label, key), X: plots.Axis{Label: key}, Y: y}
	for _, label := range order {
		l := lines[label]
		slices.Sort(l.xs)
		sl := plots.SweepLine{Label: label, X: l.xs}
		for _, x := range l.xs {
			sl.Y = append(sl.Y, l.ys[x])
		}
		sw.Lines = append(sw.Lines, sl)
	}
	if len(sw.Lines) == 0 {
		return nil
	}
	return sw
}

// heatmap draws the mean final test accuracy of one optimizer over two
// swept keys (averaged over seeds and any other keys).
func heatmap(res *Results, kx, ky, opt string) plots.Spec {
	var xs, ys []float64
	sum := map[[2]float64]float64{}
	cnt := map[[2]float64]int{}
	for _, run := range res.Runs {
		if run.Optimizer != opt {
			continue
		}
		x, _ := run.Point.Number(kx)
		y, _ := run.Point.Number(ky)
		if !slices.Contains(xs, x) {
			xs = append(xs, x)
		}
		if !slices.Contains(ys, y) {
			ys = append(ys, y)
		}
		if a := run.Summary.FinalTestAcc; run.Summary.Outcome == Finished && !math.IsNaN(a) {
			sum[[2]float64{x, y}] += a
			cnt[[2]float64{x, y}]++
		}
	}
	if len(xs) < 2 || len(ys) < 2 {
		return nil
	}
	slices.Sort(xs)
	slices.Sort(ys)
	vals := make([][]float64, len(ys))
	for r, y := range ys {
		vals[r] = make([]float64, len(xs))
		for c, x := range xs {
			k := [2]float64{x, y}
			if cnt[k] == 0 {
				vals[r][c] = math.NaN()
			} else {
				vals[r][c] = sum[k] / float64(cnt[k])
			}
		}
	}
	return plots.Heatmap{
		Title: fmt.Sprintf("final test accuracy of %s", opt),
		X:     plots.Axis{Label: kx}, Y: plots.Axis{Label: ky},
		XValues: xs, YValues: ys, Values: vals,
		Color: plots.Axis{Label: "final test accuracy"},
	}
}

// FileSafe maps a key or name to a file-name fragment, as the figures are
// named: letters, digits, '-' and '_' are kept, anything else becomes '_'.
func FileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

// WriteFigures draws the figures of res into dir (PNG and SVG each). A
// figure that cannot be drawn (no finite data) is skipped and reported in
// the returned error list; the others are still written.
func WriteFigures(dir string, res *Results, smooth int) (written []string, problems []error) {
	for _, nf := range Figures(res, smooth) {
		f, err := nf.Spec.Figure()
		if err != nil {
			problems = append(problems, fmt.Errorf("figure %s: %w", nf.Name, err))
			continue
		}
		if err := f.Save(dir, nf.Name); err != nil {
			problems = append(problems, fmt.Errorf("figure %s: %w", nf.Name, err))
			continue
		}
		written = append(written, nf.Name)
	}
	return written, problems
}
