package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/tngd/tngd/circuit"
	"github.com/tngd/tngd/netlist"
)

// maxTranPoints bounds the output grid of tngd tran (rows × columns of the
// CSV), so that a typo in .tran fails at once instead of filling the disk.
const maxTranPoints = 100_000_000

// tranMemoryLimit is the heap size at which the collector runs during
// tngd tran (it is otherwise off; see runTran).
const tranMemoryLimit = 1 << 30

// seedStream is the second word of the PCG state seeded by --seed; fixed so
// that one --seed always gives the same noise.
const seedStream = 0x7472616e // "tran"

func init() {
	register(&command{
		name:  "tran",
		usage: "NETLIST.cir --out WAVE.csv [--format csv|raw] [--digits D] [--seed S] [--noise=false] [--johnson] [--plot DIR [--plot-node NODE]]",
		short: "run a SPICE netlist's .tran analysis on the exact engine",
		long: `Tran reads a SPICE netlist, builds the circuit and runs its .tran analysis
with tngd's engine: the circuit is reduced exactly to a linear stochastic
model of its capacitive nodes and stepped with its exact transition law
(no time-step error, noise included), from output point to output point.

The netlist subset: R, C (IC=), I and V (DC; TRNOISE(NA NT 0 0) white noise
on I sources), G (VCCS) and E (VCVS); engineering suffixes (f p n u m mil k
meg g t, any case, trailing unit letters ignored); * ; and $ comments; +
continuation lines; .ic V(node)=value, .tran TSTEP TSTOP [TSTART [TMAX]]
[uic], .temp and .end. .control blocks and other dot-cards are skipped with
a note on stderr; any other element is an error naming its file, line and
column.

Noise follows ngspice: resistors are noiseless in a transient analysis, and a
TRNOISE(NA NT 0 0) source is white current noise of one-sided power spectral
density 2·NA²·NT A²/Hz (a resistor's Johnson noise 4kT/R is NA =
sqrt(2kT/(R·NT))). --johnson adds 4kT/R to every resistor for netlists that
carry no noise sources; --noise=false drops all noise.

The CSV has the header time,v(NODE),... with one column per non-ground node,
named and ordered as in the netlist, and one row per point of the .tran grid
TSTART, TSTART+TSTEP, ... up to TSTOP inclusive (TSTART is 0 unless given),
in seconds and volts. With uic the capacitors start at their IC= and .ic
values (0 otherwise); without it at the DC operating point, with the nodes
of .ic cards held at their values. TMAX is ignored: the stepping is exact. A
capacitor-free node is reported without its white-noise component (its
conditional mean given the capacitive nodes), since white noise has no
finite sample value.

Each number is written with --digits significant digits (1 to 17,
default 15), as Go's strconv.FormatFloat(x, 'g', D, 64) (C's %.*g): the
relative rounding error is at most 5·10^−D, and 15 is the precision a
float64 keeps through a decimal round trip, so numbers typed in the deck
(times on the grid) print as typed. --digits 17 writes every float64
exactly (it parses back bit for bit).

--format raw writes a binary SPICE raw file instead of the CSV: the format
ngspice writes with "set filetype=binary" and "write FILE" (its load
command, waveform viewers and Python raw readers read it), with the
variables time and v(NODE) of the CSV and float64 values, exact.

--out - writes the output to stdout. Otherwise the file is written under a
temporary name beside it and renamed into place at the end, so that no
reader sees a partial file and a failed run leaves none; a previous file of
that name is removed when the run has started (once the circuit is built).

--plot DIR also draws figures into DIR (created if needed), each as PNG and
SVG:

	waveforms
	    the node voltages against time (V against s, with engineering
	    prefixes), one coloured line per node with a legend: every node
	    when there are at most 10, else the first 10 (the --plot-node node
	    among them); runs of more than 800 points are drawn from the
	    minimum and maximum of 400 equal stretches, so noise envelopes
	    and spikes survive;
	stationary_NODE
	    when the run has noise: the histogram, as a probability density,
	    of the voltage of NODE over the second half of the run, against
	    the Gaussian of its exact stationary law, whose mean and variance
	    come from the assembled model (the solution of A Σ + Σ Aᵀ = D for
	    the capacitive nodes, mapped to NODE). The second half is
	    stationary only when the run is much longer than the slowest time
	    constant τ_slow; the histogram then holds about
	    (TSTOP/2)/(2·τ_slow) independent samples.

--plot-node NODE (or v(NODE), any case) chooses the node of the stationary
figure; the default is the first node, in netlist order, that is a state
(has a capacitor). Beyond 10^6 grid points the figures keep every k-th point
and their titles say so.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			out := fs.String("out", "", "write the waveforms to `FILE` (required; - for stdout)")
			format := fs.String("format", "csv", "write the waveforms as `FORMAT`: csv, or raw (binary SPICE raw file)")
			digits := fs.Int("digits", 15, "write numbers with `D` significant digits (1 to 17; 17 is exact)")
			seed := fs.Uint64("seed", 1, "seed of the noise sources (same seed, same waveforms)")
			noise := fs.Bool("noise", true, "simulate noise sources (--noise=false: deterministic run)")
			johnson := fs.Bool("johnson", false, "add Johnson noise 4kT/R to every resistor (ngspice has none)")
			plotDir := fs.String("plot", "", "also draw the waveforms and the stationary histogram into `DIR`")
			plotNode := fs.String("plot-node", "", "draw the stationary histogram of `NODE` (default: the first capacitive node)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("tran: want one netlist file, got %d arguments", len(args))
				}
				if *out == "" {
					return usagef("tran: --out FILE is required")
				}
				if *format != "csv" && *format != "raw" {
					return usagef("tran: --format %q: want csv or raw", *format)
				}
				if *digits < 1 || *digits > maxDigits {
					return usagef("tran: --digits %d: want 1 to %d", *digits, maxDigits)
				}
				if *plotNode != "" && *plotDir == "" {
					return usagef("tran: --plot-node needs --plot DIR")
				}
				return runTran(ctx, e, args[0], *out, tranOptions{format: *format, digits: *digits, seed: *seed, noise: *noise, johnson: *johnson, plotDir: *plotDir, plotNode: *plotNode})
			}
		},
	})
}

type tranOptions struct {
	// format is "csv" or "raw" (binary SPICE raw file).
	format string
	// digits is the number of significant digits of the CSV.
	digits int
	// workers is the number of goroutines formatting the CSV (0:
	// GOMAXPROCS); the output does not depend on it.
	workers int
	seed    uint64
	noise   bool
	johnson bool
	// plotDir, when not empty, receives the figures; plotNode names the
	// node of the stationary figure (empty: the first capacitive node).
	plotDir, plotNode string
}

// runTran runs the .tran analysis of the netlist at path and writes the
// waveforms in opt.format to out ("-" for stdout).
func runTran(ctx context.Context, e *env, path, out string, opt tranOptions) error {
	// A run allocates a few kilobytes per netlist line and little else
	// (the output streams through reused blocks), so the collector is
	// left off below a memory limit, unless the user tuned it (GOGC,
	// GOMEMLIMIT).
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(tranMemoryLimit))
		defer debug.SetGCPercent(debug.SetGCPercent(-1))
	}
	// The noise's normal variates are drawn on another core from the
	// start, while the deck is parsed and assembled (the same numbers,
	// see circuit.NormalStream); Simulate lowers the stream's limit to
	// what the run needs.
	src := rand.NewPCG(opt.seed, seedStream)
	var normals *circuit.NormalStream
	if opt.noise && runtime.GOMAXPROCS(0) > 1 {
		normals = circuit.NewNormalStream(src, maxTranPoints)
		defer normals.Close()
	}
	n, err := netlist.ParseFile(path)
	if err != nil {
		return badInput(err)
	}
	for _, note := range n.Notes {
		fmt.Fprintf(e.stderr, "tngd: note: %s\n", note)
	}
	tr := n.Tran
	if tr == nil {
		return badInput(fmt.Errorf("tran: %s has no .tran card", path))
	}
	nodes := n.Nodes()
	if pts := tr.Points(); pts > maxTranPoints || pts*max(1, len(nodes)) > maxTranPoints {
		return badInput(fmt.Errorf("%s: .tran %g %g asks for %d points of %d nodes (at most %d values)",
			tr.At, tr.Step, tr.Stop, pts, len(nodes), maxTranPoints))
	}
	var plot *tranPlot
	if opt.plotDir != "" {
		if plot, err = newTranPlot(n, path, opt.plotNode, opt); err != nil {
			return badInput(err)
		}
		if plot.stat == nil && opt.plotNode != "" {
			fmt.Fprintf(e.stderr, "tngd: note: the run has no noise: no stationary figure of %s\n", opt.plotNode)
		}
	}
	sopt := &netlist.SimulateOptions{
		Build:   netlist.BuildOptions{Johnson: opt.johnson},
		NoNoise: !opt.noise,
		Source:  src,
		Normals: normals,
	}
	// The output is opened at the first point, so that a circuit that
	// cannot be simulated leaves no file behind and is reported as bad
	// input; errors after that are failures of the run.
	var (
		o       *output
		rows    waveWriter
		started bool
	)
	err = netlist.Simulate(ctx, n, sopt, func(t float64, v []float64) error {
		if !started {
			started = true
			var err error
			if o, err = createOutput(out, e.stdout); err != nil {
				return err
			}
			if rows, err = newWaveWriter(o, n, nodes, opt); err != nil {
				return err
			}
		}
		if plot != nil {
			plot.record(t, v)
		}
		return rows.row(t, v)
	})
	if rows != nil {
		if cerr := rows.close(); err == nil || errors.Is(err, errWriteFailed) {
			err = cerr
		}
	}
	switch {
	case err != nil && !started:
		return badInput(err)
	case err != nil:
		if o != nil {
			o.abort()
		}
		return fmt.Errorf("tran: %w", err)
	}
	if o == nil {
		return fmt.Errorf("tran: %s: the .tran grid has no point", path)
	}
	if err := o.commit(); err != nil {
		return err
	}
	if plot != nil {
		return saveFigures(opt.plotDir, plot.specs())
	}
	return nil
}
