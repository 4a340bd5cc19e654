package main

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tngd/tngd/scenarios"
)

// Verdict is how a measured result compares with one of the paper's claims.
type Verdict string

const (
	Agrees       Verdict = "agrees"
	PartlyAgrees Verdict = "partly agrees"
	Disagrees    Verdict = "disagrees"
	Inconclusive Verdict = "inconclusive" // the data do not decide
)

// Claim is one of the paper's claims checked against a scenario's results.
// Figure names the paper's figure, Paper states the claim, Evidence the
// measured numbers behind Verdict. Extension marks findings the paper did
// not (or could not) report; they have no verdict when Verdict is "".
type Claim struct {
	Figure    string
	Paper     string
	Verdict   Verdict
	Evidence  string
	Extension bool
}

// Thresholds of the rules, fixed here so that every verdict uses the same
// yardsticks.
const (
	// closeFraction: a run "reaches" another's result when its improvement
	// from the initial value (test loss or accuracy) is at least this
	// fraction of the other's. 0.9 leaves room for the run-to-run spread of
	// a single seed on short budgets.
	closeFraction = 0.9
	// minEffect: a change of a final metric smaller than this fraction of
	// its value counts as no effect; see metric.floor for the accuracy's
	// own noise floor. With two or more seeds a change must also exceed two
	// standard errors of the paired differences.
	minEffect = 0.01
	// paperCostRatio is the paper's estimate of the time of a TNGD
	// iteration relative to Adam's ("about 2×"); a measured ratio within a
	// factor of two of it agrees.
	paperCostRatio = 2.0
	// uploadDominates: upload "dominates" an iteration above this share.
	uploadDominates = 0.5
)

// metric is a measure of a run that the rules compare: the test loss
// (lower is better) or the test accuracy (higher is better). Every claim is
// checked on both; they agree when both metrics agree.
type metric struct {
	Name   string
	Lower  bool // lower is better
	final  func(stats) float64
	init   func(stats) float64
	series func(curve) []float64
	format func(float64) string
}

// floor returns the smallest difference between two final values a and b
// of m, measured on a test set of n samples, that the rules count as a
// change: minEffect of their size, and for the accuracy at least two
// standard errors of the difference of two accuracies measured on n
// samples, 2·√2·√(p(1−p)/n) with p their mean (independent samples; the
// two runs share the test set, so this overstates the error and errs
// towards "no change"). At p = 0.9 and n = 2 000 that is 1.9 points.
func (m metric) floor(a, b float64, n int) float64 {
	f := minEffect * math.Max(math.Abs(a), math.Abs(b))
	if !m.Lower && n > 0 {
		p := (a + b) / 2
		f = math.Max(f, 2*math.Sqrt2*math.Sqrt(p*(1-p)/float64(n)))
	}
	return f
}

var (
	testAcc = metric{Name: "test accuracy",
		final: func(s stats) float64 { return s.FinalAcc }, init: func(s stats) float64 { return s.InitAcc },
		series: func(c curve) []float64 { return c.Acc }, format: pct}
	testLoss = metric{Name: "test loss", Lower: true,
		final: func(s stats) float64 { return s.FinalLoss }, init: func(s stats) float64 { return s.InitLoss },
		series: func(c curve) []float64 { return c.Loss }, format: loss}
	// metrics are checked in this order: the paper's figures show accuracy.
	metrics = []metric{testAcc, testLoss}
)

// better reports whether a is strictly better than b.
func (m metric) better(a, b float64) bool {
	if m.Lower {
		return a < b
	}
	return a > b
}

// atLeast reports whether a is at least as good as b.
func (m metric) atLeast(a, b float64) bool { return !m.better(b, a) }

// worse returns the worse of a and b.
func (m metric) worse(a, b float64) float64 {
	if m.better(a, b) {
		return b
	}
	return a
}

