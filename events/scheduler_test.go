package events

import (
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a process that records the times it was advanced to and checks
// that they never go backwards.
type clock struct {
	t       float64
	visited []float64
}

func (c *clock) AdvanceTo(t float64) {
	if t < c.t {
		panic("time went backwards")
	}
	c.t = t
	c.visited = append(c.visited, t)
}

func names(trace []Record) []string {
	out := make([]string, len(trace))
	for i, r := range trace {
		out[i] = r.Name
	}
	return out
}

func TestOrderByTimeThenInsertion(t *testing.T) {
	var trace []Record
	s := Scheduler{Trace: &trace}
	s.Schedule(2, "c", func() {})
	s.Schedule(1, "a1", func() {})
	s.Schedule(3, "d", func() {})
	s.Schedule(1, "a2", func() {}) // same time as a1, inserted later
	s.Schedule(1, "a3", func() {})
	assert.Equal(t, Drained, s.Run())
	assert.Equal(t, []string{"a1", "a2", "a3", "c", "d"}, names(trace))
	assert.Equal(t, 3.0, s.Now())
}

func TestRandomScheduleMatchesStableSort(t *testing.T) {
	// Many events on a coarse time grid force ties; the execution order must
	// equal a stable sort of the insertion order by time.
	rng := rand.New(rand.NewPCG(1, 2))
	type ev struct {
		t   float64
		seq int
	}
	var want []ev
	var got []int
	var s Scheduler
	for i := range 500 {
		at := float64(rng.IntN(20))
		want = append(want, ev{at, i})
		s.Schedule(at, "", func() { got = append(got, i) })
	}
	sort.SliceStable(want, func(i, j int) bool { return want[i].t < want[j].t })
	s.Run()
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[i].seq, got[i], "position %d", i)
	}
}

func TestCancel(t *testing.T) {
	var trace []Record
	s := Scheduler{Trace: &trace}
	s.Schedule(1, "a", func() {})
	b := s.Schedule(2, "b", func() {})
	s.Schedule(3, "c", func() {})
	assert.True(t, s.Cancel(b))
	assert.False(t, s.Cancel(b), "second cancel is a no-op")
	assert.False(t, s.Cancel(12345), "unknown id")
	assert.Equal(t, 2, s.Pending())
	s.Run()
	assert.Equal(t, []string{"a", "c"}, names(trace))
}

func TestCancelFromAction(t *testing.T) {
	var trace []Record
	s := Scheduler{Trace: &trace}
	var later ID
	s.Schedule(1, "canceller", func() { s.Cancel(later) })
	later = s.Schedule(1, "victim", func() {})
	s.Run()
	assert.Equal(t, []string{"canceller"}, names(trace))
}

func TestProcessSeesEventTime(t *testing.T) {
	var s Scheduler
	c := &clock{}
	s.Attach(c)
	var seen []float64
	for _, at := range []float64{0.5, 0.25, 2} {
		s.Schedule(at, "", func() { seen = append(seen, c.t) })
	}
	// An action scheduling a follow-up: it must see the process at its own time.
	s.Schedule(1, "", func() { s.After(0.125, "", func() { seen = append(seen, c.t) }) })
	assert.Equal(t, ReachedTime, s.RunUntil(1.5))
	assert.Equal(t, []float64{0.25, 0.5, 1.125}, seen)
	assert.Equal(t, 1.5, c.t, "RunUntil advances processes to its end")
	assert.Equal(t, 1.5, s.Now())
	assert.Equal(t, Drained, s.RunUntil(3))
	assert.Equal(t, []float64{0.25, 0.5, 1, 1.125, 1.5, 2, 3}, c.visited)
}

func TestRunUntilIncludesEnd(t *testing.T) {
	var s Scheduler
	ran := false
	s.Schedule(1, "", func() { ran = true })
	assert.Equal(t, Drained, s.RunUntil(1))
	assert.True(t, ran)
}

func TestStopAndBudget(t *testing.T) {
	var s Scheduler
	count := 0
	var tick func()
	tick = func() {
		count++
		if count == 5 {
			s.Stop()
		}
		s.After(1, "tick", tick)
	}
	s.Schedule(0, "tick", tick)
	assert.Equal(t, Stopped, s.Run())
	assert.Equal(t, 5, count)
	assert.Equal(t, 4.0, s.Now())

	s.MaxEvents = 3
	assert.Equal(t, BudgetExhausted, s.Run())
	assert.Equal(t, 8, count)
}

func TestStepOnEmpty(t *testing.T) {
	var s Scheduler
	assert.False(t, s.Step())
	assert.Equal(t, Drained, s.Run())
}

func TestMisusePanics(t *testing.T) {
	var s Scheduler
	s.Schedule(1, "", func() {})
	s.Run()
	assert.PanicsWithValue(t, `events: cannot schedule "past" at t=0.5 (now 1)`, func() { s.Schedule(0.5, "past", func() {}) })
	assert.Panics(t, func() { s.After(-1, "neg", func() {}) })
	assert.Panics(t, func() { s.Schedule(2, "nil", nil) })
	assert.Panics(t, func() { s.RunUntil(0) })
	assert.Panics(t, func() { s.Attach(nil) })
}

func TestTraceString(t *testing.T) {
	var trace []Record
	s := Scheduler{Trace: &trace}
	s.Schedule(1e-6, "upload", func() {})
	s.Run()
	require.Len(t, trace, 1)
	assert.Equal(t, "t=1e-06 #1 upload", trace[0].String())
}

func BenchmarkScheduleStep(b *testing.B) {
	var s Scheduler
	fn := func() {}
	b.ReportAllocs()
	for b.Loop() {
		s.After(1e-6, "x", fn)
		s.Step()
	}
}
