package nn

import (
	"fmt"
	"math"
)

// SGD configures stochastic gradient descent with optional heavy-ball
// momentum: v ← μ v + g, θ ← θ − η v (Nesterov: θ ← θ − η (g + μ v)),
// where g = ∇ℓ + WeightDecay·θ and η = LR times the schedule's factor.
type SGD struct {
	LR          float64  `toml:"lr"`           // η; 0 means 0.01
	Momentum    float64  `toml:"momentum"`     // μ in [0, 1); default 0
	Nesterov    bool     `toml:"nesterov"`     // Nesterov momentum; default false
	WeightDecay float64  `toml:"weight_decay"` // L2 coefficient added to the gradient; default 0
	Schedule    Schedule `toml:"schedule"`     // learning-rate schedule; default constant
}

// Kind returns "sgd".
func (SGD) Kind() string { return "sgd" }

// Validate implements [OptimizerConfig].
func (c SGD) Validate() error {
	if err := validLR("sgd", c.LR); err != nil {
		return err
	}
	if err := validUnit("sgd", "momentum", c.Momentum); err != nil {
		return err
	}
	if err := validNonNeg("sgd", "weight_decay", c.WeightDecay); err != nil {
		return err
	}
	return c.Schedule.Validate()
}

func (c SGD) build(n int, _ CurvatureSolver) Optimizer {
	c.LR = orDefault(c.LR, 0.01)
	o := &sgdOpt{cfg: c, n: n, g: make([]float64, n), upd: make([]float64, n)}
	if c.Momentum > 0 {
		o.vel = make([]float64, n)
	}
	return o
}

type sgdOpt struct {
	cfg         SGD
	n, k        int
	g, upd, vel []float64
	info        StepInfo
}

func (o *sgdOpt) Kind() string   { return "sgd" }
func (o *sgdOpt) NumParams() int { return o.n }

func (o *sgdOpt) Step(theta []float64, p *Pass) (StepInfo, error) {
	checkStep(o.n, theta, p)
	lr := o.cfg.LR * o.cfg.Schedule.Factor(o.k)
	o.info.reset(o.k, p.Loss(), lr)
	gradWithDecay(o.g, theta, p, o.cfg.WeightDecay)
	momentumUpdate(o.upd, o.g, o.vel, o.cfg.Momentum, o.cfg.Nesterov, lr)
	o.info.Grad, o.info.Update = o.g, o.upd
	return o.info, o.apply(theta)
}

func (o *sgdOpt) apply(theta []float64) error {
	if !checkFinite(o.upd) {
		return fmt.Errorf("%w in the SGD update at iteration %d", ErrNonFinite, o.k)
	}
	for i, d := range o.upd {
		theta[i] += d
	}
	o.k++
	return nil
}

// momentumUpdate writes the step −η·(direction) for gradient-like g into
// upd, updating the velocity vel (nil for no momentum).
func momentumUpdate(upd, g, vel []float64, mu float64, nesterov bool, lr float64) {
	if vel == nil {
		for i, x := range g {
			upd[i] = -lr * x
		}
		return
	}
	for i, x := range g {
		vel[i] = mu*vel[i] + x
		if nesterov {
			upd[i] = -lr * (x + mu*vel[i])
		} else {
			upd[i] = -lr * vel[i]
		}
	}
}

// Adam configures Adam (Kingma & Ba 2015) with bias correction:
// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η m̂/(√v̂ + ε), with
// m̂ = m/(1−β₁ᵏ), v̂ = v/(1−β₂ᵏ) at step k = 1, 2, …. The gradient g includes
// WeightDecay·θ unless Decoupled, which applies θ ← θ − η·WeightDecay·θ
// instead (AdamW, Loshchilov & Hutter 2019).
type Adam struct {
	LR          float64  `toml:"lr"`           // η; 0 means 1e-3
	Beta1       *float64 `toml:"beta1"`        // β₁ in [0, 1); nil means 0.9
	Beta2       *float64 `toml:"beta2"`        // β₂ in [0, 1); nil means 0.999
	Eps         float64  `toml:"eps"`          // ε; 0 means 1e-8
	WeightDecay float64  `toml:"weight_decay"` // default 0
	Decoupled   bool     `toml:"decoupled"`    // AdamW decay; default false (L2 in the gradient)
	Schedule    Schedule `toml:"schedule"`
}