// improvement returns how much of ref's improvement (from its initial to
// its final value of m) s achieved, or NaN when ref did not improve.
func (m metric) improvement(s, ref stats) float64 {
	d := m.final(ref) - m.init(ref)
	if m.Lower {
		d = -d
	}
	if !(d > 0) {
		return math.NaN()
	}
	g := m.final(s) - m.init(s)
	if m.Lower {
		g = -g
	}
	return g / d
}

// combine merges the verdicts of the two metrics: the same verdict stands;
// an inconclusive one defers to the other; otherwise they partly agree.
func combine(vs ...Verdict) Verdict {
	var out Verdict
	for _, v := range vs {
		switch {
		case v == Inconclusive:
		case out == "":
			out = v
		case out != v:
			out = PartlyAgrees
		}
	}
	if out == "" {
		return Inconclusive
	}
	return out
}

// checkBoth runs a rule on each metric, combines the verdicts and joins the
// evidence.
func checkBoth(c Claim, rule func(m metric) (Verdict, string)) Claim {
	var vs []Verdict
	var ev []string
	for _, m := range metrics {
		v, e := rule(m)
		vs = append(vs, v)
		ev = append(ev, fmt.Sprintf("on %s (%s): %s", m.Name, v, e))
	}
	c.Verdict = combine(vs...)
	c.Evidence = strings.Join(ev, "; ")
	return c
}

// claims applies every rule whose optimizers and swept keys res has. The
// rules look at what was compared and swept, not at the scenario's name.
func claims(res *scenarios.Results) []Claim {
	ls := lines(res)
	var out []Claim
	if len(res.Keys) == 0 {
		out = append(out, tngdVersusAdam(ls)...)
		out = append(out, finetuneOrder(ls)...)
		out = append(out, beyondBaselines(ls)...)
	}
	if k := sweptKey(res, "window.time"); k != "" {
		out = append(out, analogTime(ls, k)...)
	}
	if k := sweptKey(res, "window.delay"); k != "" {
		out = append(out, delayMomentum(ls, k)...)
	}
	if sweptKey(res, "kappa0") != "" || sweptKey(res, "injected_psd") != "" {
		out = append(out, noiseThreshold(res, ls)...)
	} else if hardwareKeys(res) != nil {
		out = append(out, codesign(res, ls)...)
	}
	out = append(out, circuitFindings(ls)...)
	return out
}

// byKind returns the lines of the given optimizer kind.
func byKind(ls []*line, kind string) []*line {
	var out []*line
	for _, l := range ls {
		if l.Kind == kind {
			out = append(out, l)
		}
	}
	return out
}

