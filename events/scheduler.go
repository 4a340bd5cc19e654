package events

import (
	"container/heap"
	"fmt"
	"math"
)

// ID identifies a scheduled event. The zero ID is never issued.
type ID uint64

// Process is state that evolves continuously between events, such as the
// voltages of an analog circuit. AdvanceTo moves it from its current time to t
// (in seconds); the scheduler never calls it with a t earlier than the last.
type Process interface {
	AdvanceTo(t float64)
}

// Record describes one executed event.
type Record struct {
	Seq  uint64  // insertion sequence number, from 1
	ID   ID      // the event's identifier
	Time float64 // simulated time in seconds at which it ran
	Name string  // the label given when it was scheduled
}

// String formats r as "t=… #seq name".
func (r Record) String() string {
	return fmt.Sprintf("t=%.9g #%d %s", r.Time, r.Seq, r.Name)
}

// Status tells how a run of the scheduler ended.
type Status int

const (
	// Drained: no event was left to run.
	Drained Status = iota
	// ReachedTime: the run reached its end time with events still pending.
	ReachedTime
	// Stopped: an event called [Scheduler.Stop].
	Stopped
	// BudgetExhausted: the run executed MaxEvents events.
	BudgetExhausted
)

func (s Status) String() string {
	switch s {
	case Drained:
		return "drained"
	case ReachedTime:
		return "reached end time"
	case Stopped:
		return "stopped"
	case BudgetExhausted:
		return "event budget exhausted"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

type event struct {
	time  float64
	seq   uint64
	id    ID
	name  string
	fn    func()
	index int // position in the heap
}

type queue []*event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].time != q[j].time {
		return q[i].time < q[j].time
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}
func (q *queue) Push(x any) {
	e := x.(*event)
	e.index = len(*q)
	*q = append(*q, e)
}
func (q *queue) Pop() any {
	old := *q
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	*q = old[:n-1]
	e.index = -1
	return e
}

// Scheduler is a discrete-event simulator clock and queue. The zero value is
// ready to use at time 0 with no processes and no trace.
type Scheduler struct {
	// Trace, when non-nil, receives a Record for each executed event.
	Trace *[]Record
	// MaxEvents, when positive, bounds the number of events a single call to
	// Run or RunUntil executes.
	MaxEvents int

	now       float64
	seq       uint64
	queue     queue
	pending   map[ID]*event
	processes []Process
	stopped   bool
}

// Now returns the current simulated time in seconds.
func (s *Scheduler) Now() float64 { return s.now }

// Pending returns the number of events waiting to run.
func (s *Scheduler) Pending() int { return len(s.queue) }

// Attach adds a continuous process, advanced before each event in attachment
// order. It panics if p is nil.
func (s *Scheduler) Attach(p Process) {
	if p == nil {
		panic("events: nil process")
	}
	s.processes = append(s.processes, p)
}

// Schedule queues fn to run at the absolute time at (seconds) under the label
// name, and returns its ID. It panics if at is NaN, infinite or earlier than
// Now, or if fn is nil.
func (s *Scheduler) Schedule(at float64, name string, fn func()) ID {
	if math.IsNaN(at) || math.IsInf(at, 0) || at < s.now {
		panic(fmt.Sprintf("events: cannot schedule %q at t=%g (now %g)", name, at, s.now))
	}
	if fn == nil {
		panic("events: nil action")
	}
	s.seq++
	e := &event{time: at, seq: s.seq, id: ID(s.seq), name: name, fn: fn}
	if s.pending == nil {
		s.pending = make(map[ID]*event)
	}
	s.pending[e.id] = e
	heap.Push(&s.queue, e)
	return e.id
}

// After queues fn to run delay seconds after Now; see [Scheduler.Schedule].
// It panics if delay is negative.
func (s *Scheduler) After(delay float64, name string, fn func()) ID {
	if delay < 0 {
		panic(fmt.Sprintf("events: negative delay %g for %q", delay, name))
	}
	return s.Schedule(s.now+delay, name, fn)
}

// Cancel removes a pending event. It reports whether the event was pending;
// cancelling an event that already ran or was cancelled does nothing.
func (s *Scheduler) Cancel(id ID) bool {
	e, ok := s.pending[id]
	if !ok {
		return false
	}
	delete(s.pending, id)
	heap.Remove(&s.queue, e.index)
	return true
}

// Stop makes the current Run or RunUntil return [Stopped] after the event
// that called it.
func (s *Scheduler) Stop() { s.stopped = true }

// advance moves the clock and every process to t.
func (s *Scheduler) advance(t float64) {
	for _, p := range s.processes {
		p.AdvanceTo(t)
	}
	s.now = t
}

// Step runs the earliest pending event: it advances the processes to the
// event's time, sets the clock, records the event in the trace and calls its
// action. It reports whether an event ran.
func (s *Scheduler) Step() bool {
	if len(s.queue) == 0 {
		return false
	}
	e := heap.Pop(&s.queue).(*event)
	delete(s.pending, e.id)
	s.advance(e.time)
	if s.Trace != nil {
		*s.Trace = append(*s.Trace, Record{Seq: e.seq, ID: e.id, Time: e.time, Name: e.name})
	}
	e.fn()
	return true
}

// RunUntil runs every event with time ≤ end, in order, then advances the
// processes and the clock to end. Events scheduled by actions run too if they
// fall within end. It returns [ReachedTime] (or [Drained] when nothing is
// left pending), [Stopped] or [BudgetExhausted]; in the last two cases the
// clock stays at the last executed event. It panics if end is NaN or earlier
// than Now.
func (s *Scheduler) RunUntil(end float64) Status {
	if math.IsNaN(end) || end < s.now {
		panic(fmt.Sprintf("events: cannot run until t=%g (now %g)", end, s.now))
	}
	if st, done := s.run(end); done {
		return st
	}
	if !math.IsInf(end, 1) {
		s.advance(end)
	}
	if len(s.queue) == 0 {
		return Drained
	}
	return ReachedTime
}

// Run executes events until none is left, an action calls Stop, or MaxEvents
// events have run. It does not advance past the last event.
func (s *Scheduler) Run() Status {
	if st, done := s.run(math.Inf(1)); done {
		return st
	}
	return Drained
}

// run executes events up to end; done reports an early return with st.
func (s *Scheduler) run(end float64) (st Status, done bool) {
	s.stopped = false
	for n := 0; len(s.queue) > 0 && s.queue[0].time <= end; n++ {
		if s.MaxEvents > 0 && n >= s.MaxEvents {
			return BudgetExhausted, true
		}
		s.Step()
		if s.stopped {
			s.stopped = false
			return Stopped, true
		}
	}
	return 0, false
}
