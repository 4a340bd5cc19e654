// Package events is the deterministic discrete-event kernel of tngd.
//
// A [Scheduler] owns the simulated clock and a queue of pending events. It is
// single-threaded and has no goroutines: the caller drives it with
// [Scheduler.Step], [Scheduler.RunUntil] or [Scheduler.Run], and every call
// returns what happened as data.
//
// # Time
//
// Simulated time is a float64 in seconds, starting at 0. Floating-point time
// keeps the analog windows of the device (microseconds) and the digital work
// (milliseconds) on one axis without choosing a tick; event times are
// compared exactly, so callers that need two events to coincide must compute
// both times from the same expression.
//
// # Ordering
//
// Pending events are held in a binary heap ordered by (time, insertion
// sequence): of two events at the same time, the one scheduled first runs
// first. Cancelled events are removed at once and never run.
//
// # Continuous processes
//
// State that evolves continuously between events (the analog voltages of the
// device) is owned by a [Process] attached to the scheduler. Before an event
// runs, the scheduler calls AdvanceTo(t) on every attached process, in the
// order they were attached, with t the event's time; so every event sees the
// analog state exactly at its own time. RunUntil also advances the processes
// to its end time.
//
// # Trace
//
// With [Scheduler.Trace] set, every executed event is appended to it as a
// [Record], for tests and for debugging a scenario.
package events
