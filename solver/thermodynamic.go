package solver

import (
	"fmt"

	"github.com/tngd/tngd/circuit"
	"gonum.org/v1/gonum/mat"
)

// Thermodynamic is the thermodynamic linear solver: it programs a simulated
// SPU (package circuit) with the system, runs it for an analog [Window] in
// simulated time and reads the estimate out through the ADCs (Aifer et al.,
// "Thermodynamic Linear Algebra", arXiv:2308.05660; Donatella et al.,
// arXiv:2405.13817, Algorithm 1). Every imperfection of the device's
// [circuit.Hardware] acts on the result.
//
// One call:
//  1. programs the arrays (J, H, λ or A) and converts the right-hand side
//     with the DAC;
//  2. resets the cells to the start vector through the DAC (start non-nil,
//     or the right-hand side on the first call), or keeps their state
//     (warm start: start nil);
//  3. runs the window: the state at Window.Time is read (Samples ≤ 1), or
//     the mean of the K = Samples readings at BurnIn + k·(Time − BurnIn)/K,
//     k = 1…K;
//  4. runs Window.Delay more on the same programming (t_d of the paper);
//     the next warm start continues from there.
//
// [Thermodynamic.Report] gives the simulated time of each phase and the
// diagnostics of the last call. Each readout is one ADC conversion plus N
// words over the link, and the phases are serial.
//
// The zero value is not usable: set Device. A Thermodynamic keeps the
// device (and its state) between calls; it is not safe for concurrent use.
type Thermodynamic struct {
	// Device is the simulated SPU: Factored for [Thermodynamic.SolveTo],
	// Direct for [Thermodynamic.SolveDirectTo]. Its random source supplies
	// all randomness (programming errors, noise).
	Device *circuit.SPU
	// Window is the analog window and readout, in units of τ.
	Window Window
	// Evolution selects the device's integration method; nil means
	// automatic (see circuit.Evolution).
	Evolution *circuit.Evolution

	started bool
	stats   Stats
	report  ThermodynamicReport
}

// PhaseTimes splits the simulated time of one solve, in seconds.
type PhaseTimes struct {
	DAC         float64 // right-hand side (and reset) through the DACs and the link
	Programming float64 // writing the arrays
	Analog      float64 // the window and the delay
	ADC         float64 // readouts through the ADCs and the link
}

// Total returns the sum of the phases, in seconds.
func (p PhaseTimes) Total() float64 { return p.DAC + p.Programming + p.Analog + p.ADC }

// ThermodynamicReport describes the last solve of a [Thermodynamic].
type ThermodynamicReport struct {
	Times PhaseTimes
	// Scale is the controller's scaling: drift scale α, voltage scale, …
	Scale circuit.Scale
	// Spectrum is the spectrum of the programmed drift, in units of 1/τ
	// (the drift is α·A for ideal hardware).
	Spectrum circuit.Spectrum
	// Method is the integration method of the last run; Steps counts the
	// steps of all runs.
	Method circuit.Method
	Steps  int
	// Samples is the number of readings averaged.
	Samples int
	// Entries is the number of array entries written; ArrayClipped,
	// InputClipped and ReadClipped count values clipped by the arrays' range,
	// the DAC (input and reset) and the ADC.
	Entries                                 int
	ArrayClipped, InputClipped, ReadClipped int
	// Saturated and StageSaturated count clips of cell and stage outputs at
	// the op-amp rails (one per value and step).
	Saturated, StageSaturated int
}

// Stats returns the analog time, samples and steps of the last call.
func (th *Thermodynamic) Stats() Stats { return th.stats }

// Report returns the phase times and diagnostics of the last call.
func (th *Thermodynamic) Report() ThermodynamicReport { return th.report }

// Restart forgets the warm state: the next call with a nil start begins
// from the right-hand side.
func (th *Thermodynamic) Restart() { th.started = false }