// tngdVersusAdam checks Fig. 3: TNGD beats Adam per iteration and per
// (simulated) time, and a TNGD iteration costs about twice Adam's.
//
// Per iteration, on each metric: TNGD is compared with Adam at every
// evaluation after the start; agrees when TNGD is better at the last one
// and at most of them, partly when only one of the two holds.
//
// Per time, on each metric: the target is the worse of the two final
// values, which both runs reach; agrees when TNGD reaches it first in
// simulated time.
func tngdVersusAdam(ls []*line) []Claim {
	tn, ad := byKind(ls, "tngd"), byKind(ls, "adam")
	if len(tn) != 1 || len(ad) != 1 || len(byKind(ls, "tngd-adam")) > 0 {
		return nil
	}
	t, a := tn[0], ad[0]
	ct, ca := t.curve(), a.curve()
	st, sa := t.stats(), a.stats()

	perIter := checkBoth(Claim{Figure: "Fig. 3", Paper: "TNGD trains faster than Adam per iteration"}, func(m metric) (Verdict, string) {
		ahead, n := 0, 0
		for i, it := range ct.Iter {
			if it == 0 {
				continue
			}
			if va := ca.at(m, it); !math.IsNaN(va) {
				n++
				if m.better(m.series(ct)[i], va) {
					ahead++
				}
			}
		}
		ft, fa := m.final(st), m.final(sa)
		if n == 0 || math.IsNaN(ft) || math.IsNaN(fa) {
			return Inconclusive, "no common evaluations of finished runs"
		}
		return both(m.better(ft, fa), 2*ahead > n), fmt.Sprintf("TNGD ahead at %d of %d evaluations, final %s against Adam's %s after %d iterations",
			ahead, n, m.format(ft), m.format(fa), st.Iterations)
	})

	perTime := checkBoth(Claim{Figure: "Fig. 3", Paper: "TNGD trains faster than Adam per unit of time"}, func(m metric) (Verdict, string) {
		target := m.worse(m.final(st), m.final(sa))
		if math.IsNaN(target) {
			return Inconclusive, "no finished runs"
		}
		it, ia := ct.reach(m, target), ca.reach(m, target)
		if it < 0 || ia < 0 {
			return Inconclusive, "a mean curve does not reach the worse final value"
		}
		tt, ta := ct.Time[it], ca.Time[ia]
		v := Disagrees
		if tt <= ta {
			v = Agrees
		}
		return v, fmt.Sprintf("%s reached after %s of simulated time by TNGD (iteration %d) and %s by Adam (iteration %d), TNGD taking %s the time",
			m.format(target), seconds(tt), ct.Iter[it], seconds(ta), ca.Iter[ia], ratio(tt, ta))
	})

	cost := Claim{Figure: "Runtime", Paper: fmt.Sprintf("a TNGD iteration costs about %g× an Adam iteration", paperCostRatio)}
	pt, pa := st.PerIter.Total(), sa.PerIter.Total()
	if math.IsNaN(pt) || math.IsNaN(pa) || pa <= 0 {
		cost.Verdict, cost.Evidence = Inconclusive, "no time split"
	} else {
		cost.Verdict = Disagrees
		if pt/pa <= 2*paperCostRatio {
			cost.Verdict = Agrees
		}
		noUpload := pt - st.PerIter.Upload
		cost.Evidence = fmt.Sprintf("simulated time per iteration %s (TNGD) against %s (Adam), %s; of TNGD's, upload %s, digital %s, analog window %s, readout %s; without the upload, which the paper's estimate leaves out, %s",
			seconds(pt), seconds(pa), ratio(pt, pa), share(st.PerIter.Upload, pt), share(st.PerIter.Digital, pt), share(st.PerIter.Analog, pt), share(st.PerIter.Readout, pt), ratio(noUpload, pa))
	}
	return []Claim{perIter, perTime, cost}
}

// beyondBaselines compares TNGD with the digital natural-gradient solvers
// the paper left out (NGD-CG, NGD-Woodbury, exact NGD): the fraction of
// their improvement TNGD reaches on each metric, and their cost per
// iteration.
func beyondBaselines(ls []*line) []Claim {
	tn := byKind(ls, "tngd")
	if len(tn) != 1 {
		return nil
	}
	st := tn[0].stats()
	var parts []string
	for _, l := range ls {
		if l.Kind != "ngd" && l.Kind != "ngd-cg" && l.Kind != "ngd-woodbury" {
			continue
		}
		s := l.stats()
		parts = append(parts, fmt.Sprintf("%s reaches %s (accuracy) and %s (loss) of %s's improvement; %s costs %s per iteration against TNGD's %s",
			tn[0].Optimizer, pct(testAcc.improvement(st, s)), pct(testLoss.improvement(st, s)), l.Optimizer, l.Optimizer, seconds(s.PerIter.Total()), seconds(st.PerIter.Total())))
	}
	if parts == nil {
		return nil
	}
	return []Claim{{Figure: "Reviewers", Paper: "TNGD beside the digital natural-gradient baselines", Evidence: strings.Join(parts, "; "), Extension: true}}
}

