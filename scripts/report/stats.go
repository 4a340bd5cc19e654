package main

import (
	"math"
	"slices"
	"strings"

	"github.com/tngd/tngd/scenarios"
)

// line is the runs of one optimizer at one sweep point: one run per seed,
// averaged into one row of a table and one line of a figure.
type line struct {
	Optimizer string
	Kind      string // nn optimizer kind: tngd, tngd-adam, adam, ngd, ...
	Device    string // "circuit" or "ideal" for the thermodynamic kinds
	Window    float64
	Kappa0    float64 // κ₀ of an ideal device (normalised units)
	Test      int     // size of the test set
	Point     scenarios.Point
	Runs      []*scenarios.Record
}

// Label names the line as the figures do: the optimizer, then the swept
// values ("tngd time=5").
func (l *line) Label() string {
	if len(l.Point) == 0 {
		return l.Optimizer
	}
	parts := []string{l.Optimizer}
	for _, a := range l.Point {
		parts = append(parts, shortKey(a.Key)+"="+scenarios.FormatValue(a.Value))
	}
	return strings.Join(parts, " ")
}

// thermodynamic reports whether the line's optimizer solves on a device.
func (l *line) thermodynamic() bool { return l.Kind == "tngd" || l.Kind == "tngd-adam" }

// shortKey drops the table prefix of a swept key: "hardware.arrays.bits" →
// "arrays.bits", "optimizer.tngd.window.time" → "tngd.window.time".
func shortKey(key string) string {
	for _, p := range []string{"hardware.", "optimizer."} {
		if rest, ok := strings.CutPrefix(key, p); ok {
			return rest
		}
	}
	return key
}

// lines groups the runs of res by (point, optimizer), in job order. The
// optimizer settings of each line (kind, device, window, κ₀) are those of
// the scenario at its point.
func lines(res *scenarios.Results) []*line {
	var out []*line
	index := map[string]*line{}
	for _, r := range res.Runs {
		key := r.Point.String() + "\x00" + r.Optimizer
		l, ok := index[key]
		if !ok {
			l = &line{Optimizer: r.Optimizer, Point: r.Point}
			// The settings at the point; those of the file if the point
			// cannot be applied (the kind and device are never swept).
			s := res.Scenario
			if sp, err := s.At(r.Point); err == nil {
				s = sp
			}
			l.Test = size(s.Task.TeacherStudent.Test, 256)
			if isMNIST(s) {
				l.Test = size(s.Task.MNIST.Test, 10000)
			}
			for i := range s.Optimizers {
				if o := &s.Optimizers[i]; o.Label() == r.Optimizer {
					l.Kind, l.Device, l.Window, l.Kappa0 = o.Kind, o.Device, o.Window.Time, o.Kappa0
					if o.Thermodynamic() && l.Device == "" {
						l.Device = "circuit"
					}
				}
			}
			index[key] = l
			out = append(out, l)
		}
		l.Runs = append(l.Runs, r)
	}
	return out
}

// stats are the means over the seeds of a line. Final and best metrics
// average the runs that finished; the time split averages every run that
// took a step. NaN marks a metric without data.
type stats struct {
	Seeds, Finished int
	// Outcomes counts the runs by outcome, in the order finished,
	// diverged, failed.
	Outcomes map[scenarios.Outcome]int

	Iterations int // largest number of steps of a run
	InitLoss   float64
	InitAcc    float64
	FinalLoss  float64
	BestLoss   float64
	FinalAcc   float64
	BestAcc    float64
	SolveCos   float64
	PerIter    scenarios.Phases
	Clipped    float64
	Saturated  float64
	Wall       float64 // sum over runs, in seconds
}