// SolveTo writes into dst the device's estimate of (JᵀHJ + λI)⁻¹g, running
// the Factored Device as described on [Thermodynamic]; dst may be g or
// start. It satisfies nn.CurvatureSolver.
//
// It panics on mismatched dimensions (with each other or with the device),
// lambda ≤ 0, an invalid Window, or a nil or Direct Device. It returns the
// device's data errors: [circuit.ErrNonFiniteProblem] for NaN or Inf in the
// problem and a *circuit.DivergenceError if the state diverges.
func (th *Thermodynamic) SolveTo(dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error {
	return th.SolveGramTo(dst, J, nil, H, lambda, g, start)
}

// SolveGramTo is SolveTo with gram = J Jᵀ (r×r) computed by the caller,
// which the device's simulation uses in place of its own r²N product when
// the programmed arrays are an exact image of J (see circuit.SPU.SetGram);
// the result equals SolveTo's to rounding; a nil gram is SolveTo. It
// satisfies nn.GramCurvatureSolver.
func (th *Thermodynamic) SolveGramTo(dst *mat.VecDense, J *mat.Dense, gram, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error {
	checkProblem("Thermodynamic", dst, J, H, lambda, g, start)
	dev := th.device(circuit.Factored)
	prog, err := dev.ProgramFactored(J, H, lambda)
	if err != nil {
		return fmt.Errorf("solver: Thermodynamic: %w", err)
	}
	if gram != nil {
		dev.SetGram(J, gram)
		defer dev.SetGram(nil, nil)
	}
	if start == nil {
		return th.solve(dst, prog, g, nil) // not a typed nil
	}
	return th.solve(dst, prog, g, start)
}

// SolveDirectTo writes into dst the device's estimate of A⁻¹b, running the
// Direct Device as described on [Thermodynamic]; A (N×N) may be
// non-symmetric but must be positive-stable. dst may be b or start (nil:
// warm start).
//
// It panics on mismatched dimensions, an invalid Window, or a nil or
// Factored Device. It returns a *circuit.StabilityError (wrapping
// circuit.ErrNotPositiveStable) for a matrix that is not positive-stable,
// and the other data errors of [Thermodynamic.SolveTo].
func (th *Thermodynamic) SolveDirectTo(dst *mat.VecDense, A mat.Matrix, b, start mat.Vector) error {
	dev := th.device(circuit.Direct)
	if v, ok := start.(*mat.VecDense); ok && v == nil {
		start = nil // a typed nil means warm start too
	}
	n, _ := dev.Dims()
	if r, c := A.Dims(); r != n || c != n || b.Len() != n || (start != nil && start.Len() != n) {
		panic(fmt.Sprintf("solver: Thermodynamic: A %d×%d, b %d for a device of %d cells", r, c, b.Len(), n))
	}
	if dst.IsEmpty() {
		dst.ReuseAsVec(n)
	} else if dst.Len() != n {
		panic(fmt.Sprintf("solver: Thermodynamic: len(dst) = %d, want %d", dst.Len(), n))
	}
	prog, err := dev.ProgramDirect(A)
	if err != nil {
		return fmt.Errorf("solver: Thermodynamic: %w", err)
	}
	return th.solve(dst, prog, b, start)
}

func (th *Thermodynamic) device(arch circuit.Architecture) *circuit.SPU {
	if th.Device == nil {
		panic("solver: Thermodynamic: nil Device")
	}
	if a := th.Device.Architecture(); a != arch {
		panic(fmt.Sprintf("solver: Thermodynamic: %v problem on a %v device", arch, a))
	}
	if err := th.Window.Validate(); err != nil {
		panic(err.Error())
	}
	return th.Device
}

// solve runs steps 1 (input) to 4 after programming.
func (th *Thermodynamic) solve(dst *mat.VecDense, prog circuit.ProgramReport, b, start mat.Vector) error {
	dev := th.Device
	w := th.Window
	rep := ThermodynamicReport{Entries: prog.Entries, ArrayClipped: prog.Clipped}
	rep.Times.Programming = prog.Time
	th.stats = Stats{AnalogTime: w.Time + w.Delay, Samples: w.samples()}
	th.report = rep // partial, in case of an error below

	// Copy the start before the input: dst may alias it.
	var x0 mat.Vector
	switch {
	case start != nil:
		x0 = mat.VecDenseCopyOf(start)
	case !th.started:
		x0 = mat.VecDenseCopyOf(b)
	}
	in, err := dev.SetInput(b)
	if err != nil {
		return fmt.Errorf("solver: Thermodynamic: %w", err)
	}
	rep.Times.DAC += in.Time
	rep.InputClipped += in.Clipped
	if x0 != nil {
		rs := dev.Reset(x0)
		rep.Times.DAC += rs.Time
		rep.InputClipped += rs.Clipped
	}
	th.started = true

	run := func(t float64) error {
		rr, err := dev.Run(t, th.Evolution)
		rep.Times.Analog += rr.Time
		rep.Method = rr.Method
		rep.Steps += rr.Steps
		rep.Saturated += rr.Saturated
		rep.StageSaturated += rr.StageSaturated
		if err != nil {
			return fmt.Errorf("solver: Thermodynamic: %w", err)
		}
		return nil
	}
	n := dst.Len()
	k := w.samples()
	rep.Samples = k
	var sample mat.VecDense
	sample.ReuseAsVec(n)
	mean := mat.NewVecDense(n, nil)
	read := func() {
		rr := dev.ReadTo(&sample)
		rep.Times.ADC += rr.Time
		rep.ReadClipped += rr.Clipped
		mean.AddVec(mean, &sample)
	}
	if k == 1 {
		if err := run(w.Time); err != nil {
			th.report = rep
			return err
		}
		read()
	} else {
		if err := run(w.BurnIn); err != nil {
			th.report = rep
			return err
		}
		dt := (w.Time - w.BurnIn) / float64(k)
		for range k {
			if err := run(dt); err != nil {
				th.report = rep
				return err
			}
			read()
		}
		mean.ScaleVec(1/float64(k), mean)
	}
	if w.Delay > 0 {
		if err := run(w.Delay); err != nil {
			th.report = rep
			return err
		}
	}
	rep.Scale = dev.Scale()
	rep.Spectrum = dev.Spectrum()
	th.stats.Steps = rep.Steps
	th.report = rep
	dst.CopyVec(mean)
	return nil
}