// analogTime checks Fig. 4a: the longer the analog window t, the closer
// TNGD gets to exact NGD, which it about matches at the largest t (50 τ).
// Closeness is the fraction of exact NGD's improvement TNGD reaches, on
// each metric. "Improves with t" agrees when that fraction never decreases
// and increases between some pair of t, partly when it increases between
// more pairs of t than it decreases; changes below the noise floor of the
// metric (metric.floor, in units of the NGD improvement) count as none. "Close to NGD" agrees when the largest t
// reaches closeFraction.
func analogTime(ls []*line, key string) []Claim {
	type pt struct {
		t  float64
		st stats
		l  *line
	}
	var refs []stats
	var pts []pt
	for _, l := range ls {
		switch l.Kind {
		case "ngd", "ngd-woodbury":
			refs = append(refs, l.stats())
		case "tngd":
			if t, ok := l.Point.Number(key); ok {
				pts = append(pts, pt{t: t, st: l.stats(), l: l})
			}
		}
	}
	if len(pts) < 2 || len(refs) == 0 {
		return nil
	}
	// The reference does not depend on t: average its runs at every point.
	var ref stats
	var il, ia, fl, fa mean
	for _, r := range refs {
		il.add(r.InitLoss)
		ia.add(r.InitAcc)
		fl.add(r.FinalLoss)
		fa.add(r.FinalAcc)
	}
	ref.InitLoss, ref.InitAcc, ref.FinalLoss, ref.FinalAcc = il.value(), ia.value(), fl.value(), fa.value()
	slices.SortFunc(pts, func(a, b pt) int { return cmpFloat(a.t, b.t) })
	var cos []string
	for _, p := range pts {
		cos = append(cos, fmt.Sprintf("%s at t = %gτ", num(p.st.SolveCos), p.t))
	}

	grows := checkBoth(Claim{Figure: "Fig. 4a", Paper: "TNGD improves as the analog time t grows"}, func(m metric) (Verdict, string) {
		fr := make([]float64, len(pts))
		var desc []string
		for i, p := range pts {
			fr[i] = m.improvement(p.st, ref)
			desc = append(desc, fmt.Sprintf("%s at t = %gτ", pct(fr[i]), p.t))
		}
		ev := fmt.Sprintf("fraction of exact NGD's improvement (%s → %s): %s", m.format(m.init(ref)), m.format(m.final(ref)), strings.Join(desc, ", "))
		if slices.ContainsFunc(fr, math.IsNaN) {
			return Inconclusive, ev
		}
		// The noise floor of the final values, in units of the NGD
		// improvement.
		var fin mean
		for _, p := range pts {
			fin.add(m.final(p.st))
		}
		tol := m.floor(fin.value(), fin.value(), pts[0].l.Test) / math.Abs(m.final(ref)-m.init(ref))
		up, down := trend(fr, tol)
		switch {
		case up == 0 && down == 0:
			return Disagrees, ev + fmt.Sprintf(" (no two differ by more than the noise floor, %s of it)", pct(tol))
		case down == 0:
			return Agrees, ev
		case up > down:
			return PartlyAgrees, ev
		}
		return Disagrees, ev
	})

	// The physics behind the claim: the estimate approaches the exact
	// natural gradient as t grows, whatever it does to training.
	cs := make([]float64, len(pts))
	for i, p := range pts {
		cs[i] = p.st.SolveCos
	}
	word := "does not approach"
	if up, down := trend(cs, 0); down == 0 && up > 0 {
		word = "approaches"
	}
	solve := Claim{Figure: "Fig. 4a", Paper: "the device's estimate against t", Extension: true,
		Evidence: fmt.Sprintf("the estimate %s the exact natural gradient as t grows: mean solve cosine %s", word, strings.Join(cos, ", "))}

	last := pts[len(pts)-1]
	near := checkBoth(Claim{Figure: "Fig. 4a", Paper: fmt.Sprintf("at t = %gτ TNGD is close to exact NGD", last.t)}, func(m metric) (Verdict, string) {
		f := m.improvement(last.st, ref)
		ev := fmt.Sprintf("t = %gτ reaches %s of the NGD improvement (threshold %s), final %s against NGD's %s",
			last.t, pct(f), pct(closeFraction), m.format(m.final(last.st)), m.format(m.final(ref)))
		switch {
		case math.IsNaN(f):
			return Inconclusive, ev
		case f >= closeFraction:
			return Agrees, ev
		}
		return Disagrees, ev
	})
	return []Claim{grows, near, solve}
}

