package scenarios

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tngd/tngd/circuit"
	"github.com/tngd/tngd/nn"
	"github.com/tngd/tngd/solver"
)

// Scenario is one study: the hardware, the task, the optimizers to compare,
// how long to run them, and what to sweep. It is decoded strictly from a TOML
// file by [Load]; every key is documented in docs/scenario.md. The zero value
// of every field means the documented default.
type Scenario struct {
	// Name labels the study in outputs; "" means the file's base name.
	Name string `toml:"name"`
	// Description is free text carried into the results.
	Description string `toml:"description"`
	// Run sets the length of each training run, its evaluations and seeds.
	Run Run `toml:"run"`
	// Task is the data set, model and loss.
	Task Task `toml:"task"`
	// Hardware describes the SPU of every thermodynamic optimizer whose
	// device is "circuit"; see circuit.Hardware for each key.
	Hardware circuit.Hardware `toml:"hardware"`
	// Digital is the compute model of the digital side of the hybrid loop.
	Digital Digital `toml:"digital"`
	// Optimizers are compared on the same data, seeds and simulated clock.
	// At least one is required.
	Optimizers []Optimizer `toml:"optimizer"`
	// Sweep lists parameters to vary; empty means a single point.
	Sweep Sweep `toml:"sweep"`

	// tree is the decoded document (after --set), from which sweep points
	// are derived and the resolved scenario is written.
	tree tree
}

// Run configures the training runs of a scenario. The embedded
// nn.TrainConfig gives epochs, iterations, batch size and evaluation cadence
// (keys epochs, iterations, batch_size, drop_last, eval_every, eval_batch,
// eval_train, explode_factor).
type Run struct {
	nn.TrainConfig
	// Seeds lists the master seeds; each one is a replica of every point
	// and optimizer. Empty means [1].
	Seeds []uint64 `toml:"seeds"`
	// TargetLoss, when positive, is a test loss whose first crossing is
	// reported in the summary as simulated time and iteration to target.
	TargetLoss float64 `toml:"target_loss"`
	// SkipSolveCheck turns off the comparison, at every step of a
	// natural-gradient optimizer, of its estimate g̃ with the exact
	// (F + λI)⁻¹∇ℓ of the same step (nn's structured Woodbury solve, which
	// costs about as much as the Jacobian). Default false: the solve_rel_err
	// and solve_cos columns are filled.
	SkipSolveCheck bool `toml:"skip_solve_check"`
}

// Task selects the data and the model.
type Task struct {
	// Dataset is "mnist" (the default) or "teacher-student".
	Dataset string `toml:"dataset"`
	// MNIST configures the MNIST subsets (dataset "mnist").
	MNIST nn.MNIST `toml:"mnist"`
	// TeacherStudent configures the synthetic task (dataset
	// "teacher-student").
	TeacherStudent nn.TeacherStudent `toml:"teacher_student"`
	// Model is the network; see nn.ModelConfig.
	Model nn.ModelConfig `toml:"model"`
	// Loss is "cross-entropy" (the default) or "mse".
	Loss string `toml:"loss"`
	// Pretrain, when its Epochs is positive, first trains the model with
	// Adam on its own digits and then hands the weights to every optimizer:
	// a fine-tuning task.
	Pretrain Pretrain `toml:"pretrain"`
}

// Pretrain configures the pre-training of a fine-tuning task (MNIST only).
type Pretrain struct {
	// Digits are the classes of the pre-training set; empty means all.
	Digits []int `toml:"digits"`
	// Epochs of Adam over those images; 0 disables pre-training.
	Epochs int `toml:"epochs"`
	// LR is Adam's learning rate; 0 means 1e-3.
	LR float64 `toml:"lr"`
	// Train is the number of pre-training images; 0 means the task's
	// training size.
	Train int `toml:"train"`
}

// Digital is the compute model of the digital side: how long the
// accelerator takes for the loss, gradient, Jacobian and Hessian of a step,
// and for the update of each optimizer.
type Digital struct {
	// FLOPS is the sustained throughput of the digital accelerator in
	// floating-point operations per second; 0 means 1e13 (10 TFLOP/s).
	FLOPS float64 `toml:"flops"`
	// Overhead is the fixed cost of each digital call, in seconds; 0 means
	// 10 µs. A negative value means none.
	Overhead float64 `toml:"overhead"`
	// Measured, when true, replaces the model by the measured CPU time of
	// the step on this machine (not reproducible across machines).
	Measured bool `toml:"measured"`
}

