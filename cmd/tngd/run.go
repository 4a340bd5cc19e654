package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/tngd/tngd/scenarios"
)

// plotResults, when not nil, draws the figures of a finished results
// directory into DIR/plots, reporting on e.stderr; tngd run and tngd merge
// call it after writing the aggregates, and an error from it fails the
// command (exit status 1) with the results kept. It is nil until the file
// that draws figures sets it in an init function, for example
//
//	plotResults = func(_ context.Context, e *env, dir string) error { return drawFigures(e, dir, 0) }
var plotResults func(ctx context.Context, e *env, dir string) error

func init() {
	register(&command{
		name:  "run",
		usage: "FILE [--out DIR] [--jobs N] [--seed S] [--shard I/N] [--set dotted.key=value]...",
		short: "run a scenario: train, sweep, and write the results",
		long: `Run runs the scenario FILE: every optimizer at every sweep point with every
seed is one job, a training run on the simulated hybrid machine. The keys
of scenario files are listed in docs/scenario.md; 'tngd validate FILE'
checks a file without running it.

Jobs are numbered in a fixed order: sweep points (in the order of the
[sweep] lists, the first key varying slowest), then seeds (run.seeds,
default [1]), then optimizers (in file order); job i has the ID r0000 + i.
They run in parallel on --jobs workers (default: the number of CPUs) and
the results do not depend on --jobs, except for the wall-clock columns.

The results go into DIR (default: results/NAME, NAME being the scenario's
name or the file's base name):

	scenario.toml   the resolved scenario (the file with the overrides applied)
	runs/ID.json    one file per finished job: its evaluations and summary
	metrics.csv     one row per evaluation: run_id, one column per swept key
	                (headed by the dotted key), optimizer, seed, iteration,
	                epoch, sim_time_s, digital_s, upload_s, analog_s,
	                readout_s, wall_s, train_loss, test_loss, test_acc,
	                solve_rel_err, solve_cos, clipped, saturated
	summary.csv     one row per job: swept values, outcome (finished,
	                diverged, failed), final and best metrics, simulated
	                time per iteration by phase, time to run.target_loss
	summary.json    the same as a JSON array (non-finite numbers as null)
	plots/          the figures

Times are in seconds; sim_time_s is the simulated time of the hybrid
machine, wall_s the time this computer took. In the CSV files an empty
cell is a metric that does not apply (NaN), such as the solve quality of a
first-order optimizer. Rows are ordered by job, then iteration.

A killed run resumes: each job's file is written whole when the job ends,
and running the same command again keeps the finished jobs and runs the
others. A DIR whose scenario.toml differs from the scenario being run (a
changed file or --set) is refused with exit status 2: remove DIR or choose
another --out.

--seed S replaces run.seeds by [S]. --set assigns a value to a dotted key
(repeatable), as in 'tngd validate'. Both are recorded in scenario.toml.

--shard I/N runs only the jobs whose index is I modulo N (0 ≤ I < N), so
that N processes, for example the tasks of a Slurm job array, share a
sweep; give each its own --out and combine them with 'tngd merge'. The
aggregates of a shard's DIR hold the jobs found in it.

A progress bar (runs done, the latest training loss, ETA) is drawn on
stderr when it is a terminal; otherwise one line is printed per finished
run. When all jobs are done, a table of the runs is printed on stdout.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			var (
				o    runOptions
				seed seedFlag
			)
			fs.StringVar(&o.out, "out", "", "write the results into `DIR` (default results/NAME)")
			fs.IntVar(&o.jobs, "jobs", 0, "run `N` jobs at once (0: the number of CPUs)")
			fs.Var(&seed, "seed", "replace run.seeds by the single master seed `S`")
			fs.StringVar(&o.shard, "shard", "", "run only shard `I/N` of the jobs (index mod N = I)")
			fs.Var(&o.sets, "set", "override a `dotted.key=value` of the scenario (repeatable)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("run: want one scenario FILE, got %d arguments", len(args))
				}
				if seed.set {
					o.sets = append(o.sets, "run.seeds=["+strconv.FormatUint(seed.v, 10)+"]")
				}
				return runScenario(ctx, e, args[0], &o)
			}
		},
	})
}

type runOptions struct {
	out   string
	jobs  int
	shard string
	sets  setFlags
}

// seedFlag is an optional uint64 flag.
type seedFlag struct {
	v   uint64
	set bool
}

func (s *seedFlag) String() string {
	if !s.set {
		return ""
	}
	return strconv.FormatUint(s.v, 10)
}

func (s *seedFlag) Set(v string) error {
	n, err := strconv.ParseUint(v, 0, 64)
	if err != nil {
		return errors.New("want a non-negative integer")
	}
	s.v, s.set = n, true
	return nil
}

func runScenario(ctx context.Context, e *env, file string, o *runOptions) error {
	if o.jobs < 0 {
		return usagef("run: --jobs must be ≥ 0, got %d", o.jobs)
	}
	shard, err := scenarios.ParseShard(o.shard)
	if err != nil {
		return badInput(err)
	}
	s, err := loadScenario(file, o.sets)
	if err != nil {
		return err
	}
	if _, err := expandJobs(file, s); err != nil {
		return err
	}
	dir := o.out
	if dir == "" {
		dir = filepath.Join("results", s.Name)
	}
	rep := newReporter(e)
	r := scenarios.Runner{Dir: dir, Workers: o.jobs, Shard: shard, Progress: rep.progress}
	res, err := r.Run(ctx, s)
	rep.close()
	if err != nil {
		return scenarioError(err)
	}
	fmt.Fprintf(e.stderr, "tngd: %d runs in %s (%s, %s, %s)\n", len(res.Runs), dir, scenarios.MetricsFile, scenarios.SummaryCSV, scenarios.SummaryJSON)
	if len(res.Missing) > 0 {
		fmt.Fprintf(e.stderr, "tngd: %d jobs of other shards are not in %s; combine the shards with 'tngd merge'\n", len(res.Missing), dir)
	}
	if err := finishResults(ctx, e, dir); err != nil {
		return err
	}
	printRuns(e.stdout, res)
	return nil
}

// finishResults runs the plots hook on a results directory.
func finishResults(ctx context.Context, e *env, dir string) error {
	if plotResults == nil {
		return nil
	}
	if err := plotResults(ctx, e, dir); err != nil {
		return fmt.Errorf("drawing the figures of %s: %w", dir, err)
	}
	return nil
}

// printRuns writes one line per run: its ID, swept values, optimizer,
// seed, outcome and final metrics.
func printRuns(w io.Writer, res *scenarios.Results) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "run")
	for _, k := range res.Keys {
		fmt.Fprintf(tw, "\t%s", k)
	}
	fmt.Fprint(tw, "\toptimizer\tseed\toutcome\titerations\ttest loss\ttest acc\tsim time\n")
	for _, r := range res.Runs {
		fmt.Fprint(tw, r.ID)
		vals := map[string]string{}
		for _, a := range r.Point {
			vals[a.Key] = scenarios.FormatValue(a.Value)
		}
		for _, k := range res.Keys {
			fmt.Fprintf(tw, "\t%s", vals[k])
		}
		s := r.Summary
		acc := "-"
		if !math.IsNaN(s.FinalTestAcc) {
			acc = fmt.Sprintf("%.2f%%", 100*s.FinalTestAcc)
		}
		fmt.Fprintf(tw, "\t%s\t%d\t%s\t%d\t%.4g\t%s\t%s\n", r.Optimizer, r.Seed, s.Outcome, s.Iterations,
			s.FinalTestLoss, acc, scenarios.SimDuration(s.SimTime))
	}
	tw.Flush()
}

// reporter shows the progress of a run on stderr: a bar on a terminal,
// one line per finished run otherwise.
type reporter struct {
	e   *env
	bar *progressbar.ProgressBar
}

func newReporter(e *env) *reporter { return &reporter{e: e} }

func (r *reporter) progress(p scenarios.Progress) {
	if !r.e.terminal {
		if line := p.Line(); line != "" {
			fmt.Fprintf(r.e.stderr, "tngd: %s\n", line)
		}
		return
	}
	if r.bar == nil && p.Kind != scenarios.JobResumed {
		r.bar = newBar(r.e.stderr, p.Total-p.Resumed, p.Resumed)
	}
	switch p.Kind {
	case scenarios.JobEvaluated:
		loss, which := p.Row.TrainLoss, "loss"
		if math.IsNaN(loss) { // the evaluation before the first step
			loss, which = p.Row.TestLoss, "test loss"
		}
		r.bar.Describe(barDescription(p.Resumed, fmt.Sprintf("%s %s %.4g", p.Job.ID, which, loss)))
	case scenarios.JobFinished:
		r.bar.Add(1)
	}
}

// close finishes the bar, leaving the cursor on a new line.
func (r *reporter) close() {
	if r.bar != nil {
		r.bar.Exit()
		fmt.Fprintln(r.e.stderr)
	}
}

// newBar returns a bar over the n runs to do (resumed ones already done).
func newBar(w io.Writer, n, resumed int) *progressbar.ProgressBar {
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(barDescription(resumed, "")),
		progressbar.OptionSetItsString("runs"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetWidth(24),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetRenderBlankState(true),
	)
}

func barDescription(resumed int, latest string) string {
	d := "runs"
	if resumed > 0 {
		d = fmt.Sprintf("runs (%d kept)", resumed)
	}
	if latest != "" {
		d += ", " + latest
	}
	return d
}