// trend counts the pairs i < j of vs with vs[j] − vs[i] > tol (up) and
// < −tol (down); NaN values count in neither.
func trend(vs []float64, tol float64) (up, down int) {
	for i := range vs {
		for j := i + 1; j < len(vs); j++ {
			switch d := vs[j] - vs[i]; {
			case d > tol:
				up++
			case d < -tol:
				down++
			}
		}
	}
	return up, down
}

// delayMomentum checks Fig. 4b: a delay t_d > 0 helps, like momentum. On
// each metric, the final value at each delay is compared with that at the
// smallest delay run (t_d = 0): a clear improvement is a change of at least
// the metric's noise floor (metric.floor) and, with two or more seeds, of
// at least two standard errors of the paired differences. Agrees when every t_d > 0 improves
// clearly, partly when some do.
func delayMomentum(ls []*line, key string) []Claim {
	type pt struct {
		d float64
		l *line
	}
	var pts []pt
	for _, l := range ls {
		if !l.thermodynamic() {
			continue
		}
		if d, ok := l.Point.Number(key); ok {
			pts = append(pts, pt{d, l})
		}
	}
	if len(pts) < 2 {
		return nil
	}
	slices.SortFunc(pts, func(a, b pt) int { return cmpFloat(a.d, b.d) })
	base := pts[0]
	bs := base.l.stats()
	c := checkBoth(Claim{Figure: "Fig. 4b", Paper: "a delay t_d > 0 acts like momentum and improves training"}, func(m metric) (Verdict, string) {
		better := 0
		var desc []string
		for _, p := range pts[1:] {
			s := p.l.stats()
			d, se := pairedDiff(m, base.l, p.l)
			clear := math.Abs(d) >= m.floor(m.final(bs), m.final(s), p.l.Test) && (math.IsNaN(se) || math.Abs(d) >= 2*se)
			word := "no clear change"
			switch {
			case clear && m.better(d, 0):
				better++
				word = "better"
			case clear:
				word = "worse"
			}
			desc = append(desc, fmt.Sprintf("%s at t_d = %gτ (%s)", m.format(m.final(s)), p.d, word))
		}
		ev := fmt.Sprintf("%s at t_d = %gτ against %s", m.format(m.final(bs)), base.d, strings.Join(desc, ", "))
		switch {
		case math.IsNaN(m.final(bs)):
			return Inconclusive, ev
		case better == len(pts)-1:
			return Agrees, ev
		case better > 0:
			return PartlyAgrees, ev
		}
		return Disagrees, ev
	})
	var cos []string
	for _, p := range pts {
		cos = append(cos, fmt.Sprintf("%s at t_d = %gτ", num(p.l.stats().SolveCos), p.d))
	}
	c.Evidence += "; mean solve cosine " + strings.Join(cos, ", ")
	return []Claim{c}
}

// pairedDiff returns the mean over common seeds of metric m's final value
// of b minus that of a, and its standard error (NaN with fewer than two
// seeds).
func pairedDiff(m metric, a, b *line) (diff, se float64) {
	final := func(r *scenarios.Record) float64 {
		if m.Lower {
			return r.Summary.FinalTestLoss
		}
		return r.Summary.FinalTestAcc
	}
	fa := map[uint64]float64{}
	for _, r := range a.Runs {
		if r.Summary.Outcome == scenarios.Finished {
			fa[r.Seed] = final(r)
		}
	}
	var ds []float64
	for _, r := range b.Runs {
		if v, ok := fa[r.Seed]; ok && r.Summary.Outcome == scenarios.Finished {
			ds = append(ds, final(r)-v)
		}
	}
	if len(ds) == 0 {
		return math.NaN(), math.NaN()
	}
	var mu float64
	for _, d := range ds {
		mu += d
	}
	mu /= float64(len(ds))
	if len(ds) < 2 {
		return mu, math.NaN()
	}
	var ss float64
	for _, d := range ds {
		ss += (d - mu) * (d - mu)
	}
	return mu, math.Sqrt(ss / float64(len(ds)-1) / float64(len(ds)))
}

