package scenarios

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// ProgressKind says what a [Progress] event reports.
type ProgressKind int

const (
	// JobResumed: a finished run of the job was found in the results
	// directory and is kept; Summary is its summary.
	JobResumed ProgressKind = iota
	// JobStarted: a worker started the job.
	JobStarted
	// JobEvaluated: the job evaluated its model; Row is the evaluation.
	JobEvaluated
	// JobFinished: the job ended and its run file was written; Summary is
	// its summary.
	JobFinished
)

// String returns "resumed", "started", "evaluated" or "finished".
func (k ProgressKind) String() string {
	switch k {
	case JobResumed:
		return "resumed"
	case JobStarted:
		return "started"
	case JobEvaluated:
		return "evaluated"
	case JobFinished:
		return "finished"
	}
	return fmt.Sprintf("ProgressKind(%d)", int(k))
}

// Progress is one event of a [Runner]: a job resumed, started, evaluated
// or finished, with the counts of the whole invocation at that moment. It
// is meant for progress reports only; results go to the run files.
type Progress struct {
	Kind ProgressKind
	// Job is the job concerned. It must not be modified.
	Job *Job
	// Row is the evaluation of a JobEvaluated event.
	Row Row
	// Summary is the run of a JobResumed or JobFinished event.
	Summary Summary
	// Total is the number of jobs selected (the shard's), Resumed how many
	// of them were found finished on disk, and Done how many have finished
	// so far, resumed ones included.
	Total, Resumed, Done int
	// Elapsed is the wall-clock time since the runner started.
	Elapsed time.Duration
}

// Line formats a finished or resumed run as one line of plain text, for
// example
//
//	[3/12] r0002 tngd seed=1 hardware.arrays.bits=8: finished, 200 it, test loss 0.2345, acc 93.10%, sim 1.23 ms, wall 4.1s
//
// It returns "" for other kinds.
func (p Progress) Line() string {
	if p.Kind != JobFinished && p.Kind != JobResumed {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[%d/%d] %s %s seed=%d", p.Done, p.Total, p.Job.ID, p.Summary.Optimizer, p.Job.Seed)
	if len(p.Job.Point) > 0 {
		b.WriteString(" " + p.Job.Point.String())
	}
	s := p.Summary
	fmt.Fprintf(&b, ": %s", s.Outcome)
	if p.Kind == JobResumed {
		b.WriteString(" (kept from an earlier run)")
	}
	fmt.Fprintf(&b, ", %d it, test loss %.4g", s.Iterations, s.FinalTestLoss)
	if !math.IsNaN(s.FinalTestAcc) {
		fmt.Fprintf(&b, ", acc %.2f%%", 100*s.FinalTestAcc)
	}
	fmt.Fprintf(&b, ", sim %s", SimDuration(s.SimTime))
	if p.Kind == JobFinished {
		fmt.Fprintf(&b, ", wall %.1fs", s.Wall)
	}
	if s.Reason != "" {
		fmt.Fprintf(&b, " (%s)", s.Reason)
	}
	return b.String()
}

// SimDuration formats a simulated time in seconds with an SI prefix and
// three significant digits: "1.23 ms", "450 µs", "2.5 s".
func SimDuration(sec float64) string {
	if math.IsNaN(sec) || math.IsInf(sec, 0) {
		return fmt.Sprint(sec)
	}
	a := math.Abs(sec)
	switch {
	case a == 0:
		return "0 s"
	case a < 1e-6:
		return fmt.Sprintf("%.3g ns", sec*1e9)
	case a < 1e-3:
		return fmt.Sprintf("%.3g µs", sec*1e6)
	case a < 1:
		return fmt.Sprintf("%.3g ms", sec*1e3)
	}
	return fmt.Sprintf("%.3g s", sec)
}
