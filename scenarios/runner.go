package scenarios

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// ExecFunc runs one job and returns its summary, calling onEval with each
// evaluation in order; [Execute] is the real one. onEval is called from
// the goroutine running the job.
type ExecFunc func(ctx context.Context, job Job, onEval func(Row)) (Summary, error)

// defaultExec is the executor of a Runner whose Exec is nil.
var defaultExec ExecFunc = Execute

// Runner runs the jobs of a scenario into a results directory and
// aggregates them. A results directory DIR holds:
//
//	scenario.toml   the resolved scenario (Scenario.TOML), written first
//	runs/<id>.json  one run file per finished job (see Record)
//	metrics.csv     one row per evaluation of every finished job
//	summary.csv     one row per finished job
//	summary.json    the same as an array of objects
//	plots/          figures, drawn by package plots (not by Runner)
//
// # Resuming
//
// A run file is written atomically when its job ends, so a killed run
// leaves finished jobs whole and others absent. Running the same scenario
// into the same DIR again keeps the finished jobs (they are not rerun) and
// runs the rest. A DIR whose scenario.toml differs from the scenario's
// resolved TOML is refused with [ErrMismatch]. One process should write a
// DIR at a time.
//
// # Determinism
//
// Jobs run in parallel on Workers goroutines, in index order, and results
// are collected by index: every file except the wall_s columns is the same
// whatever Workers and Shard are, provided the executor is deterministic.
type Runner struct {
	// Dir is the results directory; it is created if needed. Required.
	Dir string
	// Workers is the number of jobs run at once; ≤ 0 means
	// runtime.NumCPU().
	Workers int
	// Shard selects the jobs to run; the zero value runs them all.
	Shard Shard
	// Exec runs one job; nil means [Execute].
	Exec ExecFunc
	// Progress, if not nil, receives progress events. Calls are
	// serialized (never two at once) and should return quickly.
	Progress func(Progress)
}

// Run runs the selected jobs of s that have no run file in r.Dir, then
// writes the aggregates of every run file of s in r.Dir (including jobs of
// other shards found there) and returns them.
//
// When ctx is cancelled, Run waits for the running jobs to return, keeps
// the finished ones and returns an error wrapping ctx.Err(); nothing is
// aggregated. When a job's executor returns an error, Run cancels the
// other jobs and returns it, naming the job. Other errors: a *FieldError
// (matching [ErrInvalid]) for a sweep point that does not decode,
// [ErrMismatch] for a directory holding another scenario, [ErrRunFile] for
// an unreadable run file, and I/O errors.
func (r *Runner) Run(ctx context.Context, s *Scenario) (*Results, error) {
	if r.Dir == "" {
		panic("scenarios: Runner.Dir is empty")
	}
	exec := r.Exec
	if exec == nil {
		exec = defaultExec
	}
	start := time.Now()
	jobs, err := s.Jobs() // before touching the directory: every point is valid
	if err != nil {
		return nil, err
	}
	if err := prepareDir(r.Dir, s.TOML()); err != nil {
		return nil, err
	}
	sc := *s // adoptSweepOrder may reorder the copy's sweep
	if adoptSweepOrder(&sc, r.Dir) {
		s = &sc
		if jobs, err = s.Jobs(); err != nil {
			return nil, err
		}
	}
	selected := r.Shard.Select(jobs)

	var mu sync.Mutex // guards the counts and serializes Progress
	done, resumed := 0, 0
	emit := func(p Progress) {
		if r.Progress == nil {
			return
		}
		p.Total, p.Resumed, p.Done, p.Elapsed = len(selected), resumed, done, time.Since(start)
		r.Progress(p)
	}

	var todo []*Job
	for i := range selected {
		j := &selected[i]
		rec, err := readRecord(RunPath(r.Dir, j.ID), j)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			todo = append(todo, j)
		case err != nil:
			return nil, err
		default:
			mu.Lock()
			done++
			resumed++
			emit(Progress{Kind: JobResumed, Job: j, Summary: rec.Summary})
			mu.Unlock()
		}
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(todo))
	next := make(chan int)
	var wg sync.WaitGroup
	workers := r.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	for range min(workers, len(todo)) {
		wg.Go(func() {
			for k := range next {
				j := todo[k]
				mu.Lock()
				emit(Progress{Kind: JobStarted, Job: j})
				mu.Unlock()
				sum, err := r.runJob(runCtx, exec, j, func(row Row) {
					mu.Lock()
					emit(Progress{Kind: JobEvaluated, Job: j, Row: row})
					mu.Unlock()
				})
				if err != nil {
					errs[k] = err
					cancel()
					continue
				}
				mu.Lock()
				done++
				emit(Progress{Kind: JobFinished, Job: j, Summary: sum})
				mu.Unlock()
			}
		})
	}
feed:
	for k := range todo {
		select {
		case next <- k:
		case <-runCtx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()

	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("scenarios: interrupted with %d of %d runs finished; run again into %s to resume: %w", done, len(selected), r.Dir, err)
	}
	for _, err := range errs {
		// The first failure by index; the others were cancelled by it.
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	res, err := collect(r.Dir, s, jobs)
	if err != nil {
		return nil, err
	}
	if err := res.WriteAggregates(r.Dir); err != nil {
		return nil, err
	}
	return res, nil
}

// runJob executes j and writes its run file.
func (r *Runner) runJob(ctx context.Context, exec ExecFunc, j *Job, onEval func(Row)) (Summary, error) {
	var rows []Row
	sum, err := exec(ctx, *j, func(row Row) {
		if row.RunID == "" {
			row.RunID = j.ID
		}
		rows = append(rows, row)
		onEval(row)
	})
	if err != nil {
		if ctx.Err() != nil {
			return Summary{}, ctx.Err()
		}
		return Summary{}, fmt.Errorf("run %s (%s, seed %d, %s): %w", j.ID, j.Scenario.Optimizers[j.Optimizer].Label(), j.Seed, j.Point, err)
	}
	if sum.RunID == "" {
		sum.RunID = j.ID
	}
	sum.Point = j.Point
	rec := &Record{Index: j.Index, ID: j.ID, Point: j.Point, Seed: j.Seed,
		Optimizer: j.Scenario.Optimizers[j.Optimizer].Label(), Summary: sum, Rows: rows}
	data, err := encodeRecord(rec)
	if err != nil {
		return Summary{}, fmt.Errorf("run %s: encoding its run file: %w", j.ID, err)
	}
	if err := writeAtomic(RunPath(r.Dir, j.ID), data); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// prepareDir creates dir and dir/runs and writes dir/scenario.toml, or
// checks that the one there is the same.
func prepareDir(dir string, resolved []byte) error {
	if err := os.MkdirAll(filepath.Join(dir, RunsDir), 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, ScenarioFile)
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return writeAtomic(path, resolved)
	case err != nil:
		return err
	case !bytes.Equal(old, resolved):
		return fmt.Errorf("%w: %s differs from the scenario being run (%s); remove %s or choose another output directory", ErrMismatch, path, firstDifference(old, resolved), dir)
	}
	return nil
}

// firstDifference describes the first line where a and b differ.
func firstDifference(a, b []byte) string {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range max(len(la), len(lb)) {
		var x, y []byte
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if !bytes.Equal(x, y) {
			return fmt.Sprintf("line %d: %q there, %q here", i+1, x, y)
		}
	}
	return "same lines"
}