// Default values of [Digital].
const (
	DefaultFLOPS    = 1e13
	DefaultOverhead = 10e-6
)

// Throughput returns FLOPS with its default filled in.
func (d Digital) Throughput() float64 {
	if d.FLOPS == 0 {
		return DefaultFLOPS
	}
	return d.FLOPS
}

// CallOverhead returns Overhead with its default filled in, in seconds.
func (d Digital) CallOverhead() float64 {
	switch {
	case d.Overhead == 0:
		return DefaultOverhead
	case d.Overhead < 0:
		return 0
	}
	return d.Overhead
}

// Optimizer is one [[optimizer]] table: a kind from nn.OptimizerKinds with
// its hyper-parameters (the keys of the matching nn configuration, such as
// lr, damping.lambda, momentum), plus, for the thermodynamic kinds, the
// device that solves for the natural gradient.
type Optimizer struct {
	// Name labels the optimizer in results and sweep keys
	// (optimizer.NAME.KEY); "" means Kind. Names must be unique.
	Name string `toml:"name"`
	// Kind is one of nn.OptimizerKinds: sgd, adam, ngd, ngd-cg,
	// ngd-woodbury, tngd, tngd-adam.
	Kind string `toml:"kind"`
	// Device is the curvature solver of tngd and tngd-adam: "circuit" (the
	// default: the SPU described by [hardware]) or "ideal" (the exact
	// Ornstein–Uhlenbeck device of package solver, with noise Kappa0).
	Device string `toml:"device"`
	// Window is the analog window in units of τ: time, samples, burn_in,
	// delay (t_d). See solver.Window.
	Window solver.Window `toml:"window"`
	// Kappa0 is the noise κ₀ of the ideal device (normalised units). The
	// circuit device takes its noise from [hardware.noise].
	Kappa0 float64 `toml:"kappa0"`
	// Evolution selects how the circuit device is simulated: method
	// "auto" (the default: the fastest exact method that applies),
	// "low-rank", "low-rank-etd", "exact-dense" or "euler-maruyama", and
	// the Euler step in τ; see circuit.Evolution. The method used is
	// recorded in the summary.
	Evolution circuit.Evolution `toml:"evolution"`

	// Config holds the kind's hyper-parameters, decoded from the same table.
	Config nn.OptimizerConfig `toml:"-"`
}

// Label returns Name, or Kind when Name is empty.
func (o *Optimizer) Label() string {
	if o.Name != "" {
		return o.Name
	}
	return o.Kind
}

// Thermodynamic reports whether the optimizer solves on a thermodynamic
// device (tngd, tngd-adam).
func (o *Optimizer) Thermodynamic() bool { return o.Kind == "tngd" || o.Kind == "tngd-adam" }

// Datasets lists the accepted values of Task.Dataset.
var Datasets = []string{"mnist", "teacher-student"}

// Devices lists the accepted values of Optimizer.Device.
var Devices = []string{"circuit", "ideal"}

// FieldError is an invalid value in a scenario: Key is the dotted key
// (hardware.arrays.bits, optimizer.tngd.window.time) and Line its line in
// the file when known (0 otherwise).
type FieldError struct {
	File string
	Line int
	Key  string
	Err  error
}

