package scenarios

import (
	"fmt"
	"math"

	"github.com/tngd/tngd/events"
)

// timeline is the simulated clock of one run of the hybrid machine, kept
// by an events.Scheduler (Donatella et al., arXiv:2405.13817, Fig. 1).
//
// A digital step (SGD, Adam, the digital NGD methods) is one phase: the
// accelerator computes for its modelled time.
//
// A thermodynamic step joins two activities. The digital side computes the
// loss, gradient, J and H at θ_k while the device, which was read out at
// the end of the previous step, keeps running on the stale programming for
// the delay t_d. When both are done the upload begins (DAC of the gradient,
// programming of the arrays), then the analog window, then the readout;
// the update of θ is digital work of the next step. A delay longer than
// the digital phase is exposed: it is counted as analog time.
type timeline struct {
	sched    events.Scheduler
	phases   Phases
	delayEnd float64 // end of the device's delay after the last readout, s
	steps    int
}

// trace makes the scheduler record every executed event into *rec.
func (tl *timeline) trace(rec *[]events.Record) { tl.sched.Trace = rec }

// now returns the simulated time in seconds.
func (tl *timeline) now() float64 { return tl.sched.Now() }

// digitalStep advances the clock by one digital step of d seconds.
func (tl *timeline) digitalStep(d float64) {
	tl.steps++
	tl.sched.After(d, fmt.Sprintf("step %d: digital", tl.steps), func() {})
	tl.sched.Run()
	tl.phases.Digital += d
}

// deviceStep advances the clock by one thermodynamic step: digital work d,
// upload up, analog window win and readout ro (seconds), after which the
// device runs for the delay td (seconds) concurrently with the next step.
func (tl *timeline) deviceStep(d, up, win, ro, td float64) {
	tl.steps++
	k := tl.steps
	start := tl.now()
	var uploadStart float64
	waiting := 2
	join := func() {
		waiting--
		if waiting > 0 {
			return
		}
		uploadStart = tl.now()
		tl.sched.After(up, fmt.Sprintf("step %d: upload done", k), func() {
			tl.sched.After(win, fmt.Sprintf("step %d: window done", k), func() {
				tl.sched.After(ro, fmt.Sprintf("step %d: readout done", k), func() {
					tl.delayEnd = tl.now() + td
				})
			})
		})
	}
	tl.sched.After(d, fmt.Sprintf("step %d: digital done", k), join)
	tl.sched.Schedule(math.Max(start, tl.delayEnd), fmt.Sprintf("step %d: delay done", k), join)
	tl.sched.Run()
	exposed := uploadStart - (start + d)
	tl.phases.Digital += d
	tl.phases.Upload += up
	tl.phases.Analog += win + exposed
	tl.phases.Readout += ro
}
