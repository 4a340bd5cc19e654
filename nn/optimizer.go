package nn

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Optimizer updates the parameters θ from one minibatch. Every optimizer of
// the package (SGD, Adam, exact NGD, NGD-CG, NGD-Woodbury, TNGD, TNGD-Adam)
// is built from its configuration struct by [NewOptimizer].
type Optimizer interface {
	// Kind returns the optimizer's name as in [OptimizerKinds].
	Kind() string
	// NumParams returns N, the length of θ it was built for.
	NumParams() int
	// Step updates theta in place from the minibatch of p, on which the
	// caller has just called p.Forward(theta, x, y) with targets. It
	// returns what the step computed; the slices and matrices of the
	// StepInfo belong to the optimizer and stay valid until the next Step.
	// The Pass's cache is stale afterwards (theta has changed; adaptive
	// damping also reruns the forward pass). Step returns the curvature
	// solver's errors wrapped, and ErrNonFinite if the update is NaN or
	// infinite (theta is then left unchanged). It panics if theta or p do
	// not match the optimizer's N.
	Step(theta []float64, p *Pass) (StepInfo, error)
}

// ErrNonFinite is returned when a gradient, estimate or update holds NaN or
// ±Inf.
var ErrNonFinite = errors.New("nn: non-finite value")

// StepInfo reports what one optimizer step computed, for the training loop
// and for runtimes that wrap an optimizer (for example to compare the
// curvature solver's estimate with an exact solve of the same system).
type StepInfo struct {
	// Iteration counts the steps taken before this one (0 for the first).
	Iteration int
	// Loss is the minibatch mean loss at θ before the step.
	Loss float64
	// LR is the learning rate η of this step, after the schedule.
	LR float64
	// Lambda is the damping λ of the solve (0 for first-order methods).
	Lambda float64
	// Grad is the gradient the step used: ∇ℓ plus WeightDecay·θ (length N).
	Grad []float64
	// NatGrad is the natural-gradient estimate g̃ ≈ (F + λI)⁻¹ Grad
	// (length N); nil for first-order methods.
	NatGrad []float64
	// Update is the change applied: θ_new = θ_old + Update (length N).
	Update []float64
	// J and H are the output Jacobian (r×N) and Hessian (r×r, batch mean
	// folded in) handed to the curvature solver; nil when the method did
	// not form them (first-order methods, NGD-CG, the structured Woodbury
	// path).
	J *mat.Dense
	H *mat.SymDense
	// CGIters is the number of CG iterations of NGD-CG (0 otherwise).
	CGIters int
	// Rho is the Levenberg–Marquardt reduction ratio when adaptive damping
	// evaluated it on this step, NaN otherwise.
	Rho float64
	// Reference is the exact (F + λI)⁻¹ Grad when NaturalGradient.Reference
	// is set (nil otherwise), and SolveRelErr and SolveCos compare NatGrad
	// with it (see [CompareSolves]; NaN when not computed).
	Reference             []float64
	SolveRelErr, SolveCos float64
}

// OptimizerConfig is the configuration of one optimizer kind: [SGD], [Adam],
// [ExactNGD], [NGDCG], [NGDWoodbury], [TNGD] or [TNGDAdam] (values or
// pointers). The interface is closed.
type OptimizerConfig interface {
	// Kind returns the name of the optimizer, as in [OptimizerKinds].
	Kind() string
	// Validate reports out-of-range settings, naming the field.
	Validate() error
	build(n int, s CurvatureSolver) Optimizer
}

// OptimizerKinds lists the optimizer names accepted by [NewOptimizerConfig],
// in a fixed order.
var OptimizerKinds = []string{"sgd", "adam", "ngd", "ngd-cg", "ngd-woodbury", "tngd", "tngd-adam"}

// ErrUnknownOptimizer is returned by NewOptimizerConfig for an unknown name.
var ErrUnknownOptimizer = errors.New("nn: unknown optimizer")

// NewOptimizerConfig returns a pointer to the zero (all defaults)
// configuration of the named optimizer, ready to be decoded into from a
// scenario file. It returns ErrUnknownOptimizer for other names.
func NewOptimizerConfig(kind string) (OptimizerConfig, error) {
	switch kind {
	case "sgd":
		return &SGD{}, nil
	case "adam":
		return &Adam{}, nil
	case "ngd":
		return &ExactNGD{}, nil
	case "ngd-cg":
		return &NGDCG{}, nil
	case "ngd-woodbury":
		return &NGDWoodbury{}, nil
	case "tngd":
		return &TNGD{}, nil
	case "tngd-adam":
		return &TNGDAdam{}, nil
	}
	return nil, fmt.Errorf("%w %q (want one of %v)", ErrUnknownOptimizer, kind, OptimizerKinds)
}

