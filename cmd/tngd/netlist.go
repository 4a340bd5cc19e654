package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/tngd/tngd/circuit"
	"github.com/tngd/tngd/netlist"
)

// netlistDefaultPoints is the number of .tran steps when --step is 0.
const netlistDefaultPoints = 1000

func init() {
	register(&command{
		name:  "netlist",
		usage: "--matrix A.csv --rhs b.csv [--hardware HW.toml] --out SPU.cir [--time T] [--step S] [--seed S] [--wave FILE]",
		short: "write the SPU programmed for Ax = b as an ngspice netlist",
		long: `Netlist programs the simulated stochastic processing unit (direct
architecture, as tngd solve) for the linear system Ax = b and writes the
programmed device as an ngspice-compatible netlist, element by element: the
integrator cells (feedback capacitors and op-amps), every programmed
conductance of the resistor array as a resistor (each signed entry a
differential pair fed by a cell output and its inverted copy), the inverters,
the DACs as voltage sources behind their input conductances, and the noise.

A.csv, b.csv and HW.toml are read as by tngd solve (same defaults: the
paper's ideal device at 300 K without --hardware). The device, with its
programming errors and stuck devices, is drawn from --seed.

SPICE has no ideal op-amp: an ideal op-amp is written as a voltage-controlled
voltage source of gain 1e9, a finite-gain one with its gain. The Johnson
noise of every resistor (4kT/R) and the injected and op-amp noise are
written as TRNOISE(NA NT 0 0) current sources (ngspice has no resistor noise
in a transient analysis), with NT a tenth of the fastest time constant of
the circuit and NA = sqrt(S/(2·NT)) for a one-sided PSD S, so 4kT/R gives
NA = sqrt(2kT/(R·NT)). A device with a finite op-amp gain-bandwidth product
cannot be written (the circuit engine has no linear form for it); rails and
converters are not part of the netlist.

The deck ends with .tran STEP T 0 0 uic (cells start at 0 V) and a .control
block that runs it, resamples it on the .tran grid with linearize and writes
time and every node voltage with wrdata to --wave (default: the --out name
with .txt). Run it with 'ngspice -b SPU.cir' or 'tngd tran SPU.cir'. The cell
outputs are the nodes x0, x1, …: the solution x_i is V(x_i) divided by the
controller's state scale, printed on stdout with the other scaling facts.

--time is the window in units of τ (0: 20 slowest time constants of the
programmed drift, as tngd solve); --step the output step in τ (0: a
thousandth of the window).`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			var o netlistOptions
			fs.StringVar(&o.matrix, "matrix", "", "read A from the CSV `FILE` (required)")
			fs.StringVar(&o.rhs, "rhs", "", "read b from the CSV `FILE` (required)")
			fs.StringVar(&o.hardware, "hardware", "", "read the hardware description from the TOML `FILE`")
			fs.StringVar(&o.out, "out", "", "write the netlist to `FILE` (required; - for stdout)")
			fs.Float64Var(&o.time, "time", 0, "analog window `T` of the .tran card in units of τ (0: 20 slowest time constants)")
			fs.Float64Var(&o.step, "step", 0, "output step `S` of the .tran card in units of τ (0: T/1000)")
			fs.Uint64Var(&o.seed, "seed", 1, "seed of the device's randomness (programming errors, stuck devices)")
			fs.StringVar(&o.wave, "wave", "", "file that the .control block writes with wrdata (default: --out with .txt)")
			return func(_ context.Context, e *env, args []string) error {
				if len(args) != 0 {
					return usagef("netlist: unexpected arguments %q", args)
				}
				if o.matrix == "" || o.rhs == "" || o.out == "" {
					return usagef("netlist: --matrix FILE, --rhs FILE and --out FILE are required")
				}
				if !(o.time >= 0) || math.IsInf(o.time, 1) {
					return usagef("netlist: --time %v: want a finite value ≥ 0", o.time)
				}
				if !(o.step >= 0) || math.IsInf(o.step, 1) {
					return usagef("netlist: --step %v: want a finite value ≥ 0", o.step)
				}
				return runNetlist(e, o)
			}
		},
	})
}

type netlistOptions struct {
	matrix, rhs, hardware, out, wave string
	time, step                       float64
	seed                             uint64
}

func runNetlist(e *env, o netlistOptions) error {
	A, _, dev, err := programDirect(o.matrix, o.rhs, o.hardware, o.seed)
	if err != nil {
		return err
	}
	n, _ := A.Dims()
	c, err := dev.Circuit()
	if err != nil {
		if errors.Is(err, circuit.ErrNotRepresentable) {
			return badInput(fmt.Errorf("%s: the device cannot be written as a netlist: %w", o.hardware, err))
		}
		return err
	}
	tau := dev.Tau()
	spec := dev.Spectrum()
	window := o.time
	if window == 0 {
		window = solveAutoTimeConstants / spec.Min
	}
	step := o.step
	if step == 0 {
		step = window / netlistDefaultPoints
	}
	if step > window {
		return usagef("netlist: --step %v is longer than the window %v", step, window)
	}
	deck, _, err := netlist.Export(c, &netlist.ExportOptions{
		Title: fmt.Sprintf("tngd SPU, direct architecture, N = %d, programmed for %s and %s", n, filepath.Base(o.matrix), filepath.Base(o.rhs)),
	})
	if err != nil {
		return err
	}
	deck.Tran = &netlist.Tran{Step: step * tau, Stop: window * tau, UIC: true}
	wave := o.wave
	if wave == "" {
		wave = strings.TrimSuffix(filepath.Base(o.out), filepath.Ext(o.out)) + ".txt"
		if o.out == "-" {
			wave = "spu.txt"
		}
	}
	wopt := &netlist.WriteOptions{Wave: wave}

	w := e.stdout
	var f *os.File
	if o.out != "-" {
		if f, err = os.Create(o.out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	if err := netlist.Write(bw, deck, wopt); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
		sc := dev.Scale()
		fmt.Fprintf(e.stdout, "wrote %s: %d elements, %d nodes; cell outputs x0 … x%d\n", o.out, len(deck.Elements), len(deck.Nodes()), n-1)
		fmt.Fprintf(e.stdout, "tau = %g s, drift = %g·A per tau, state scale = %g V per unit of x (x_i = V(x_i)/%g)\n", tau, sc.Alpha, sc.State, sc.State)
		fmt.Fprintf(e.stdout, ".tran %g %g (window %g tau, step %g tau), waveforms to %s\n", deck.Tran.Step, deck.Tran.Stop, window, step, wave)
	}
	return nil
}
