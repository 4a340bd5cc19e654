package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/tngd/tngd/scenarios"
)

func init() {
	plotResults = func(_ context.Context, e *env, dir string) error { return drawFigures(e, dir, 0) }
	register(&command{
		name:  "plot",
		usage: "DIR [--smooth N]",
		short: "draw the figures of a results directory",
		long: `Plot reads the results directory DIR written by 'tngd run' (or 'tngd merge'):
its scenario.toml and its run files, and draws the figures that answer the
scenario's question into DIR/plots, each as PNG and SVG:

	train_loss_vs_iteration, test_loss_vs_iteration, test_acc_vs_iteration
	train_loss_vs_time, test_loss_vs_time, test_acc_vs_time
	    learning curves, one line per optimizer (and sweep point), the mean
	    over seeds with a min–max band, against iteration and against the
	    simulated time of the hybrid machine (s);
	solve_quality
	    cosine and relative error of the natural-gradient estimate against
	    the exact solve of the same step;
	time_split
	    simulated time of one iteration by phase (digital, upload, analog,
	    readout), per optimizer;
	sweep_test_loss_KEY, sweep_test_acc_KEY
	    final test loss and accuracy against each numeric swept key;
	heatmap_test_acc_OPTIMIZER
	    final test accuracy over the first two numeric swept keys;
	pareto_test_acc
	    final accuracy against simulated time per iteration, with the
	    non-dominated front;
	pareto_test_acc_hardware_bits
	    final accuracy against the device's size (bits of its programmed
	    conductances and converters), when the sweep changes it.

Figures of final values leave out runs that did not finish. 'tngd run' draws
the same figures at its end; 'tngd plot' redraws them from the results alone,
for example after 'tngd merge' or with another --smooth.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			smooth := fs.Int("smooth", 0, "moving-average window of the learning curves, in evaluations (0: none; the paper uses 200 points)")
			return func(_ context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("plot: want one results DIR, got %d arguments", len(args))
				}
				if *smooth < 0 {
					return usagef("plot: --smooth must be ≥ 0, got %d", *smooth)
				}
				return drawFigures(e, args[0], *smooth)
			}
		},
	})
}

// drawFigures draws the figures of the results directory dir into
// dir/plots and reports each figure it could not draw on stderr.
func drawFigures(e *env, dir string, smooth int) error {
	res, err := scenarios.ReadResults(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return badInput(fmt.Errorf("%s is not a results directory: %w", dir, err))
	}
	if errors.Is(err, scenarios.ErrInvalid) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	if len(res.Runs) == 0 {
		return badInput(fmt.Errorf("%s holds no finished run", dir))
	}
	out := filepath.Join(dir, "plots")
	written, problems := scenarios.WriteFigures(out, res, smooth)
	for _, p := range problems {
		fmt.Fprintf(e.stderr, "tngd: %v\n", p)
	}
	fmt.Fprintf(e.stderr, "wrote %d figures to %s\n", len(written), out)
	return nil
}