// NewOptimizer validates cfg and builds the optimizer for n parameters.
// solver is the curvature solver of the natural-gradient methods: required
// by TNGD and TNGD-Adam (it panics if nil), optional for ExactNGD and
// NGDWoodbury (nil selects nn's own digital solve, see their docs), ignored
// by SGD, Adam and NGD-CG. It returns cfg's validation error, and panics if
// cfg is nil or n < 1.
func NewOptimizer(cfg OptimizerConfig, n int, solver CurvatureSolver) (Optimizer, error) {
	if cfg == nil {
		panic("nn: NewOptimizer with nil configuration")
	}
	if n < 1 {
		panic(fmt.Sprintf("nn: NewOptimizer for %d parameters", n))
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg.build(n, solver), nil
}

// Schedule multiplies the base learning rate by a factor that depends on
// the iteration k = 0, 1, …: a linear warm-up over the first Warmup
// iterations (factor (k+1)/Warmup), times the decay of Kind:
//
//   - "" or "constant": 1;
//   - "step": Gamma^⌊k/Every⌋ (Gamma default 0.1, Every required);
//   - "exp": Gamma^k (Gamma default 0.999);
//   - "cosine": Floor + (1 − Floor)·(1 + cos(π·min(k, Total)/Total))/2
//     (Total required).
//
// The zero value is a constant rate.
type Schedule struct {
	Kind   string  `toml:"kind"`
	Warmup int     `toml:"warmup"`
	Every  int     `toml:"every"`
	Gamma  float64 `toml:"gamma"`
	Total  int     `toml:"total"`
	Floor  float64 `toml:"floor"`
}

// Validate checks the kind and its parameters.
func (s Schedule) Validate() error {
	if s.Warmup < 0 {
		return fmt.Errorf("nn: schedule.warmup = %d is negative", s.Warmup)
	}
	if s.Gamma < 0 || s.Gamma > 1 || math.IsNaN(s.Gamma) {
		return fmt.Errorf("nn: schedule.gamma = %g outside [0, 1]", s.Gamma)
	}
	switch s.Kind {
	case "", "constant", "exp":
	case "step":
		if s.Every <= 0 {
			return fmt.Errorf("nn: schedule.every = %d must be positive for a step schedule", s.Every)
		}
	case "cosine":
		if s.Total <= 0 {
			return fmt.Errorf("nn: schedule.total = %d must be positive for a cosine schedule", s.Total)
		}
		if s.Floor < 0 || s.Floor > 1 {
			return fmt.Errorf("nn: schedule.floor = %g outside [0, 1]", s.Floor)
		}
	default:
		return fmt.Errorf("nn: schedule.kind = %q (want constant, step, exp or cosine)", s.Kind)
	}
	return nil
}

// Factor returns the multiplier of the base learning rate at iteration k.
func (s Schedule) Factor(k int) float64 {
	f := 1.0
	if s.Warmup > 0 && k < s.Warmup {
		f = float64(k+1) / float64(s.Warmup)
	}
	gamma := s.Gamma
	switch s.Kind {
	case "step":
		if gamma == 0 {
			gamma = 0.1
		}
		f *= math.Pow(gamma, float64(k/s.Every))
	case "exp":
		if gamma == 0 {
			gamma = 0.999
		}
		f *= math.Pow(gamma, float64(k))
	case "cosine":
		c := float64(min(k, s.Total)) / float64(s.Total)
		f *= s.Floor + (1-s.Floor)*(1+math.Cos(math.Pi*c))/2
	}
	return f
}

func validLR(name string, lr float64) error {
	if lr < 0 || math.IsNaN(lr) || math.IsInf(lr, 0) {
		return fmt.Errorf("nn: %s.lr = %g must be a finite non-negative number", name, lr)
	}
	return nil
}

func validUnit(name, field string, v float64) error {
	if v < 0 || v >= 1 || math.IsNaN(v) {
		return fmt.Errorf("nn: %s.%s = %g outside [0, 1)", name, field, v)
	}
	return nil
}

func validNonNeg(name, field string, v float64) error {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("nn: %s.%s = %g must be finite and non-negative", name, field, v)
	}
	return nil
}

func orDefault(v, d float64) float64 {
	if v == 0 {
		return d
	}
	return v
}

func ptrOr(p *float64, d float64) float64 {
	if p == nil {
		return d
	}
	return *p
}

// Float returns a pointer to v, for the optional *float64 settings (Adam's
// betas).
func Float(v float64) *float64 { return &v }

func checkFinite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

func (info *StepInfo) reset(k int, loss, lr float64) {
	*info = StepInfo{Iteration: k, Loss: loss, LR: lr, Rho: math.NaN(),
		SolveRelErr: math.NaN(), SolveCos: math.NaN()}
}

func checkStep(n int, theta []float64, p *Pass) {
	if len(theta) != n || p.m.NumParams() != n {
		panic(fmt.Sprintf("nn: optimizer for N = %d given θ of length %d and a model with %d parameters", n, len(theta), p.m.NumParams()))
	}
	p.needLoss()
}

// gradWithDecay writes ∇ℓ + wd·θ into g.
func gradWithDecay(g, theta []float64, p *Pass, wd float64) {
	p.GradTo(g)
	if wd != 0 {
		for i, t := range theta {
			g[i] += wd * t
		}
	}
}