// noiseThreshold checks Fig. 7: at t = τ, noise κ₀ ≤ 1e-2 barely matters
// and κ₀ = 1e-1 hurts. For each thermodynamic optimizer and metric, the
// improvement at each noise level is compared with that at the lowest
// level run: "barely matters" is at least closeFraction of it, "hurts" is
// less. The paper's setting is the ideal device at t = τ; the verdict is
// taken on it (the first such optimizer), and the other optimizers are
// reported as extensions.
func noiseThreshold(res *scenarios.Results, ls []*line) []Claim {
	kkey := sweptKey(res, "kappa0")
	level := func(l *line) float64 {
		if l.Device == "ideal" {
			return l.Kappa0
		}
		// The circuit's noise is swept alongside (zip); label its level by
		// the κ₀ of the ideal optimizers at the same point.
		if v, ok := l.Point.Number(kkey); ok {
			return v
		}
		return math.NaN()
	}
	byOpt := map[string][]*line{}
	var order []string
	for _, l := range ls {
		if !l.thermodynamic() {
			continue
		}
		if _, ok := byOpt[l.Optimizer]; !ok {
			order = append(order, l.Optimizer)
		}
		byOpt[l.Optimizer] = append(byOpt[l.Optimizer], l)
	}
	paper := ""
	for _, o := range order {
		if l := byOpt[o][0]; l.Device == "ideal" && l.Window == 1 {
			paper = o
			break
		}
	}
	var out []Claim
	for _, o := range order {
		group := byOpt[o]
		slices.SortFunc(group, func(a, b *line) int { return cmpFloat(level(a), level(b)) })
		if len(group) < 2 || math.IsNaN(level(group[0])) {
			continue
		}
		ref := group[0].stats()
		var cos []string
		for _, l := range group {
			cos = append(cos, fmt.Sprintf("%s at κ₀ = %g", num(l.stats().SolveCos), level(l)))
		}
		c := checkBoth(Claim{Figure: "Fig. 7", Paper: "at t = τ, noise κ₀ ≤ 1e-2 barely matters and κ₀ = 1e-1 hurts", Extension: o != paper}, func(m metric) (Verdict, string) {
			var small, large []bool
			var desc []string
			for _, l := range group[1:] {
				s := l.stats()
				f := m.improvement(s, ref)
				k := level(l)
				near := f >= closeFraction
				switch {
				case k <= 1e-2*(1+1e-9):
					small = append(small, near)
				case k <= 1e-1*(1+1e-9):
					large = append(large, !near)
				}
				desc = append(desc, fmt.Sprintf("%s of it at κ₀ = %g (final %s)", pct(f), k, m.format(m.final(s))))
			}
			ev := fmt.Sprintf("improvement against κ₀ = %g (%s → %s): %s", level(group[0]), m.format(m.init(ref)), m.format(m.final(ref)), strings.Join(desc, ", "))
			if len(small) == 0 || len(large) == 0 || math.IsNaN(m.final(ref)) {
				return Inconclusive, ev
			}
			return both(!slices.Contains(small, false), !slices.Contains(large, false)), ev
		})
		c.Evidence = fmt.Sprintf("%s (%s device, t = %gτ): %s; mean solve cosine %s", o, group[0].Device, group[0].Window, c.Evidence, strings.Join(cos, ", "))
		out = append(out, c)
	}
	return out
}

// finetuneOrder checks Fig. 5: in fine-tuning, TNGD-Adam beats Adam, which
// beats plain TNGD, on each metric. Agrees when both inequalities hold,
// partly when one does.
func finetuneOrder(ls []*line) []Claim {
	ta, ad, tn := byKind(ls, "tngd-adam"), byKind(ls, "adam"), byKind(ls, "tngd")
	if len(ta) != 1 || len(ad) != 1 || len(tn) != 1 {
		return nil
	}
	a, b, c := ta[0].stats(), ad[0].stats(), tn[0].stats()
	cl := checkBoth(Claim{Figure: "Fig. 5", Paper: "in fine-tuning, TNGD-Adam > Adam > TNGD"}, func(m metric) (Verdict, string) {
		fa, fb, fc := m.final(a), m.final(b), m.final(c)
		ev := fmt.Sprintf("final %s (TNGD-Adam), %s (Adam), %s (TNGD)", m.format(fa), m.format(fb), m.format(fc))
		if math.IsNaN(fa) || math.IsNaN(fb) || math.IsNaN(fc) {
			return Inconclusive, ev
		}
		return both(m.better(fa, fb), m.better(fb, fc)), ev
	})
	return []Claim{cl}
}

