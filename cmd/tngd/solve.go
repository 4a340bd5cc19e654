package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/tngd/tngd/circuit"
	"github.com/tngd/tngd/solver"
	"gonum.org/v1/gonum/mat"
)

// solveSeedStream is the second word of the PCG state seeded by --seed.
const solveSeedStream = 0x736f6c76 // "solv"

// solveAutoTimeConstants is the window of --time 0 in units of the slowest
// time constant of the programmed drift: e^{−20} ≈ 2e-9 of the start
// remains.
const solveAutoTimeConstants = 20

// solveDefaultTemperature is the temperature of the default hardware:
// room temperature, so that the default run has the physical Johnson noise.
const solveDefaultTemperature = 300

func init() {
	register(&command{
		name:  "solve",
		usage: "--matrix A.csv --rhs b.csv [--hardware HW.toml] [--time T] [--samples K] [--burn-in B] [--seed S] [--json] [--plot DIR [--plot-cell I] [--plot-points P]]",
		short: "solve a linear system Ax = b on the simulated SPU",
		long: `Solve solves the linear system Ax = b on the simulated stochastic processing
unit in its direct architecture (Thermodynamic Linear Algebra): A is
programmed into one N×N resistor array, b is driven into the N integrator
cells by the DACs, the circuit relaxes for the analog window and the cell
voltages are read by the ADCs. A may be non-symmetric but must be
positive-stable (every eigenvalue with a positive real part).

A.csv holds n rows of n comma-separated numbers; b.csv holds n numbers, one
per line or all in one row. Blank lines are ignored.

The hardware is the description in HW.toml (see go doc
github.com/tngd/tngd/circuit Hardware; unknown keys are errors). Without
--hardware it is the paper's ideal device (R = 1 kΩ, C = 1 nF, τ = 1 µs,
16-bit words over a 50 Gb/s link) at 300 K, whose only imperfection is the
Johnson noise of its conductances.

--time is the analog window in units of τ; 0 chooses 20 time constants of
the slowest mode of the programmed drift. With --samples K > 1 the estimate
is the mean of K readings taken at equal intervals after a burn-in
(--burn-in, in τ; default: half the window), whose error falls as
sqrt(2·τ_slow/T) with the averaging time T.

The estimate is printed one value per line. With --json one JSON object is
printed instead, with the estimate x, its relative residual
‖Ax − b‖/‖b‖ (residual), its relative error against a digital LU solve
(error_vs_exact), the simulated time (sim_time_s) and its phases
(phase_times_s: dac, programming, analog, adc), the window, the integration
method, the controller's scaling (alpha: the drift is α·A per τ;
state_scale_v: volts per unit of x), the spectrum of the programmed drift
per τ, and the counts of clipped and saturated values.

--plot DIR also draws figures into DIR (created if needed), each as PNG and
SVG. After the solve, the programmed device is reset to b and runs the
window again in P equal pieces (--plot-points, default 1000), read through
the ADCs at the start and after each piece; this second run has its own
noise, so its last reading is not the printed estimate.

	trajectory
	    the readings of the cells, in units of x, against analog time in τ,
	    one coloured line per cell (the first 10 cells, cell I among them),
	    each with its exact value A⁻¹b (digital LU) as a dashed grey line;
	stationary
	    when the device has noise (Johnson noise at a temperature > 0,
	    injected noise, op-amp or ADC noise): the histogram, as a
	    probability density, of cell I's reading in volts minus its exact
	    value, V_I − s_x·(A⁻¹b)_I (s_x: the controller's volts per unit of
	    x, state_scale_v of --json), over the readings after the burn-in
	    (--burn-in with --samples > 1, else half the window), against the
	    Gaussian of the exact stationary law of the programmed circuit:
	    the mean and variance of cell I's voltage from its component-level
	    circuit (every programmed conductance, its Johnson noise 4kTG, the
	    injected noise, finite op-amp gain and offsets; for ideal arrays
	    and injected κ₀ this is N(0, κ₀·s_x²·(A⁻¹)_II), for Johnson noise
	    alone a kT/C-type variance), plus the ADC's input noise. The mean
	    differs from 0 by the error of the programmed arrays. The law
	    leaves out the ADC's rounding (the title says so when it rounds);
	    where it cannot be computed (N > 256, op-amps with a finite GBW,
	    readings clipped or rails reached) the Gaussian is fitted to the
	    samples instead, and the title says so. The histogram holds about
	    (T − B)/(2·τ_slow) independent samples: lengthen --time for a
	    smoother one.

--plot-cell I (0 ≤ I < n, default 0) chooses the component of the
stationary figure.

Bad input (unreadable files, non-numbers, a non-square A, sizes that do not
match, a matrix that is not positive-stable, an invalid hardware file) exits
with status 2 and a message naming the file and line.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			var o solveOptions
			fs.StringVar(&o.matrix, "matrix", "", "read A from the CSV `FILE` (required)")
			fs.StringVar(&o.rhs, "rhs", "", "read b from the CSV `FILE` (required)")
			fs.StringVar(&o.hardware, "hardware", "", "read the hardware description from the TOML `FILE`")
			fs.Float64Var(&o.time, "time", 0, "analog window `T` in units of τ (0: 20 slowest time constants)")
			fs.IntVar(&o.samples, "samples", 1, "average `K` readings (1: the final sample)")
			fs.Float64Var(&o.burnIn, "burn-in", -1, "burn-in `B` in τ before the first of K > 1 readings (default T/2)")
			fs.Uint64Var(&o.seed, "seed", 1, "seed of the device's randomness (programming errors, noise)")
			fs.BoolVar(&o.json, "json", false, "print one JSON object with the estimate and diagnostics")
			fs.StringVar(&o.plot.dir, "plot", "", "also draw the cells' trajectory and a stationary histogram into `DIR`")
			fs.IntVar(&o.plot.cell, "plot-cell", 0, "component `I` of the stationary histogram (0-based)")
			fs.IntVar(&o.plot.points, "plot-points", solvePlotPoints, "cut the window into `P` pieces for the figures")
			return func(_ context.Context, e *env, args []string) error {
				if len(args) != 0 {
					return usagef("solve: unexpected arguments %q", args)
				}
				if o.matrix == "" || o.rhs == "" {
					return usagef("solve: --matrix FILE and --rhs FILE are required")
				}
				if !(o.time >= 0) || math.IsInf(o.time, 1) {
					return usagef("solve: --time %v: want a finite value ≥ 0", o.time)
				}
				if o.samples < 1 {
					return usagef("solve: --samples %d: want at least 1", o.samples)
				}
				if o.plot.dir == "" {
					var extra string
					fs.Visit(func(f *flag.Flag) {
						if f.Name == "plot-cell" || f.Name == "plot-points" {
							extra = f.Name
						}
					})
					if extra != "" {
						return usagef("solve: --%s needs --plot DIR", extra)
					}
				}
				if o.plot.points < 2 || o.plot.points > solvePlotMaxPoints {
					return usagef("solve: --plot-points %d: want 2 to %d", o.plot.points, solvePlotMaxPoints)
				}
				if o.plot.cell < 0 {
					return usagef("solve: --plot-cell %d: want a cell index ≥ 0", o.plot.cell)
				}
				return runSolve(e, o)
			}
		},
	})
}

type solveOptions struct {
	matrix, rhs, hardware string
	time, burnIn          float64
	samples               int
	seed                  uint64
	json                  bool
	plot                  solvePlot
}

// solveResult is the JSON output of tngd solve.
type solveResult struct {
	N            int            `json:"n"`
	X            []float64      `json:"x"`
	Residual     float64        `json:"residual"`
	ErrorVsExact float64        `json:"error_vs_exact"`
	SimTime      float64        `json:"sim_time_s"`
	Phases       solvePhases    `json:"phase_times_s"`
	TimeTau      float64        `json:"time_tau"`
	BurnInTau    float64        `json:"burn_in_tau"`
	Samples      int            `json:"samples"`
	Method       string         `json:"method"`
	Steps        int            `json:"steps"`
	Alpha        float64        `json:"alpha"`
	StateScale   float64        `json:"state_scale_v"`
	Spectrum     solveSpectrum  `json:"spectrum_per_tau"`
	Clipped      map[string]int `json:"clipped"`
	Saturated    map[string]int `json:"saturated"`
	Seed         uint64         `json:"seed"`
}

type solvePhases struct {
	DAC         float64 `json:"dac"`
	Programming float64 `json:"programming"`
	Analog      float64 `json:"analog"`
	ADC         float64 `json:"adc"`
}

type solveSpectrum struct {
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Exact bool    `json:"exact"`
}

func runSolve(e *env, o solveOptions) error {
	// programDirect programs once to learn the drift's slowest mode (the
	// controller's calibration; the solve programs again).
	A, b, dev, err := programDirect(o.matrix, o.rhs, o.hardware, o.seed)
	if err != nil {
		return err
	}
	n, _ := A.Dims()
	if o.plot.dir != "" && o.plot.cell >= n {
		return usagef("solve: --plot-cell %d: A (%s) has %d rows, want 0 to %d", o.plot.cell, o.matrix, n, n-1)
	}
	spec := dev.Spectrum()
	w := solver.Window{Time: o.time, Samples: o.samples}
	if w.Time == 0 {
		w.Time = solveAutoTimeConstants / spec.Min
	}
	if o.samples > 1 {
		w.BurnIn = w.Time / 2
		if o.burnIn >= 0 {
			w.BurnIn = o.burnIn
		}
		if w.BurnIn > w.Time {
			return usagef("solve: --burn-in %v is longer than the window %v", w.BurnIn, w.Time)
		}
	}
	th := &solver.Thermodynamic{Device: dev, Window: w}
	var x mat.VecDense
	if err := th.SolveDirectTo(&x, A, b, nil); err != nil {
		if errors.Is(err, circuit.ErrNotPositiveStable) || errors.Is(err, circuit.ErrNonFiniteProblem) {
			return solveDataError(o.matrix, err)
		}
		return err
	}

	var exact, res mat.VecDense
	if err := exact.SolveVec(A, b); err != nil {
		return badInput(fmt.Errorf("%s: the matrix is singular: %v", o.matrix, err))
	}
	res.MulVec(A, &x)
	res.SubVec(&res, b)
	var diff mat.VecDense
	diff.SubVec(&x, &exact)
	rep := th.Report()
	if o.plot.dir != "" {
		figs, err := solveFigures(e, dev, o.matrix, b, &exact, w, o.plot)
		if err != nil {
			return err
		}
		if err := saveFigures(o.plot.dir, figs); err != nil {
			return err
		}
	}
	if !o.json {
		bw := bufio.NewWriter(e.stdout)
		for i := 0; i < n; i++ {
			fmt.Fprintln(bw, strconv.FormatFloat(x.AtVec(i), 'g', 12, 64))
		}
		return bw.Flush()
	}
	out := solveResult{
		N:            n,
		X:            append([]float64(nil), x.RawVector().Data...),
		Residual:     ratio(mat.Norm(&res, 2), mat.Norm(b, 2)),
		ErrorVsExact: ratio(mat.Norm(&diff, 2), mat.Norm(&exact, 2)),
		SimTime:      rep.Times.Total(),
		Phases:       solvePhases{DAC: rep.Times.DAC, Programming: rep.Times.Programming, Analog: rep.Times.Analog, ADC: rep.Times.ADC},
		TimeTau:      w.Time,
		BurnInTau:    w.BurnIn,
		Samples:      rep.Samples,
		Method:       rep.Method.String(),
		Steps:        rep.Steps,
		Alpha:        rep.Scale.Alpha,
		StateScale:   rep.Scale.State,
		Spectrum:     solveSpectrum{Min: rep.Spectrum.Min, Max: rep.Spectrum.Max, Exact: rep.Spectrum.Exact},
		Clipped:      map[string]int{"arrays": rep.ArrayClipped, "dac": rep.InputClipped, "adc": rep.ReadClipped},
		Saturated:    map[string]int{"cells": rep.Saturated, "stages": rep.StageSaturated},
		Seed:         o.seed,
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// ratio returns a/b, or a when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return a
	}
	return a / b
}

// programDirect reads A (matrix) and b (rhs) and the hardware description
// (the default hardware at room temperature when hardware is ""), builds a
// direct-architecture SPU seeded with seed, programs A and applies b. Every
// error is bad input (exit status 2) naming the file at fault.
func programDirect(matrix, rhs, hardware string, seed uint64) (*mat.Dense, *mat.VecDense, *circuit.SPU, error) {
	hw := circuit.Hardware{Noise: circuit.NoiseSpec{Temperature: solveDefaultTemperature}}
	A, err := readMatrixCSV(matrix)
	if err != nil {
		return nil, nil, nil, badInput(err)
	}
	n, _ := A.Dims()
	b, err := readVectorCSV(rhs)
	if err != nil {
		return nil, nil, nil, badInput(err)
	}
	if b.Len() != n {
		return nil, nil, nil, badInput(fmt.Errorf("%s: %d values, but A (%s) is %d×%d", rhs, b.Len(), matrix, n, n))
	}
	if hardware != "" {
		if hw, err = readHardware(hardware); err != nil {
			return nil, nil, nil, badInput(err)
		}
	}
	dev, err := circuit.NewSPU(&hw, circuit.Direct, n, 0, rand.NewPCG(seed, solveSeedStream))
	if err != nil {
		return nil, nil, nil, badInput(fmt.Errorf("%s: %w", hardware, err))
	}
	if _, err := dev.ProgramDirect(A); err != nil {
		return nil, nil, nil, solveDataError(matrix, err)
	}
	if _, err := dev.SetInput(b); err != nil {
		return nil, nil, nil, solveDataError(rhs, err)
	}
	return A, b, dev, nil
}

// solveDataError turns the device's refusal of the data in file into bad
// input.
func solveDataError(file string, err error) error {
	var se *circuit.StabilityError
	if errors.As(err, &se) {
		return badInput(fmt.Errorf("%s: the matrix is not positive-stable (an eigenvalue has real part %.6g ≤ 0), so the circuit would not settle", file, se.MinReal))
	}
	if errors.Is(err, circuit.ErrNonFiniteProblem) {
		return badInput(fmt.Errorf("%s: %w", file, err))
	}
	return err
}

// readHardware decodes a hardware description file strictly.
func readHardware(path string) (circuit.Hardware, error) {
	f, err := os.Open(path)
	if err != nil {
		return circuit.Hardware{}, err
	}
	defer f.Close()
	return circuit.DecodeHardware(f, path)
}

// readCSV returns the numbers of a CSV file by line, skipping blank lines;
// errors name the file, line and field.
func readCSV(path string) (rows [][]float64, lines []int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return parseCSV(f, path)
}

func parseCSV(r io.Reader, path string) (rows [][]float64, lines []int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		fields := strings.Split(text, ",")
		row := make([]float64, len(fields))
		for i, fld := range fields {
			fld = strings.TrimSpace(fld)
			v, err := strconv.ParseFloat(fld, 64)
			if err != nil {
				if fld == "" {
					return nil, nil, fmt.Errorf("%s:%d: value %d is empty", path, line, i+1)
				}
				return nil, nil, fmt.Errorf("%s:%d: value %d, %q, is not a number", path, line, i+1, fld)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, nil, fmt.Errorf("%s:%d: value %d, %q, is not finite", path, line, i+1, fld)
			}
			row[i] = v
		}
		rows = append(rows, row)
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("%s: no numbers", path)
	}
	return rows, lines, nil
}

// readMatrixCSV reads a square matrix: n rows of n comma-separated numbers.
func readMatrixCSV(path string) (*mat.Dense, error) {
	rows, lines, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	n := len(rows[0])
	for k, row := range rows {
		if len(row) != n {
			return nil, fmt.Errorf("%s:%d: row has %d values, the first row has %d", path, lines[k], len(row), n)
		}
	}
	if len(rows) != n {
		return nil, fmt.Errorf("%s: the matrix has %d rows of %d values; it must be square", path, len(rows), n)
	}
	A := mat.NewDense(n, n, nil)
	for i, row := range rows {
		A.SetRow(i, row)
	}
	return A, nil
}

// readVectorCSV reads a vector: one number per line, or one row.
func readVectorCSV(path string) (*mat.VecDense, error) {
	rows, lines, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	if len(rows) == 1 {
		return mat.NewVecDense(len(rows[0]), rows[0]), nil
	}
	v := make([]float64, len(rows))
	for k, row := range rows {
		if len(row) != 1 {
			return nil, fmt.Errorf("%s:%d: %d values on a line; give one number per line or all in one row", path, lines[k], len(row))
		}
		v[k] = row[0]
	}
	return mat.NewVecDense(len(v), v), nil
}
