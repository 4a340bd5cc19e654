package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tngd/tngd/scenarios"
)

// section is one scenario's part of the report.
type section struct {
	// Name is the scenario's name: the base name of scenarios/NAME.toml and
	// of its results directory.
	Name string
	// Command is the command that produced the results, as typed ("" when
	// unknown); Wall the wall time it took in seconds (NaN when unknown).
	Command string
	Wall    float64
	// Shipped is the scenario file as shipped (nil if missing), Res the
	// results (nil when the scenario was not run).
	Shipped *scenarios.Scenario
	Res     *scenarios.Results
	// Figures are the figures embedded, as paths relative to the report.
	Figures []figure
}

// figure is one embedded figure: its base name in DIR/plots and its path
// relative to the report.
type figure struct {
	Name string
	Link string
}

// budget lists how the run was reduced from the shipped scenario: seeds,
// iterations per run, training and test subsets, pre-training and sweep
// points. It returns nil when nothing was reduced. With detail, the sweep
// item names the values of each reduced key.
func budget(shipped, run *scenarios.Scenario, detail bool) []string {
	if shipped == nil || run == nil {
		return nil
	}
	var out []string
	if a, b := len(run.Seeds()), len(shipped.Seeds()); a != b {
		out = append(out, fmt.Sprintf("%d of %d seeds", a, b))
	}
	if a, b := iterations(run), iterations(shipped); a != b {
		out = append(out, fmt.Sprintf("%s of %s iterations per run (%s)", thousands(a), thousands(b), pct(float64(a)/float64(b))))
	}
	if isMNIST(run) {
		if a, b := size(run.Task.MNIST.Train, 10000), size(shipped.Task.MNIST.Train, 10000); a != b {
			out = append(out, fmt.Sprintf("training subset %s of %s images", thousands(a), thousands(b)))
		}
		if a, b := size(run.Task.MNIST.Test, 10000), size(shipped.Task.MNIST.Test, 10000); a != b {
			out = append(out, fmt.Sprintf("test subset %s of %s images", thousands(a), thousands(b)))
		}
	}
	if a, b := run.Task.Pretrain.Epochs, shipped.Task.Pretrain.Epochs; a != b {
		out = append(out, fmt.Sprintf("%d of %d pre-training epochs", a, b))
	}
	pa, _ := run.Sweep.Points()
	pb, _ := shipped.Sweep.Points()
	if len(pa) != len(pb) {
		s := fmt.Sprintf("%d of %d sweep points", len(pa), len(pb))
		var keys []string
		for _, k := range shipped.Sweep.Keys() {
			va, vb := run.Sweep.Params[k], shipped.Sweep.Params[k]
			if len(va) != len(vb) {
				keys = append(keys, fmt.Sprintf("%s %s of %s", shortKey(k), values(va), values(vb)))
			}
		}
		if detail && keys != nil {
			s += " (" + strings.Join(keys, "; ") + ")"
		}
		out = append(out, s)
	}
	return out
}