// marginal returns the values xs of the swept key in ascending order and,
// at each, the mean final test accuracy of the finished runs of ls
// (averaged over the other keys and the seeds; NaN without one).
func marginal(ls []*line, key string) (xs, acc []float64) {
	sums := map[float64]*mean{}
	for _, l := range ls {
		x, _ := l.Point.Number(key)
		if sums[x] == nil {
			sums[x] = &mean{}
			xs = append(xs, x)
		}
		for _, r := range l.Runs {
			if r.Summary.Outcome == scenarios.Finished {
				sums[x].add(r.Summary.FinalTestAcc)
			}
		}
	}
	slices.Sort(xs)
	for _, x := range xs {
		acc = append(acc, sums[x].value())
	}
	return xs, acc
}

// span returns the smallest and largest finite values of vs (+Inf and
// −Inf without one).
func span(vs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return lo, hi
}

// hardwareKeys returns the numeric swept keys of the hardware.
func hardwareKeys(res *scenarios.Results) []string {
	var out []string
	for _, k := range res.Keys {
		if !strings.HasPrefix(k, "hardware.") {
			continue
		}
		numeric := true
		for _, r := range res.Runs {
			if _, ok := r.Point.Number(k); !ok {
				numeric = false
			}
		}
		if numeric {
			out = append(out, k)
		}
	}
	return out
}

// codesign summarises a hardware sweep the paper could not run: the mean
// final test accuracy at each value of each swept hardware key (averaged
// over the other keys and the seeds, finished runs only), keys ordered by
// how much they matter, and for bits the fewest within one percentage
// point of the best; then where values were clipped or saturated.
func codesign(res *scenarios.Results, ls []*line) []Claim {
	type effect struct {
		key  string
		text string
		span float64
	}
	var effects []effect
	for _, k := range hardwareKeys(res) {
		xs, acc := marginal(ls, k)
		var vals []string
		for i, x := range xs {
			vals = append(vals, fmt.Sprintf("%s at %g", pct(acc[i]), x))
		}
		text := fmt.Sprintf("%s: %s", shortKey(k), strings.Join(vals, ", "))
		lo, hi := span(acc)
		if strings.HasSuffix(k, "bits") {
			for i, x := range xs {
				if acc[i] >= hi-0.01 {
					text += fmt.Sprintf(", the fewest bits within 1 point of the best: %g", x)
					break
				}
			}
		}
		effects = append(effects, effect{k, fmt.Sprintf("%s (range %.1f points)", text, 100*(hi-lo)), hi - lo})
	}
	if len(effects) == 0 {
		return nil
	}
	slices.SortStableFunc(effects, func(a, b effect) int { return cmpFloat(b.span, a.span) })
	var texts []string
	for _, e := range effects {
		texts = append(texts, e.text)
	}
	out := []Claim{{Figure: "Co-design", Paper: "accuracy against bits and programming mismatch", Extension: true,
		Evidence: "mean final test accuracy over the other keys, by decreasing effect: " + strings.Join(texts, "; ")}}

	// Averages hide interactions: split every other key by the values of
	// the key that matters most.
	if len(effects) > 1 {
		top := effects[0].key
		tx, _ := marginal(ls, top)
		var parts []string
		for _, e := range effects[1:] {
			var at []string
			for _, v := range tx {
				var sub []*line
				for _, l := range ls {
					if x, _ := l.Point.Number(top); x == v {
						sub = append(sub, l)
					}
				}
				xs, acc := marginal(sub, e.key)
				var vals []string
				for i, x := range xs {
					vals = append(vals, fmt.Sprintf("%s at %g", pct(acc[i]), x))
				}
				at = append(at, fmt.Sprintf("with %s = %g: %s", shortKey(top), v, strings.Join(vals, ", ")))
			}
			parts = append(parts, fmt.Sprintf("%s %s", shortKey(e.key), strings.Join(at, "; ")))
		}
		out = append(out, Claim{Figure: "Co-design", Paper: fmt.Sprintf("accuracy by %s and each other key", shortKey(top)), Extension: true,
			Evidence: "mean final test accuracy: " + strings.Join(parts, " | ")})
	}

	var clipped, saturated, total int
	var maxClip, maxSat float64
	var maxClipAt, maxSatAt string
	for _, l := range ls {
		s := l.stats()
		total++
		if s.Clipped > 0 {
			clipped++
			if s.Clipped > maxClip {
				maxClip, maxClipAt = s.Clipped, l.Label()
			}
		}
		if s.Saturated > 0 {
			saturated++
			if s.Saturated > maxSat {
				maxSat, maxSatAt = s.Saturated, l.Label()
			}
		}
	}
	ev := fmt.Sprintf("values clipped by the arrays or converters at %d of %d hardware points", clipped, total)
	if clipped > 0 {
		ev += fmt.Sprintf(" (most: %s per run, at %s)", count(maxClip), maxClipAt)
	}
	ev += fmt.Sprintf("; op-amp outputs saturated at %d", saturated)
	if saturated > 0 {
		ev += fmt.Sprintf(" (most: %s per run, at %s)", count(maxSat), maxSatAt)
	}
	out = append(out, Claim{Figure: "Co-design", Paper: "clipping and saturation", Extension: true, Evidence: ev})
	return out
}