// Kind returns "adam".
func (Adam) Kind() string { return "adam" }

// Validate implements [OptimizerConfig].
func (c Adam) Validate() error {
	return validAdam("adam", c.LR, c.Beta1, c.Beta2, c.Eps, c.WeightDecay, c.Schedule)
}

func validAdam(name string, lr float64, b1, b2 *float64, eps, wd float64, s Schedule) error {
	if err := validLR(name, lr); err != nil {
		return err
	}
	if err := validUnit(name, "beta1", ptrOr(b1, 0)); err != nil {
		return err
	}
	if err := validUnit(name, "beta2", ptrOr(b2, 0)); err != nil {
		return err
	}
	if err := validNonNeg(name, "eps", eps); err != nil {
		return err
	}
	if err := validNonNeg(name, "weight_decay", wd); err != nil {
		return err
	}
	return s.Validate()
}

func (c Adam) build(n int, _ CurvatureSolver) Optimizer {
	o := &adamOpt{cfg: c, n: n, g: make([]float64, n), upd: make([]float64, n),
		rule: newAdamRule(n, ptrOr(c.Beta1, 0.9), ptrOr(c.Beta2, 0.999), orDefault(c.Eps, 1e-8))}
	o.cfg.LR = orDefault(c.LR, 1e-3)
	return o
}

// adamRule is the Adam update applied to any gradient-like vector.
type adamRule struct {
	b1, b2, eps float64
	m, v        []float64
	t           int
}

func newAdamRule(n int, b1, b2, eps float64) *adamRule {
	return &adamRule{b1: b1, b2: b2, eps: eps, m: make([]float64, n), v: make([]float64, n)}
}

// updateTo writes −η m̂/(√v̂ + ε) for the gradient-like g into upd.
func (a *adamRule) updateTo(upd, g []float64, lr float64) {
	a.t++
	c1 := 1 - math.Pow(a.b1, float64(a.t))
	c2 := 1 - math.Pow(a.b2, float64(a.t))
	for i, x := range g {
		a.m[i] = a.b1*a.m[i] + (1-a.b1)*x
		a.v[i] = a.b2*a.v[i] + (1-a.b2)*x*x
		upd[i] = -lr * (a.m[i] / c1) / (math.Sqrt(a.v[i]/c2) + a.eps)
	}
}

type adamOpt struct {
	cfg    Adam
	n, k   int
	g, upd []float64
	rule   *adamRule
	info   StepInfo
}

func (o *adamOpt) Kind() string   { return "adam" }
func (o *adamOpt) NumParams() int { return o.n }

func (o *adamOpt) Step(theta []float64, p *Pass) (StepInfo, error) {
	checkStep(o.n, theta, p)
	lr := o.cfg.LR * o.cfg.Schedule.Factor(o.k)
	o.info.reset(o.k, p.Loss(), lr)
	wd := o.cfg.WeightDecay
	if o.cfg.Decoupled {
		wd = 0
	}
	gradWithDecay(o.g, theta, p, wd)
	o.rule.updateTo(o.upd, o.g, lr)
	if o.cfg.Decoupled && o.cfg.WeightDecay != 0 {
		for i, t := range theta {
			o.upd[i] -= lr * o.cfg.WeightDecay * t
		}
	}
	o.info.Grad, o.info.Update = o.g, o.upd
	if !checkFinite(o.upd) {
		return o.info, fmt.Errorf("%w in the Adam update at iteration %d", ErrNonFinite, o.k)
	}
	for i, d := range o.upd {
		theta[i] += d
	}
	o.k++
	return o.info, nil
}
