package nn

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// NaturalGradient holds the settings shared by the natural-gradient
// optimizers. Each step computes the gradient g = ∇ℓ + WeightDecay·θ at θ,
// an estimate g̃ ≈ (F + λI)⁻¹ g with F = JᵀHJ the generalized Gauss–Newton
// matrix of the minibatch (PHYSICS.md §1), and applies θ ← θ − η·v with
// v ← μ v + g̃ (v = g̃ without momentum); TNGD-Adam applies the Adam rule to
// g̃ instead.
type NaturalGradient struct {
	LR          float64  `toml:"lr"`           // η; 0 means 0.01 (the paper's TNGD MNIST value)
	Damping     Damping  `toml:"damping"`      // λ, constant or adaptive
	Momentum    float64  `toml:"momentum"`     // μ in [0, 1) applied to g̃; default 0 (the paper's TNGD)
	WeightDecay float64  `toml:"weight_decay"` // L2 coefficient added to the gradient; default 0
	Schedule    Schedule `toml:"schedule"`     // learning-rate schedule; default constant
	// Reference, if set, also computes on every step the exact g̃ of the
	// same system with [Pass.DampedSolveTo] (about the cost of an
	// NGD-Woodbury step) and reports it in StepInfo.Reference, with the
	// relative error and cosine of NatGrad against it. Default false.
	Reference bool `toml:"reference"`
}

func (c NaturalGradient) validate(name string) error {
	if err := validLR(name, c.LR); err != nil {
		return err
	}
	if err := validUnit(name, "momentum", c.Momentum); err != nil {
		return err
	}
	if err := validNonNeg(name, "weight_decay", c.WeightDecay); err != nil {
		return err
	}
	if err := c.Damping.validate(name); err != nil {
		return err
	}
	return c.Schedule.Validate()
}

// Damping sets the damping λ of the natural-gradient solve. With Adaptive,
// λ follows the Levenberg–Marquardt rule of Martens (2010, "Deep learning
// via Hessian-free optimization", §4.1): every Every steps the optimizer
// evaluates the minibatch loss after its update δ and the reduction ratio
// ρ = (ℓ(θ+δ) − ℓ(θ)) / (gᵀδ + ½ δᵀFδ) (weight decay included in both),
// then multiplies λ by Decrease if ρ > 3/4 and by Increase if ρ < 1/4,
// keeping it in [Min, Max]. That costs one more forward pass and one JVP on
// those steps.
type Damping struct {
	Lambda   float64 `toml:"lambda"`   // λ (initial λ when adaptive); 0 means 0.01 (the paper's MNIST value)
	Adaptive bool    `toml:"adaptive"` // Levenberg–Marquardt adaptation; default false (constant λ)
	Every    int     `toml:"every"`    // steps between adaptations; 0 means 5
	Decrease float64 `toml:"decrease"` // factor when ρ > 3/4; 0 means 2/3
	Increase float64 `toml:"increase"` // factor when ρ < 1/4; 0 means 3/2
	Min      float64 `toml:"min"`      // lower bound of λ; 0 means 1e-8
	Max      float64 `toml:"max"`      // upper bound of λ; 0 means 1e4
}

func (d Damping) validate(name string) error {
	if d.Lambda < 0 || math.IsNaN(d.Lambda) || math.IsInf(d.Lambda, 0) {
		return fmt.Errorf("nn: %s.damping.lambda = %g must be positive (0 for the default)", name, d.Lambda)
	}
	if d.Every < 0 {
		return fmt.Errorf("nn: %s.damping.every = %d is negative", name, d.Every)
	}
	if d.Decrease < 0 || d.Decrease > 1 {
		return fmt.Errorf("nn: %s.damping.decrease = %g outside (0, 1]", name, d.Decrease)
	}
	if d.Increase != 0 && d.Increase < 1 {
		return fmt.Errorf("nn: %s.damping.increase = %g below 1", name, d.Increase)
	}
	d = d.withDefaults()
	if !(d.Min > 0 && d.Min <= d.Max) || math.IsInf(d.Max, 0) {
		return fmt.Errorf("nn: %s.damping bounds [%g, %g] invalid", name, d.Min, d.Max)
	}
	if d.Lambda < d.Min || d.Lambda > d.Max {
		return fmt.Errorf("nn: %s.damping.lambda = %g outside [min, max] = [%g, %g]", name, d.Lambda, d.Min, d.Max)
	}
	return nil
}