func (l *line) stats() stats {
	st := stats{Seeds: len(l.Runs), Outcomes: map[scenarios.Outcome]int{}}
	var init, initAcc, fl, bl, fa, ba, cos, clip, sat mean
	var per scenarios.Phases
	nPer := 0
	for _, r := range l.Runs {
		s := r.Summary
		st.Outcomes[s.Outcome]++
		st.Wall += s.Wall
		st.Iterations = max(st.Iterations, s.Iterations)
		if len(r.Rows) > 0 && r.Rows[0].Iteration == 0 {
			init.add(r.Rows[0].TestLoss)
			initAcc.add(r.Rows[0].TestAcc)
		}
		if s.Iterations > 0 {
			per = per.Add(s.PerIteration)
			nPer++
		}
		clip.add(float64(s.Clipped))
		sat.add(float64(s.Saturated))
		if s.Outcome != scenarios.Finished {
			continue
		}
		st.Finished++
		fl.add(s.FinalTestLoss)
		bl.add(s.BestTestLoss)
		fa.add(s.FinalTestAcc)
		ba.add(s.BestTestAcc)
		cos.add(s.MeanSolveCos)
	}
	st.InitLoss, st.FinalLoss, st.BestLoss = init.value(), fl.value(), bl.value()
	st.InitAcc = initAcc.value()
	st.FinalAcc, st.BestAcc, st.SolveCos = fa.value(), ba.value(), cos.value()
	st.Clipped, st.Saturated = clip.value(), sat.value()
	if nPer > 0 {
		k := float64(nPer)
		st.PerIter = scenarios.Phases{Digital: per.Digital / k, Upload: per.Upload / k, Analog: per.Analog / k, Readout: per.Readout / k}
	} else {
		st.PerIter = scenarios.Phases{Digital: math.NaN(), Upload: math.NaN(), Analog: math.NaN(), Readout: math.NaN()}
	}
	return st
}

// mean accumulates the finite values it is given.
type mean struct {
	sum float64
	n   int
}

func (m *mean) add(v float64) {
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		m.sum += v
		m.n++
	}
}

// value returns the mean, or NaN without values.
func (m *mean) value() float64 {
	if m.n == 0 {
		return math.NaN()
	}
	return m.sum / float64(m.n)
}

// curve is the mean learning curve of a line: at each evaluation that
// every finished run made, the mean simulated time (s), test loss and test
// accuracy.
type curve struct {
	Iter []int
	Time []float64
	Loss []float64
	Acc  []float64
}

func (l *line) curve() curve {
	var runs []*scenarios.Record
	for _, r := range l.Runs {
		if r.Summary.Outcome == scenarios.Finished {
			runs = append(runs, r)
		}
	}
	var c curve
	if len(runs) == 0 {
		return c
	}
	byIter := make([]map[int]scenarios.Row, len(runs))
	for i, r := range runs {
		byIter[i] = map[int]scenarios.Row{}
		for _, row := range r.Rows {
			byIter[i][row.Iteration] = row
		}
	}
	for _, row := range runs[0].Rows {
		it := row.Iteration
		var t, loss, acc mean
		common := true
		for i := range runs {
			rr, ok := byIter[i][it]
			if !ok {
				common = false
				break
			}
			t.add(rr.SimTime)
			loss.add(rr.TestLoss)
			acc.add(rr.TestAcc)
		}
		if common && !slices.Contains(c.Iter, it) {
			c.Iter = append(c.Iter, it)
			c.Time = append(c.Time, t.value())
			c.Loss = append(c.Loss, loss.value())
			c.Acc = append(c.Acc, acc.value())
		}
	}
	return c
}

// reach returns the index of the first evaluation of c at which metric m
// is at least as good as target, or −1.
func (c curve) reach(m metric, target float64) int {
	for i, v := range m.series(c) {
		if m.atLeast(v, target) {
			return i
		}
	}
	return -1
}

// at returns metric m of c at iteration it, or NaN.
func (c curve) at(m metric, it int) float64 {
	if i := slices.Index(c.Iter, it); i >= 0 {
		return m.series(c)[i]
	}
	return math.NaN()
}

// sweptKey returns the first swept key of res that ends with suffix, or "".
func sweptKey(res *scenarios.Results, suffix string) string {
	for _, k := range res.Keys {
		if strings.HasSuffix(k, suffix) {
			return k
		}
	}
	return ""
}