// circuitFindings reports what the simulated circuit adds for each
// thermodynamic optimizer: the share of upload (DAC conversion and array
// programming over the link) in its simulated time per iteration, the
// values clipped or saturated (means over its lines), and the runs that
// diverged or failed.
func circuitFindings(ls []*line) []Claim {
	var out []Claim
	seen := map[string]bool{}
	for _, l := range ls {
		if !l.thermodynamic() || seen[l.Optimizer] {
			continue
		}
		seen[l.Optimizer] = true
		var up, tot, clip, sat mean
		for _, m := range ls {
			if m.Optimizer == l.Optimizer {
				s := m.stats()
				up.add(s.PerIter.Upload)
				tot.add(s.PerIter.Total())
				clip.add(s.Clipped)
				sat.add(s.Saturated)
			}
		}
		u, t := up.value(), tot.value()
		if math.IsNaN(t) || t <= 0 {
			continue
		}
		word := "does not dominate"
		if u/t > uploadDominates {
			word = "dominates"
		}
		ev := fmt.Sprintf("%s (%s device): upload %s, %s of the %s of simulated time per iteration", l.Optimizer, l.Device, word, share(u, t), seconds(t))
		if c, s := clip.value(), sat.value(); c > 0 || s > 0 {
			ev += fmt.Sprintf("; %s values clipped by arrays and converters and %s op-amp outputs saturated per run", count(c), count(s))
		}
		out = append(out, Claim{Figure: "Timing", Paper: "upload of J, H and g to the device, clipping and saturation", Extension: true, Evidence: ev})
	}
	var bad []string
	for _, l := range ls {
		s := l.stats()
		for _, o := range []scenarios.Outcome{scenarios.Diverged, scenarios.Failed} {
			if n := s.Outcomes[o]; n > 0 {
				bad = append(bad, fmt.Sprintf("%s: %d %s", l.Label(), n, o))
			}
		}
	}
	if bad != nil {
		out = append(out, Claim{Figure: "Outcomes", Paper: "runs that did not finish", Extension: true, Evidence: strings.Join(bad, "; ")})
	}
	return out
}

// both maps two checks to a verdict: both hold, one holds, neither.
func both(a, b bool) Verdict {
	switch {
	case a && b:
		return Agrees
	case a || b:
		return PartlyAgrees
	}
	return Disagrees
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