func (d Damping) withDefaults() Damping {
	d.Lambda = orDefault(d.Lambda, 0.01)
	d.Decrease = orDefault(d.Decrease, 2.0/3)
	d.Increase = orDefault(d.Increase, 1.5)
	d.Min = orDefault(d.Min, 1e-8)
	d.Max = orDefault(d.Max, 1e4)
	if d.Every == 0 {
		d.Every = 5
	}
	return d
}

// ExactNGD configures natural-gradient descent with an exact solve of
// (F + λI) g̃ = g. With a nil solver, nn solves it itself: a Cholesky
// factorisation of the dense N×N matrix JᵀHJ + λI when N ≤ MaxDense, and
// otherwise the Woodbury identity of [NGDWoodbury] (exact too, and the only
// practical exact method for N in the tens of thousands). With a non-nil
// solver, J and H are formed and handed to it (for example package solver's
// dense Cholesky reference).
type ExactNGD struct {
	NaturalGradient
	MaxDense int `toml:"max_dense"` // largest N solved densely; 0 means 2000
}

// Kind returns "ngd".
func (ExactNGD) Kind() string { return "ngd" }

// Validate implements [OptimizerConfig].
func (c ExactNGD) Validate() error {
	if c.MaxDense < 0 {
		return fmt.Errorf("nn: ngd.max_dense = %d is negative", c.MaxDense)
	}
	return c.validate("ngd")
}

func (c ExactNGD) build(n int, s CurvatureSolver) Optimizer {
	o := newNatural("ngd", c.NaturalGradient, n)
	maxDense := c.MaxDense
	if maxDense == 0 {
		maxDense = 2000
	}
	switch {
	case s != nil:
		o.method, o.solver = methodSolver, s
	case n <= maxDense:
		o.method = methodDense
	default:
		o.method = methodWoodbury
	}
	return o
}

// NGDCG configures natural-gradient descent whose solve is Iters steps of
// the conjugate-gradient method on (F + λI) x = g, matrix-free: each step
// costs one GGN-vector product Jᵀ(H(Jv)) through the model's JVP and VJP, so
// neither J nor F is formed (O(c·b·N) per iteration, PHYSICS.md §1 Table).
// CG starts from zero, or from the previous step's solution with WarmStart,
// and stops early when the residual falls below Tol·‖g‖. It needs no
// CurvatureSolver.
type NGDCG struct {
	NaturalGradient
	Iters     int     `toml:"iters"`      // c, CG iterations per step; 0 means 10
	Tol       float64 `toml:"tol"`        // relative residual for early stop; default 0 (always Iters steps)
	WarmStart bool    `toml:"warm_start"` // start from the previous solution; default false (start at 0)
}

// Kind returns "ngd-cg".
func (NGDCG) Kind() string { return "ngd-cg" }

// Validate implements [OptimizerConfig].
func (c NGDCG) Validate() error {
	if c.Iters < 0 {
		return fmt.Errorf("nn: ngd-cg.iters = %d is negative", c.Iters)
	}
	if err := validNonNeg("ngd-cg", "tol", c.Tol); err != nil {
		return err
	}
	return c.validate("ngd-cg")
}

func (c NGDCG) build(n int, _ CurvatureSolver) Optimizer {
	o := newNatural("ngd-cg", c.NaturalGradient, n)
	o.method = methodCG
	o.cgIters = c.Iters
	if o.cgIters == 0 {
		o.cgIters = 10
	}
	o.cgTol, o.cgWarm = c.Tol, c.WarmStart
	return o
}

// NGDWoodbury configures natural-gradient descent solved exactly by the
// Woodbury identity. With a nil solver nn uses its structured form: with
// H = Q² (Q the block-diagonal symmetric square root of H),
//
//	(λI + JᵀHJ)⁻¹ g = λ⁻¹ (g − JᵀQ (λI + Q J Jᵀ Q)⁻¹ Q J g),
//
// an r×r Cholesky solve where the Gram matrix J Jᵀ comes from
// [Pass.GramTo] and J g, Jᵀ(·) from the JVP and VJP, so J is never formed.
// This is the symmetric variant of PHYSICS.md §1's formula, valid for
// singular H (softmax). With a non-nil solver (package solver's Woodbury
// reference), J and H are formed and handed to it.
type NGDWoodbury struct {
	NaturalGradient
}