func (e *FieldError) Error() string {
	pos := e.File
	if e.Line > 0 {
		pos = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if pos != "" {
		pos += ": "
	}
	if e.Key == "" {
		return pos + e.Err.Error()
	}
	return fmt.Sprintf("%s%s: %v", pos, e.Key, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// Is reports every FieldError as an [ErrInvalid].
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// ErrInvalid matches (errors.Is) every error about the contents of a
// scenario: syntax, types, unknown keys and values out of range.
var ErrInvalid = errors.New("scenarios: invalid scenario")

func invalid(key, format string, args ...any) *FieldError {
	return &FieldError{Key: key, Err: fmt.Errorf(format, args...)}
}

// wrapInvalid attributes a nested Validate error to the key of its section.
func wrapInvalid(key string, err error) *FieldError {
	return &FieldError{Key: key, Err: err}
}

// Validate checks the scenario and returns the first problem as a
// *FieldError naming its dotted key.
func (s *Scenario) Validate() error {
	if err := s.Run.TrainConfig.Validate(); err != nil {
		return wrapInvalid("run", err)
	}
	if s.Run.TargetLoss < 0 {
		return invalid("run.target_loss", "must be ≥ 0, got %g", s.Run.TargetLoss)
	}
	if err := s.Task.validate(); err != nil {
		return err
	}
	if err := s.Hardware.Validate(); err != nil {
		var he *circuit.FieldError
		if errors.As(err, &he) {
			return invalid("hardware."+he.Field, "%s", he.Reason)
		}
		return wrapInvalid("hardware", err)
	}
	if s.Digital.FLOPS < 0 {
		return invalid("digital.flops", "must be > 0, got %g", s.Digital.FLOPS)
	}
	if len(s.Optimizers) == 0 {
		return invalid("optimizer", "at least one [[optimizer]] table is required")
	}
	seen := map[string]bool{}
	for i := range s.Optimizers {
		o := &s.Optimizers[i]
		key := fmt.Sprintf("optimizer.%d", i)
		if seen[o.Label()] {
			return invalid(key+".name", "%q is used by two optimizers; give each a distinct name", o.Label())
		}
		seen[o.Label()] = true
		if err := o.validate(key); err != nil {
			return err
		}
	}
	if _, err := s.Sweep.Points(); err != nil {
		return wrapInvalid("sweep", err)
	}
	return nil
}

func (t *Task) validate() error {
	switch t.Dataset {
	case "", "mnist":
		if err := t.MNIST.Validate(); err != nil {
			return wrapInvalid("task.mnist", err)
		}
	case "teacher-student":
		if err := t.TeacherStudent.Validate(); err != nil {
			return wrapInvalid("task.teacher_student", err)
		}
		if t.Pretrain.Epochs > 0 {
			return invalid("task.pretrain.epochs", "pre-training needs dataset \"mnist\"")
		}
	default:
		return invalid("task.dataset", "want one of %q, got %q", Datasets, t.Dataset)
	}
	if err := t.Model.Validate(); err != nil {
		return wrapInvalid("task.model", err)
	}
	if _, err := nn.LossByName(t.Loss); err != nil {
		return wrapInvalid("task.loss", err)
	}
	if t.Pretrain.Epochs < 0 || t.Pretrain.LR < 0 || t.Pretrain.Train < 0 {
		return invalid("task.pretrain", "epochs, lr and train must be ≥ 0")
	}
	for _, d := range t.Pretrain.Digits {
		if d < 0 || d > 9 {
			return invalid("task.pretrain.digits", "digits are 0–9, got %d", d)
		}
	}
	return nil
}

func (o *Optimizer) validate(key string) error {
	if !slices.Contains(nn.OptimizerKinds, o.Kind) {
		return invalid(key+".kind", "want one of %q, got %q", nn.OptimizerKinds, o.Kind)
	}
	if o.Config == nil {
		return invalid(key, "hyper-parameters were not decoded")
	}
	if err := o.Config.Validate(); err != nil {
		return wrapInvalid(key, err)
	}
	if !o.Thermodynamic() {
		if o.Device != "" || o.Window != (solver.Window{}) || o.Kappa0 != 0 || o.Evolution != (circuit.Evolution{}) {
			return invalid(key, "device, window, kappa0 and evolution apply only to tngd and tngd-adam, not %q", o.Kind)
		}
		return nil
	}
	if o.Device != "" && !slices.Contains(Devices, o.Device) {
		return invalid(key+".device", "want one of %q, got %q", Devices, o.Device)
	}
	if err := o.Window.Validate(); err != nil {
		return wrapInvalid(key+".window", err)
	}
	if o.Kappa0 < 0 {
		return invalid(key+".kappa0", "must be ≥ 0, got %g", o.Kappa0)
	}
	if o.Evolution.Step < 0 {
		return invalid(key+".evolution.step", "must be ≥ 0, got %g", o.Evolution.Step)
	}
	if o.Evolution != (circuit.Evolution{}) && o.Device == "ideal" {
		return invalid(key+".evolution", "applies to device \"circuit\"; the ideal device is exact")
	}
	if o.Kappa0 != 0 && o.Device != "ideal" {
		return invalid(key+".kappa0", "applies to device \"ideal\"; the circuit device takes its noise from [hardware.noise]")
	}
	return nil
}
