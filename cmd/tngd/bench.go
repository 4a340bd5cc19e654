package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/tngd/tngd/circuit"
	"github.com/tngd/tngd/solver"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// benchSeedStream is the second word of the PCG states seeded by --seed.
const benchSeedStream = 0x62656e63 // "benc"

// benchJScale sets the synthetic Jacobian's entries to
// N(0, 1)·benchJScale·√(B/64)/√N: the rates of JᵀHJ (H carries 1/B) then
// reach ≈ 3/τ for softmax blocks whatever the batch B, so that the paper's
// 0.1τ Euler–Maruyama step is stable (it needs rates below 20/τ) while the
// spectrum spans λ = 0.01 to a few per τ.
const benchJScale = 20

// benchLambda is the damping λ of the synthetic problem (the paper's MNIST
// value).
const benchLambda = 0.01

// benchEulerStep is the Euler–Maruyama step of em_s, in τ: the paper's.
const benchEulerStep = 0.1

// benchMatvecSteps is the number of cached low-rank steps timed for
// matvec_gbps.
const benchMatvecSteps = 10

func init() {
	register(&command{
		name:  "bench",
		usage: "window [--n N] [--batch B] [--outputs DZ] [--time T] [--repeat R] [--seed S] [--json]",
		short: "time the simulation of one analog window against Euler–Maruyama and Woodbury",
		long: `Bench window times the simulation of one analog window of the factored SPU
on a synthetic TNGD problem and compares it with the alternatives, all in one
run on this machine.

The problem has N parameters, a batch of B samples with DZ outputs each
(r = B·DZ stage rows): a Jacobian J (r×N) with independent N(0, 20²·B/(64N))
entries, a softmax cross-entropy Hessian H (one DZ×DZ block per sample, from
random probabilities, divided by B), λ = 0.01 and a random gradient, so that
the drift's rates span 0.01 to a few per τ.
The hardware has mismatch and noise on: 12-bit arrays with G_min = 1 µS and
1 % programming error (so the SPU's two copies of J differ and its drift is
not symmetric), op-amp offsets and input noise in the cells and the stages,
Johnson noise at 300 K and injected noise with κ₀ = 1e-3.

Timed (wall clock, seconds): fast_s, one window of T τ by the automatic
method after a fresh programming, including the method's per-programming
work (for the low-rank method: two Gram matrices of the J copies and an r×r
eigendecomposition); em_s, the same window by Euler–Maruyama at the paper's
step of 0.1τ (its J-products on the same parallel kernels); woodbury_s, a digital natural-gradient solve of the same
system by the Woodbury identity (package solver); ideal_s, the window by the
automatic method on the paper's ideal device (exact arrays and op-amps,
injected noise κ₀ = 1e-3 only), whose identical J copies make the drift
symmetrizable and the low-rank method's eigendecomposition symmetric (a
training run also takes the Gram matrix J Jᵀ from the network instead of
the arrays, see circuit.SPU.SetGram; here it is computed from the arrays);
program_s, the simulated programming of the arrays, input and reset (not
part of the window).
matvec_gbps is the bandwidth of the J-products: bytes of the two J copies
streamed per second in cached low-rank steps (each reads the J array's copy
once for all its vectors and the Jᵀ array once). stream_gbps is this machine's
streaming read bandwidth, measured in the same run by summing an array as
large as J on all cores. With --repeat R each time is the minimum over R
repetitions (each window on a fresh programming of the same problem), which
filters out other load on a shared machine.

The summary is printed as a table; with --json one JSON object is printed
with the fields above, their ratios (em_over_fast, fast_over_woodbury,
matvec_over_stream, em_over_ideal), the methods (method, ideal_method),
the Euler–Maruyama step count and the spectrum of the programmed drift per
τ. A Euler–Maruyama run that diverges
(rates beyond 20/τ) is reported with em_diverged and its time.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			o := benchOptions{n: 20000, batch: 64, outputs: 10, time: 50}
			fs.IntVar(&o.n, "n", o.n, "number of parameters `N` (cells)")
			fs.IntVar(&o.batch, "batch", o.batch, "batch size `B`")
			fs.IntVar(&o.outputs, "outputs", o.outputs, "outputs per sample `DZ`")
			fs.Float64Var(&o.time, "time", o.time, "analog window `T` in units of τ")
			fs.IntVar(&o.repeat, "repeat", 1, "report the minimum of `R` repetitions of each timing")
			fs.Uint64Var(&o.seed, "seed", 1, "seed of the problem and of the device's randomness")
			fs.BoolVar(&o.json, "json", false, "print one JSON object")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 || args[0] != "window" {
					return usagef("bench: want 'tngd bench window', got %q", args)
				}
				switch {
				case o.n < 1:
					return usagef("bench: --n %d: want at least 1", o.n)
				case o.batch < 1:
					return usagef("bench: --batch %d: want at least 1", o.batch)
				case o.outputs < 1:
					return usagef("bench: --outputs %d: want at least 1", o.outputs)
				case !(o.time > 0) || math.IsInf(o.time, 1):
					return usagef("bench: --time %v: want a finite value > 0", o.time)
				case o.repeat < 1:
					return usagef("bench: --repeat %d: want at least 1", o.repeat)
				}
				return runBenchWindow(ctx, e, o)
			}
		},
	})
}

type benchOptions struct {
	n, batch, outputs int
	time              float64
	repeat            int
	seed              uint64
	json              bool
}

// benchResult is the JSON output of tngd bench window.
type benchResult struct {
	N                int     `json:"n"`
	Batch            int     `json:"batch"`
	Outputs          int     `json:"outputs"`
	R                int     `json:"r"`
	TimeTau          float64 `json:"time_tau"`
	Repeat           int     `json:"repeat"`
	Workers          int     `json:"workers"`
	Method           string  `json:"method"`
	FastS            float64 `json:"fast_s"`
	EmS              float64 `json:"em_s"`
	EmSteps          int     `json:"em_steps"`
	EmDiverged       bool    `json:"em_diverged"`
	WoodburyS        float64 `json:"woodbury_s"`
	IdealS           float64 `json:"ideal_s"`
	IdealMethod      string  `json:"ideal_method"`
	EmOverIdeal      float64 `json:"em_over_ideal"`
	ProgramS         float64 `json:"program_s"`
	MatvecGBps       float64 `json:"matvec_gbps"`
	StreamGBps       float64 `json:"stream_gbps"`
	EmOverFast       float64 `json:"em_over_fast"`
	FastOverWoodbury float64 `json:"fast_over_woodbury"`
	MatvecOverStream float64 `json:"matvec_over_stream"`
	SpectrumMin      float64 `json:"spectrum_min_per_tau"`
	SpectrumMax      float64 `json:"spectrum_max_per_tau"`
	Seed             uint64  `json:"seed"`
}

// benchHardware is the hardware of the benchmark: see the command's help.
func benchHardware() *circuit.Hardware {
	return &circuit.Hardware{
		Arrays:     circuit.ArraySpec{GMin: 1e-6, Bits: 12, ProgrammingError: 0.01},
		StageOpAmp: circuit.OpAmp{Gain: 1e5, Offset: 1e-4, NoiseDensity: 1e-8},
		CellOpAmp:  circuit.OpAmp{Offset: 1e-4, NoiseDensity: 1e-8},
		Noise:      circuit.NoiseSpec{Temperature: 300, Kappa0: 1e-3},
	}
}

// benchIdealHardware is the paper's device: exact arrays and op-amps,
// injected noise κ₀ = 1e-3 only.
func benchIdealHardware() *circuit.Hardware {
	return &circuit.Hardware{Noise: circuit.NoiseSpec{Kappa0: 1e-3}}
}

// benchProblem returns the synthetic J (r×N), H (r×r) and g (N).
func benchProblem(n, b, dz int, rng *rand.Rand) (*mat.Dense, *mat.SymDense, *mat.VecDense) {
	r := b * dz
	J := mat.NewDense(r, n, nil)
	raw := J.RawMatrix().Data
	s := benchJScale * math.Sqrt(float64(b)/64/float64(n))
	for i := range raw {
		raw[i] = s * rng.NormFloat64()
	}
	H := mat.NewSymDense(r, nil)
	p := make([]float64, dz)
	for k := 0; k < b; k++ {
		for o := range p {
			p[o] = math.Exp(2 * rng.NormFloat64())
		}
		floats.Scale(1/floats.Sum(p), p)
		for i := 0; i < dz; i++ {
			for j := i; j < dz; j++ {
				v := -p[i] * p[j]
				if i == j {
					v += p[i]
				}
				H.SetSym(k*dz+i, k*dz+j, v/float64(b))
			}
		}
	}
	g := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		g.SetVec(i, rng.NormFloat64())
	}
	return J, H, g
}

func runBenchWindow(ctx context.Context, e *env, o benchOptions) error {
	n, r := o.n, o.batch*o.outputs
	rng := rand.New(rand.NewPCG(o.seed, benchSeedStream))
	J, H, g := benchProblem(n, o.batch, o.outputs, rng)
	res := benchResult{N: n, Batch: o.batch, Outputs: o.outputs, R: r, TimeTau: o.time, Repeat: o.repeat, Workers: runtime.GOMAXPROCS(0), Seed: o.seed}
	res.StreamGBps = streamBandwidth(J.RawMatrix().Data)

	dev, err := circuit.NewSPU(benchHardware(), circuit.Factored, n, r, rand.NewPCG(o.seed+1, benchSeedStream))
	if err != nil {
		return err
	}
	ideal, err := circuit.NewSPU(benchIdealHardware(), circuit.Factored, n, r, rand.NewPCG(o.seed+2, benchSeedStream))
	if err != nil {
		return err
	}
	res.FastS, res.EmS, res.WoodburyS, res.ProgramS, res.IdealS = math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)
	var wb solver.Woodbury
	x := mat.NewVecDense(n, nil)
	_ = wb.SolveTo(x, J, H, benchLambda, g, nil) // sizes the workspaces
	for range o.repeat {
		start := time.Now()
		if err := benchProgram(dev, J, H, g); err != nil {
			return err
		}
		res.ProgramS = min(res.ProgramS, time.Since(start).Seconds())
		if err := ctx.Err(); err != nil {
			return err
		}

		// The automatic method on the fresh programming.
		start = time.Now()
		rep, err := dev.Run(o.time, nil)
		res.FastS = min(res.FastS, time.Since(start).Seconds())
		if err != nil {
			return fmt.Errorf("bench: %v window: %w", rep.Method, err)
		}
		res.Method = rep.Method.String()
		sp := dev.Spectrum()
		res.SpectrumMin, res.SpectrumMax = sp.Min, sp.Max

		// J-product bandwidth from cached low-rank steps.
		if rep.Method == circuit.MethodLowRank {
			ev := &circuit.Evolution{Method: circuit.MethodLowRank}
			if _, err := dev.Run(benchEulerStep, ev); err != nil { // computes the step's propagator
				return err
			}
			start = time.Now()
			for range benchMatvecSteps {
				if _, err := dev.Run(benchEulerStep, ev); err != nil {
					return err
				}
			}
			per := time.Since(start).Seconds() / benchMatvecSteps
			res.MatvecGBps = max(res.MatvecGBps, float64(2*8*r*n)/per/1e9)
		}
		if err := ctx.Err(); err != nil {
			return err
		}

		// Euler–Maruyama at 0.1τ from the same start, on the same programming.
		dev.Reset(g)
		start = time.Now()
		rep, err = dev.Run(o.time, &circuit.Evolution{Method: circuit.MethodEuler, Step: benchEulerStep})
		res.EmS = min(res.EmS, time.Since(start).Seconds())
		res.EmSteps = rep.Steps
		if err != nil {
			if !errors.Is(err, circuit.ErrStateDiverged) {
				return err
			}
			res.EmDiverged = true
		}
		if err := ctx.Err(); err != nil {
			return err
		}

		// The digital natural-gradient solve.
		start = time.Now()
		if err := wb.SolveTo(x, J, H, benchLambda, g, nil); err != nil {
			return fmt.Errorf("bench: Woodbury: %w", err)
		}
		res.WoodburyS = min(res.WoodburyS, time.Since(start).Seconds())

		// The automatic method on the paper's ideal device.
		if err := benchProgram(ideal, J, H, g); err != nil {
			return err
		}
		start = time.Now()
		rep, err = ideal.Run(o.time, nil)
		res.IdealS = min(res.IdealS, time.Since(start).Seconds())
		if err != nil {
			return fmt.Errorf("bench: ideal %v window: %w", rep.Method, err)
		}
		res.IdealMethod = rep.Method.String()
		if err := ctx.Err(); err != nil {
			return err
		}
	}

	res.EmOverFast = res.EmS / res.FastS
	res.EmOverIdeal = res.EmS / res.IdealS
	res.FastOverWoodbury = res.FastS / res.WoodburyS
	if res.StreamGBps > 0 {
		res.MatvecOverStream = res.MatvecGBps / res.StreamGBps
	}
	if o.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "window\tN = %d, r = %d (B = %d, DZ = %d), T = %gτ, %d workers, best of %d\n", n, r, o.batch, o.outputs, o.time, res.Workers, o.repeat)
	fmt.Fprintf(tw, "spectrum\t%.3g … %.3g per τ\n", res.SpectrumMin, res.SpectrumMax)
	fmt.Fprintf(tw, "fast (%s)\t%.3f s\n", res.Method, res.FastS)
	diverged := ""
	if res.EmDiverged {
		diverged = ", diverged"
	}
	fmt.Fprintf(tw, "euler-maruyama\t%.3f s\t%d steps of %gτ%s; em/fast = %.2f\n", res.EmS, res.EmSteps, benchEulerStep, diverged, res.EmOverFast)
	fmt.Fprintf(tw, "woodbury\t%.3f s\tfast/woodbury = %.2f\n", res.WoodburyS, res.FastOverWoodbury)
	fmt.Fprintf(tw, "ideal device (%s)\t%.3f s\tem/ideal = %.2f\n", res.IdealMethod, res.IdealS, res.EmOverIdeal)
	fmt.Fprintf(tw, "programming\t%.3f s\t(simulated programming, input and reset; not in the window)\n", res.ProgramS)
	if res.MatvecGBps > 0 {
		fmt.Fprintf(tw, "J-products\t%.1f GB/s\tstream %.1f GB/s; ratio %.2f\n", res.MatvecGBps, res.StreamGBps, res.MatvecOverStream)
	} else {
		fmt.Fprintf(tw, "stream\t%.1f GB/s\n", res.StreamGBps)
	}
	return tw.Flush()
}

// benchProgram programs dev with (J, H, λ), applies g and resets to g.
func benchProgram(dev *circuit.SPU, J *mat.Dense, H *mat.SymDense, g *mat.VecDense) error {
	if _, err := dev.ProgramFactored(J, H, benchLambda); err != nil {
		return err
	}
	if _, err := dev.SetInput(g); err != nil {
		return err
	}
	dev.Reset(g)
	return nil
}

// streamBandwidth returns the read bandwidth in GB/s of summing data on
// all cores (contiguous chunks, one per core), best of five passes.
func streamBandwidth(data []float64) float64 {
	w := runtime.GOMAXPROCS(0)
	best := math.Inf(1)
	sink := make([]float64, w)
	for range 5 {
		start := time.Now()
		var wg sync.WaitGroup
		for k := range w {
			lo, hi := k*len(data)/w, (k+1)*len(data)/w
			wg.Add(1)
			go func() {
				defer wg.Done()
				sink[k] += floats.Sum(data[lo:hi])
			}()
		}
		wg.Wait()
		best = min(best, time.Since(start).Seconds())
	}
	if best == 0 {
		return 0
	}
	return float64(8*len(data)) / best / 1e9
}