// Kind returns "ngd-woodbury".
func (NGDWoodbury) Kind() string { return "ngd-woodbury" }

// Validate implements [OptimizerConfig].
func (c NGDWoodbury) Validate() error { return c.validate("ngd-woodbury") }

func (c NGDWoodbury) build(n int, s CurvatureSolver) Optimizer {
	o := newNatural("ngd-woodbury", c.NaturalGradient, n)
	o.method = methodWoodbury
	if s != nil {
		o.method, o.solver = methodSolver, s
	}
	return o
}

// TNGD configures thermodynamic natural-gradient descent (Donatella et al.
// 2024, Algorithm 1): each step forms J and H at θ and asks the curvature
// solver (the analog device, or package solver's ideal Ornstein–Uhlenbeck
// device) for g̃ ≈ (JᵀHJ + λI)⁻¹ g. By default the solver continues from
// its previous estimate (warm start, start = nil in
// [CurvatureSolver.SolveTo]); with Reset every solve starts at g, so that an
// analog time t = 0 gives the SGD step. The update rule is SGD on g̃, with
// optional momentum. TNGD needs a non-nil CurvatureSolver.
type TNGD struct {
	NaturalGradient
	Reset bool `toml:"reset"` // start every solve at g; default false (warm start)
}

// Kind returns "tngd".
func (TNGD) Kind() string { return "tngd" }

// Validate implements [OptimizerConfig].
func (c TNGD) Validate() error { return c.validate("tngd") }

func (c TNGD) build(n int, s CurvatureSolver) Optimizer {
	if s == nil {
		panic("nn: TNGD needs a CurvatureSolver")
	}
	o := newNatural("tngd", c.NaturalGradient, n)
	o.method, o.solver, o.reset = methodSolver, s, c.Reset
	return o
}

// TNGDAdam configures TNGD with the Adam rule applied to g̃ (see [Adam]).
// The zero betas are the paper's "TNGD-Adam" (β₁ = β₂ = 0, ε = 1e-8: an
// update η g̃/(|g̃| + ε), effectively sign descent on g̃); set Beta1 = 0.9,
// Beta2 = 0.999 for the usual Adam averages. Momentum must be 0 (the Adam
// rule has its own). Needs a non-nil CurvatureSolver.
type TNGDAdam struct {
	NaturalGradient
	Beta1 *float64 `toml:"beta1"` // β₁ in [0, 1); nil means 0
	Beta2 *float64 `toml:"beta2"` // β₂ in [0, 1); nil means 0
	Eps   float64  `toml:"eps"`   // ε; 0 means 1e-8
	Reset bool     `toml:"reset"` // start every solve at g; default false (warm start)
}

// Kind returns "tngd-adam".
func (TNGDAdam) Kind() string { return "tngd-adam" }

// Validate implements [OptimizerConfig].
func (c TNGDAdam) Validate() error {
	if c.Momentum != 0 {
		return fmt.Errorf("nn: tngd-adam.momentum = %g: use beta1", c.Momentum)
	}
	if err := validAdam("tngd-adam", c.LR, c.Beta1, c.Beta2, c.Eps, c.WeightDecay, c.Schedule); err != nil {
		return err
	}
	return c.validate("tngd-adam")
}

func (c TNGDAdam) build(n int, s CurvatureSolver) Optimizer {
	if s == nil {
		panic("nn: TNGD-Adam needs a CurvatureSolver")
	}
	o := newNatural("tngd-adam", c.NaturalGradient, n)
	o.method, o.solver, o.reset = methodSolver, s, c.Reset
	o.adam = newAdamRule(n, ptrOr(c.Beta1, 0), ptrOr(c.Beta2, 0), orDefault(c.Eps, 1e-8))
	return o
}

type ngMethod int

const (
	methodSolver   ngMethod = iota // J, H formed, CurvatureSolver
	methodDense                    // nn's dense Cholesky of JᵀHJ + λI
	methodWoodbury                 // nn's structured Woodbury
	methodCG                       // nn's matrix-free CG
)