func values(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = scenarios.FormatValue(v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func isMNIST(s *scenarios.Scenario) bool { return s.Task.Dataset == "" || s.Task.Dataset == "mnist" }

func size(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// iterations returns the number of optimizer steps of one run of s: its
// run.iterations, or epochs × steps per epoch (nn.TrainConfig's defaults:
// 10 epochs, b = 64, the last partial batch kept unless drop_last).
func iterations(s *scenarios.Scenario) int {
	c := s.Run.TrainConfig
	if c.Iterations > 0 {
		return c.Iterations
	}
	epochs := size(c.Epochs, 10)
	b := size(c.BatchSize, 64)
	n := size(s.Task.TeacherStudent.Train, 512)
	if isMNIST(s) {
		n = size(s.Task.MNIST.Train, 10000)
	}
	steps := (n + b - 1) / b
	if c.DropLast {
		steps = n / b
	}
	return epochs * steps
}

// figureCandidates returns, in order of preference, the base names of the
// figures that best show the results of res: learning curves and the time
// split without a sweep; curves, the solve quality and the sweep figure of
// the first key with a small sweep; with a large one (where learning
// curves are unreadable), the heat map, the sweep figures of the two keys
// that change the accuracy most, and the Pareto front when the points
// differ in simulated time per iteration (its cost axis). The sweep figures
// of a zip sweep are left out: each of their lines has a single point.
func figureCandidates(res *scenarios.Results) []string {
	zip := res.Scenario.Sweep.Mode == "zip"
	switch n := len(lines(res)); {
	case len(res.Keys) == 0:
		return []string{"test_acc_vs_iteration", "test_loss_vs_iteration", "test_loss_vs_time", "time_split", "solve_quality"}
	case n <= 12:
		out := []string{"test_loss_vs_iteration"}
		if !zip {
			out = append(out, "sweep_test_loss_"+scenarios.FileSafe(res.Keys[0]))
		}
		return append(out, "solve_quality", "test_acc_vs_iteration")
	default:
		var out []string
		for _, o := range optimizers(res) {
			out = append(out, "heatmap_test_acc_"+scenarios.FileSafe(o))
		}
		if !zip {
			// The two keys with the largest effect on accuracy.
			byEffect := slices.Clone(res.Keys)
			ls := lines(res)
			effect := func(k string) float64 {
				_, acc := marginal(ls, k)
				lo, hi := span(acc)
				return hi - lo
			}
			slices.SortStableFunc(byEffect, func(a, b string) int { return cmpFloat(effect(b), effect(a)) })
			for _, k := range byEffect[:min(2, len(byEffect))] {
				out = append(out, "sweep_test_acc_"+scenarios.FileSafe(k))
			}
		}
		// The Pareto front needs points that differ in cost.
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, l := range lines(res) {
			t := l.stats().PerIter.Total()
			lo, hi = math.Min(lo, t), math.Max(hi, t)
		}
		if hi > lo*(1+1e-9) {
			out = append(out, "pareto_test_acc")
		}
		return out
	}
}

// maxFigures bounds the figures embedded per scenario, to keep the
// committed PNGs small.
const maxFigures = 5

// chooseFigures returns the candidates of res that exist in plotsDir as
// PNG files, at most maxFigures.
func chooseFigures(res *scenarios.Results, plotsDir string) []string {
	var out []string
	for _, name := range figureCandidates(res) {
		if len(out) == maxFigures {
			break
		}
		if _, err := os.Stat(filepath.Join(plotsDir, name+".png")); err == nil && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

func optimizers(res *scenarios.Results) []string {
	var out []string
	for _, r := range res.Runs {
		if !slices.Contains(out, r.Optimizer) {
			out = append(out, r.Optimizer)
		}
	}
	return out
}

// writeReport writes the whole report: the verdicts at a glance, one
// section per scenario, and what remains to run at full budget.
func writeReport(w io.Writer, secs []section) {
	fmt.Fprintln(w, "# Reproduction of the paper's experiments")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "<!-- Code generated by scripts/report from the runs of scripts/reproduce; DO NOT EDIT. -->")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Each section below runs one shipped scenario (`scenarios/NAME.toml`) and compares the measured")
	fmt.Fprintln(w, "numbers with the claims of Donatella et al., *Thermodynamic Natural Gradient Descent*")
	fmt.Fprintln(w, "(arXiv:2405.13817). Verdicts come from fixed rules applied to the numbers (`scripts/report/claims.go`);")
	fmt.Fprintln(w, "a verdict on a reduced budget is a first look, not a reproduction: the budget is stated beside each.")
	fmt.Fprintln(w, "Refresh with `scripts/reproduce` (reduced budget) or `scripts/reproduce --full` (the scenarios as")
	fmt.Fprintln(w, "shipped), or only the report with `scripts/reproduce --report-only`.")
	fmt.Fprintln(w)

	all := make([][]Claim, len(secs))
	for i, s := range secs {
		if s.Res != nil {
			all[i] = claims(s.Res)
		}
	}
	fmt.Fprintln(w, "## Verdicts at a glance")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| paper | claim | verdict | scenario | budget |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for i, s := range secs {
		for _, c := range all[i] {
			if c.Extension || c.Verdict == "" {
				continue
			}
			fmt.Fprintf(w, "| %s | %s | **%s** | [%s](#%s) | %s |\n", c.Figure, cell(c.Paper), c.Verdict, s.Name, anchor(s.Name), cell(budgetWord(s, false)))
		}
	}
	fmt.Fprintln(w)

	for i, s := range secs {
		writeSection(w, s, all[i])
	}

	fmt.Fprintln(w, "## What remains at full budget")
	fmt.Fprintln(w)
	any := false
	for _, s := range secs {
		if s.Res == nil {
			fmt.Fprintf(w, "- %s: not run; `tngd run scenarios/%s.toml`.\n", s.Name, s.Name)
			any = true
			continue
		}
		if b := budget(s.Shipped, s.Res.Scenario, true); b != nil {
			fmt.Fprintf(w, "- %s: run at %s; the full run is `tngd run scenarios/%s.toml --out results/reproduction-full/%s`",
				s.Name, strings.Join(b, ", "), s.Name, s.Name)
			if h := fullCost(s); !math.IsNaN(h) {
				fmt.Fprintf(w, ", about %.1f CPU-hours at the wall time per iteration measured here", h)
			}
			fmt.Fprintln(w, ".")
			any = true
		}
		if len(s.Res.Missing) > 0 {
			fmt.Fprintf(w, "- %s: %d jobs have no results (%s).\n", s.Name, len(s.Res.Missing), strings.Join(s.Res.Missing, ", "))
			any = true
		}
	}
	if !any {
		fmt.Fprintln(w, "Nothing: every scenario ran as shipped.")
	} else {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "`scripts/reproduce --full` runs them all (each file states its cost; spread them with `--shard`, see the README).")
	}
}

// fullCost estimates the CPU-hours of the shipped scenario of s from the
// wall time of its runs here: each run's wall time per iteration times the
// iterations of a full run, scaled by the ratio of full to measured jobs.
// The cost of evaluations on a larger test set is not included. NaN when
// it cannot be estimated.
func fullCost(s section) float64 {
	p1, s1, o1, err1 := s.Shipped.Counts()
	p0, s0, o0, err0 := s.Res.Scenario.Counts()
	if err1 != nil || err0 != nil || len(s.Res.Runs) == 0 {
		return math.NaN()
	}
	full := float64(iterations(s.Shipped))
	var sum float64
	for _, r := range s.Res.Runs {
		if r.Summary.Iterations > 0 {
			sum += r.Summary.Wall / float64(r.Summary.Iterations) * full
		}
	}
	return sum * float64(p1*s1*o1) / float64(p0*s0*o0) / 3600
}

// budgetWord is the budget of a section in a few words, with the values
// of reduced sweeps when detail is set.
func budgetWord(s section, detail bool) string {
	if s.Res == nil {
		return "not run"
	}
	if b := budget(s.Shipped, s.Res.Scenario, detail); b != nil {
		return "reduced: " + strings.Join(b, ", ")
	}
	return "full"
}

// anchor returns the GitHub anchor of a "## NAME" heading.
func anchor(name string) string { return strings.ToLower(scenarios.FileSafe(name)) }

// writeSection writes one scenario: command and budget, figures, tables
// and the comparison with the paper.
func writeSection(w io.Writer, s section, cl []Claim) {
	fmt.Fprintf(w, "## %s\n\n", s.Name)
	if s.Shipped != nil && s.Shipped.Description != "" {
		fmt.Fprintf(w, "%s.\n\n", strings.TrimSuffix(s.Shipped.Description, "."))
	}
	if s.Res == nil {
		fmt.Fprintf(w, "Not run. Run it with `scripts/reproduce %s` or `tngd run scenarios/%s.toml`.\n\n", s.Name, s.Name)
		return
	}
	if s.Command != "" {
		fmt.Fprintf(w, "```sh\n%s\n```\n\n", s.Command)
	}
	var wall float64
	for _, r := range s.Res.Runs {
		wall += r.Summary.Wall
	}
	fmt.Fprintf(w, "**Budget:** %s. ", budgetWord(s, true))
	fmt.Fprintf(w, "%d runs, %s of wall time in the runs", len(s.Res.Runs), wallTime(wall))
	if !math.IsNaN(s.Wall) {
		fmt.Fprintf(w, " (%s for the whole command)", wallTime(s.Wall))
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintln(w)

	for _, f := range s.Figures {
		fmt.Fprintf(w, "![%s: %s](%s)\n", s.Name, strings.ReplaceAll(f.Name, "_", " "), f.Link)
	}
	if len(s.Figures) > 0 {
		fmt.Fprintln(w)
	}

	ls := lines(s.Res)
	keys := s.Res.Keys
	head := []string{"optimizer"}
	for _, k := range keys {
		head = append(head, shortKey(k))
	}
	fmt.Fprintln(w, "Final and best values are means over the seeds of the runs that finished; the solve cosine compares the")
	fmt.Fprintln(w, "natural-gradient estimate g̃ with the exact (F + λI)⁻¹∇ℓ of the same step; clipped and saturated count")
	fmt.Fprintln(w, "the values clipped by arrays and converters and the op-amp outputs at their rails, per run.")
	fmt.Fprintln(w)
	row := func(cells ...string) { fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | ")) }
	h1 := append(slices.Clone(head), "iterations", "final test acc", "best test acc", "final test loss", "best test loss", "solve cos", "clipped", "saturated", "outcome")
	row(h1...)
	row(slices.Repeat([]string{"---"}, len(h1))...)
	for _, l := range ls {
		st := l.stats()
		c := []string{cell(l.Optimizer)}
		for _, k := range keys {
			c = append(c, pointString(l.Point, k))
		}
		c = append(c, fmt.Sprint(st.Iterations), pct(st.FinalAcc), pct(st.BestAcc), loss(st.FinalLoss), loss(st.BestLoss),
			num(st.SolveCos), count(st.Clipped), count(st.Saturated), outcomes(st))
		row(c...)
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "Simulated time of one iteration on the hybrid machine, mean over the runs, and its split by phase:")
	fmt.Fprintln(w)
	h2 := append(slices.Clone(head), "per iteration", "digital", "upload", "analog", "readout")
	row(h2...)
	row(slices.Repeat([]string{"---"}, len(h2))...)
	for _, l := range ls {
		st := l.stats()
		p := st.PerIter
		c := []string{cell(l.Optimizer)}
		for _, k := range keys {
			c = append(c, pointString(l.Point, k))
		}
		t := p.Total()
		c = append(c, seconds(t), split(p.Digital, t), split(p.Upload, t), split(p.Analog, t), split(p.Readout, t))
		row(c...)
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "### Against the paper")
	fmt.Fprintln(w)
	if len(cl) == 0 {
		fmt.Fprintln(w, "No rule applies to what this scenario compared.")
		fmt.Fprintln(w)
		return
	}
	b := budgetWord(s, false)
	if !slices.ContainsFunc(cl, func(c Claim) bool { return !c.Extension }) {
		fmt.Fprintln(w, "None of the paper's claims covers this scenario.")
	}
	for _, c := range cl {
		if c.Extension {
			continue
		}
		fmt.Fprintf(w, "- **%s** (%s: %s): %s. *Budget: %s.*\n", c.Verdict, c.Figure, c.Paper, c.Evidence, b)
	}
	var ext []Claim
	for _, c := range cl {
		if c.Extension {
			ext = append(ext, c)
		}
	}
	if len(ext) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Beyond the paper (what the simulated circuit and the extra baselines add):")
		fmt.Fprintln(w)
		for _, c := range ext {
			v := ""
			if c.Verdict != "" {
				v = fmt.Sprintf("**%s** ", c.Verdict)
			}
			fmt.Fprintf(w, "- %s%s (%s): %s. *Budget: %s.*\n", v, c.Paper, c.Figure, c.Evidence, b)
		}
	}
	fmt.Fprintln(w)
}

// split formats one phase as "1.2 ms (34 %)".
func split(v, total float64) string {
	if math.IsNaN(v) {
		return dash
	}
	return fmt.Sprintf("%s (%s)", seconds(v), share(v, total))
}

func pointString(p scenarios.Point, key string) string {
	for _, a := range p {
		if a.Key == key {
			return cell(scenarios.FormatValue(a.Value))
		}
	}
	return dash
}

// outcomes formats the outcome counts of a line: "finished" when all
// finished, else "1 finished, 2 diverged".
func outcomes(st stats) string {
	if st.Finished == st.Seeds {
		return "finished"
	}
	var parts []string
	for _, o := range []scenarios.Outcome{scenarios.Finished, scenarios.Diverged, scenarios.Failed} {
		if n := st.Outcomes[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	return strings.Join(parts, ", ")
}

// wallTime formats a wall time in seconds as "12 min 5 s" or "41 s".
func wallTime(s float64) string {
	if math.IsNaN(s) {
		return dash
	}
	if s < 60 {
		return fmt.Sprintf("%.0f s", s)
	}
	m := math.Floor(s / 60)
	return fmt.Sprintf("%.0f min %.0f s", m, s-60*m)
}