// natural is the optimizer behind every natural-gradient configuration.
type natural struct {
	kind   string
	cfg    NaturalGradient
	damp   Damping
	method ngMethod
	solver CurvatureSolver
	reset  bool
	adam   *adamRule

	n, k   int
	lambda float64

	g, gt, upd, vel []float64
	gv, gtv         *mat.VecDense
	info            StepInfo

	jbuf []float64 // backing store of J, grown to the largest r·N seen
	J    *mat.Dense
	H    mat.SymDense
	// gram is J Jᵀ of this step when gramValid (computed for a
	// GramCurvatureSolver and reused by the reference solve).
	gram      mat.SymDense
	gramValid bool
	refDone   bool // o.ref holds this step's reference solve

	// matrix-free CG
	cgIters   int
	cgTol     float64
	cgWarm    bool
	cgX, cgR  []float64
	cgP, cgAp []float64
	cgHaveX   bool
	trial     []float64 // θ + δ for adaptive damping
	dense     *denseWork
	ref       []float64
}

func newNatural(kind string, cfg NaturalGradient, n int) *natural {
	cfg.LR = orDefault(cfg.LR, 0.01)
	d := cfg.Damping.withDefaults()
	o := &natural{kind: kind, cfg: cfg, damp: d, n: n, lambda: d.Lambda,
		g: make([]float64, n), gt: make([]float64, n), upd: make([]float64, n)}
	o.gv = mat.NewVecDense(n, o.g)
	o.gtv = mat.NewVecDense(n, o.gt)
	if cfg.Momentum > 0 {
		o.vel = make([]float64, n)
	}
	return o
}

func (o *natural) Kind() string   { return o.kind }
func (o *natural) NumParams() int { return o.n }

// Lambda returns the current damping (useful with adaptive damping).
func (o *natural) Lambda() float64 { return o.lambda }

func (o *natural) Step(theta []float64, p *Pass) (StepInfo, error) {
	checkStep(o.n, theta, p)
	o.gramValid, o.refDone = false, false
	lr := o.cfg.LR * o.cfg.Schedule.Factor(o.k)
	o.info.reset(o.k, p.Loss(), lr)
	o.info.Lambda = o.lambda
	gradWithDecay(o.g, theta, p, o.cfg.WeightDecay)
	o.info.Grad, o.info.NatGrad, o.info.Update = o.g, o.gt, o.upd
	if err := o.solve(p); err != nil {
		return o.info, fmt.Errorf("nn: %s step %d: %w", o.kind, o.k, err)
	}
	if !checkFinite(o.gt) {
		return o.info, fmt.Errorf("%w in the %s natural-gradient estimate at iteration %d", ErrNonFinite, o.kind, o.k)
	}
	if o.cfg.Reference {
		if err := o.reference(p); err != nil {
			return o.info, fmt.Errorf("nn: %s step %d: reference solve: %w", o.kind, o.k, err)
		}
	}
	if o.adam != nil {
		o.adam.updateTo(o.upd, o.gt, lr)
	} else {
		momentumUpdate(o.upd, o.gt, o.vel, o.cfg.Momentum, false, lr)
	}
	if !checkFinite(o.upd) {
		return o.info, fmt.Errorf("%w in the %s update at iteration %d", ErrNonFinite, o.kind, o.k)
	}
	adapt := o.damp.Adaptive && o.k%o.damp.Every == 0
	var pred float64
	if adapt {
		// Predicted change of the quadratic model, before theta moves.
		pred = mat.Dot(o.gv, mat.NewVecDense(o.n, o.upd)) + 0.5*p.QuadForm(o.upd)
		if wd := o.cfg.WeightDecay; wd != 0 {
			pred += 0.5 * wd * dot(o.upd, o.upd)
		}
	}
	l0 := p.Loss()
	var reg0 float64
	if adapt && o.cfg.WeightDecay != 0 {
		reg0 = 0.5 * o.cfg.WeightDecay * dot(theta, theta)
	}
	for i, d := range o.upd {
		theta[i] += d
	}
	if adapt {
		l1 := p.ForwardAt(theta)
		if o.cfg.WeightDecay != 0 {
			l1 += 0.5*o.cfg.WeightDecay*dot(theta, theta) - reg0
		}
		rho := (l1 - l0) / pred
		o.info.Rho = rho
		switch {
		case rho > 0.75:
			o.lambda *= o.damp.Decrease
		case rho < 0.25 || math.IsNaN(rho):
			o.lambda *= o.damp.Increase
		}
		o.lambda = min(max(o.lambda, o.damp.Min), o.damp.Max)
	}
	o.k++
	return o.info, nil
}

// reference fills StepInfo.Reference and the solve errors.
func (o *natural) reference(p *Pass) error {
	if !o.refDone {
		if err := o.referenceSolve(p); err != nil {
			return err
		}
	}
	o.info.Reference = o.ref
	o.info.SolveRelErr, o.info.SolveCos = CompareSolves(o.gt, o.ref)
	return nil
}

// referenceSolve writes the exact (JᵀHJ + λI)⁻¹g of the step into o.ref.
func (o *natural) referenceSolve(p *Pass) error {
	if o.ref == nil {
		o.ref = make([]float64, o.n)
	}
	var gram *mat.SymDense
	if o.gramValid {
		gram = &o.gram
	}
	if o.method == methodWoodbury {
		copy(o.ref, o.gt)
		return nil
	}
	return p.dampedSolveTo(o.ref, o.g, o.lambda, gram)
}

// CompareSolves returns the relative error ‖est − ref‖/‖ref‖ and the cosine
// of the angle between est and ref (NaN when a norm is zero). It panics if
// the lengths differ.
func CompareSolves(est, ref []float64) (relErr, cos float64) {
	if len(est) != len(ref) {
		panic("nn: CompareSolves with vectors of different lengths")
	}
	var d2, r2, e2, er float64
	for i, r := range ref {
		e := est[i]
		d2 += (e - r) * (e - r)
		r2 += r * r
		e2 += e * e
		er += e * r
	}
	relErr, cos = math.NaN(), math.NaN()
	if r2 > 0 {
		relErr = math.Sqrt(d2 / r2)
	}
	if r2 > 0 && e2 > 0 {
		cos = er / math.Sqrt(r2*e2)
	}
	return relErr, cos
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

// solve writes g̃ into o.gt by the configured method.
func (o *natural) solve(p *Pass) error {
	switch o.method {
	case methodCG:
		return o.solveCG(p)
	case methodWoodbury:
		return o.solveWoodbury(p)
	}
	o.formJH(p)
	o.info.J, o.info.H = o.J, &o.H
	if o.method == methodDense {
		return o.solveDense(p)
	}
	var start *mat.VecDense
	if o.reset {
		start = o.gv
	}
	if gs, ok := o.solver.(GramCurvatureSolver); ok {
		if !o.gram.IsEmpty() && o.gram.SymmetricDim() != p.Rows() {
			o.gram.Reset()
		}
		p.GramTo(&o.gram)
		o.gramValid = true
		if !o.cfg.Reference {
			return gs.SolveGramTo(o.gtv, o.J, &o.gram, &o.H, o.lambda, o.gv, start)
		}
		// The reference solve needs only the Pass and the Gram matrix: it
		// runs while the solver works (the cores are otherwise idle in
		// its serial parts).
		var refErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			refErr = o.referenceSolve(p)
		}()
		err := gs.SolveGramTo(o.gtv, o.J, &o.gram, &o.H, o.lambda, o.gv, start)
		<-done
		o.refDone = refErr == nil
		if err != nil {
			return err
		}
		return refErr
	}
	return o.solver.SolveTo(o.gtv, o.J, &o.H, o.lambda, o.gv, start)
}

// formJH computes J and H of the minibatch into reused storage.
func (o *natural) formJH(p *Pass) {
	r := p.Rows()
	if o.J == nil || o.J.RawMatrix().Rows != r {
		if cap(o.jbuf) < r*o.n {
			o.jbuf = make([]float64, r*o.n)
		}
		o.J = mat.NewDense(r, o.n, o.jbuf[:r*o.n])
	}
	p.JacobianTo(o.J)
	if o.H.IsEmpty() || o.H.SymmetricDim() != r {
		o.H.Reset()
		o.H.ReuseAsSym(r)
	}
	p.HessianTo(&o.H)
}
