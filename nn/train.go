package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// TrainConfig configures a training run. The zero value is the paper's
// MNIST setting: 10 epochs of minibatches of 64, the last partial batch of
// each epoch kept (10k images give 157 iterations per epoch), evaluation
// once per epoch and at the start.
type TrainConfig struct {
	// Epochs is the number of passes over the training set; 0 means 10.
	// Ignored when Iterations > 0.
	Epochs int `toml:"epochs"`
	// Iterations, if positive, is the number of optimizer steps,
	// regardless of epochs (the data are reshuffled at each epoch boundary).
	Iterations int `toml:"iterations"`
	// BatchSize is b; 0 means 64.
	BatchSize int `toml:"batch_size"`
	// DropLast drops each epoch's last partial batch, so that every step
	// has r = b·dz rows (a fixed-size analog device may need it). Default
	// false: the partial batch is a step of its own.
	DropLast bool `toml:"drop_last"`
	// EvalEvery is the number of iterations between evaluations; 0 means
	// once per epoch. The run is also evaluated before the first step and
	// after the last.
	EvalEvery int `toml:"eval_every"`
	// EvalBatch is the batch size of evaluation passes; 0 means 128 (the
	// Pass keeps every activation: about 0.4 MB per sample for the MNIST
	// CNN).
	EvalBatch int `toml:"eval_batch"`
	// EvalTrain, if positive, also evaluates the loss and accuracy on the
	// first EvalTrain training samples at each evaluation.
	EvalTrain int `toml:"eval_train"`
	// ExplodeFactor declares divergence when a minibatch loss exceeds
	// ExplodeFactor × max(first minibatch loss, 1); 0 means 100. NaN or
	// infinite losses or parameters always count as divergence.
	ExplodeFactor float64 `toml:"explode_factor"`
}

// Validate reports negative settings.
func (c TrainConfig) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"epochs", c.Epochs}, {"iterations", c.Iterations}, {"batch_size", c.BatchSize},
		{"eval_every", c.EvalEvery}, {"eval_batch", c.EvalBatch}, {"eval_train", c.EvalTrain}} {
		if f.v < 0 {
			return fmt.Errorf("nn: train.%s = %d is negative", f.name, f.v)
		}
	}
	if c.ExplodeFactor < 0 || math.IsNaN(c.ExplodeFactor) || (c.ExplodeFactor > 0 && c.ExplodeFactor <= 1) {
		return fmt.Errorf("nn: train.explode_factor = %g must exceed 1 (0 for the default)", c.ExplodeFactor)
	}
	return nil
}

func (c TrainConfig) withDefaults() TrainConfig {
	if c.Epochs == 0 {
		c.Epochs = 10
	}
	if c.BatchSize == 0 {
		c.BatchSize = 64
	}
	if c.EvalBatch == 0 {
		c.EvalBatch = 128
	}
	if c.ExplodeFactor == 0 {
		c.ExplodeFactor = 100
	}
	return c
}

// Status is how a training run ended.
type Status int

const (
	// Finished means the run completed its epochs or iterations.
	Finished Status = iota
	// Diverged means a loss or parameter became NaN or infinite, a loss
	// exploded (see TrainConfig.ExplodeFactor), or the optimizer reported
	// a non-finite update.
	Diverged
)

func (s Status) String() string {
	switch s {
	case Finished:
		return "finished"
	case Diverged:
		return "diverged"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Eval is one evaluation of a run, streamed to Trainer.OnEval.
type Eval struct {
	Iteration int     // optimizer steps taken so far
	Epoch     float64 // Iteration in epochs (fractional)
	// TrainLoss is the mean of the minibatch losses (each at θ before its
	// step) since the previous evaluation; NaN at iteration 0.
	TrainLoss float64
	// FullTrainLoss and TrainAcc are the loss and accuracy on the first
	// TrainConfig.EvalTrain training samples; NaN when EvalTrain is 0 (and
	// the accuracy for regression).
	FullTrainLoss, TrainAcc float64
	// TestLoss and TestAcc are the mean loss and the accuracy (fraction in
	// [0, 1]) on the test set; NaN without a test set (and the accuracy
	// for regression).
	TestLoss, TestAcc float64
	// Wall is the wall-clock time since Run started, for progress reports
	// only: it is not reproducible.
	Wall time.Duration
}

// Result summarises a finished or diverged run.
type Result struct {
	Status     Status
	Iterations int    // optimizer steps taken
	Reason     string // why the run diverged ("" when finished)
	Last       Eval   // the last evaluation
}

// Trainer runs the training loop: each epoch it shuffles the training set
// with Rand, steps the optimizer on consecutive minibatches, evaluates on
// the test set every EvalEvery iterations and streams the results to the
// callbacks. Fill the fields and call Run; a Trainer may not be reused
// concurrently. Evaluations run as [Evaluate] does, on GOMAXPROCS
// goroutines (Loss must then be safe for concurrent use, as the package's
// losses are), with results independent of their number.
type Trainer struct {
	Model     *Model
	Loss      Loss
	Optimizer Optimizer
	Train     *Dataset // required
	Test      *Dataset // optional
	Config    TrainConfig
	// Rand draws the epoch shuffles; required. The same state gives the
	// same run.
	Rand *rand.Rand
	// OnStep, if not nil, is called after every optimizer step with what
	// the step computed (valid only during the call; see StepInfo) and
	// the Pass of its minibatch. θ has already moved, so the Pass's
	// θ-dependent products are stale (its Batch, Rows and Outputs still
	// describe the step's minibatch before the update). A non-nil error
	// stops the run: Run returns it wrapped.
	OnStep func(info StepInfo, p *Pass) error
	// OnEval, if not nil, receives each evaluation; a non-nil error stops
	// the run as for OnStep.
	OnEval func(Eval) error
}

// ErrStopped wraps the error a callback returned to stop a run.
var ErrStopped = errors.New("nn: run stopped by callback")

// Run trains theta in place and returns how the run ended. Divergence is a
// Status, not an error. Run returns an error for invalid configuration,
// mismatched shapes, a curvature-solver failure other than non-finite
// values (wrapped), or a callback's error (wrapped in ErrStopped); the
// Result then describes the run up to that point. It panics if a required
// field is nil.
func (t *Trainer) Run(theta []float64) (Result, error) {
	if t.Model == nil || t.Loss == nil || t.Optimizer == nil || t.Train == nil || t.Rand == nil {
		panic("nn: Trainer needs Model, Loss, Optimizer, Train and Rand")
	}
	var res Result
	if err := t.Config.Validate(); err != nil {
		return res, err
	}
	if err := t.checkData(t.Train, "training"); err != nil {
		return res, err
	}
	if t.Test != nil {
		if err := t.checkData(t.Test, "test"); err != nil {
			return res, err
		}
	}
	t.Model.checkTheta(theta)
	cfg := t.Config.withDefaults()
	n := t.Train.Len()
	b := min(cfg.BatchSize, n)
	perEpoch := (n + b - 1) / b
	if cfg.DropLast {
		perEpoch = n / b
	}
	if perEpoch == 0 {
		return res, fmt.Errorf("nn: %d training samples give no batch of %d", n, b)
	}
	total := cfg.Epochs * perEpoch
	if cfg.Iterations > 0 {
		total = cfg.Iterations
	}
	evalEvery := cfg.EvalEvery
	if evalEvery == 0 {
		evalEvery = perEpoch
	}

	start := time.Now()
	pass := NewPass(t.Model, t.Loss, b)
	evalPass := newEvalPass(t.Model, t.Loss, cfg.EvalBatch)
	in, out := t.Train.In.Size(), t.Train.OutSize
	xb, yb := make([]float64, b*in), make([]float64, b*out)
	perm := make([]int, n)
	lossSum, lossCount := 0.0, 0
	first := math.NaN()

	evaluate := func(k int) error {
		e := Eval{Iteration: k, Epoch: float64(k) / float64(perEpoch),
			TrainLoss: lossSum / float64(lossCount), FullTrainLoss: math.NaN(), TrainAcc: math.NaN(),
			TestLoss: math.NaN(), TestAcc: math.NaN()}
		if lossCount == 0 {
			e.TrainLoss = math.NaN()
		}
		lossSum, lossCount = 0, 0
		if cfg.EvalTrain > 0 {
			e.FullTrainLoss, e.TrainAcc = evaluatePass(evalPass, theta, t.Train, cfg.EvalTrain)
		}
		if t.Test != nil {
			e.TestLoss, e.TestAcc = evaluatePass(evalPass, theta, t.Test, t.Test.Len())
		}
		e.Wall = time.Since(start)
		res.Last = e
		if t.OnEval != nil {
			if err := t.OnEval(e); err != nil {
				return fmt.Errorf("%w at iteration %d: %w", ErrStopped, k, err)
			}
		}
		return nil
	}
	diverge := func(k int, reason string) (Result, error) {
		res.Status, res.Reason, res.Iterations = Diverged, reason, k
		return res, nil
	}

	if err := evaluate(0); err != nil {
		return res, err
	}
	k := 0
	for k < total {
		for i := range perm {
			perm[i] = i
		}
		t.Rand.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for j := 0; j < perEpoch && k < total; j++ {
			idx := perm[j*b : min((j+1)*b, n)]
			m := len(idx)
			t.Train.GatherTo(xb[:m*in], yb[:m*out], idx)
			loss := pass.Forward(theta, xb[:m*in], yb[:m*out])
			if math.IsNaN(first) {
				first = loss
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return diverge(k, fmt.Sprintf("minibatch loss %g at iteration %d", loss, k))
			}
			if loss > cfg.ExplodeFactor*max(first, 1) {
				return diverge(k, fmt.Sprintf("minibatch loss %g exceeds %g × initial %g at iteration %d", loss, cfg.ExplodeFactor, first, k))
			}
			info, err := t.Optimizer.Step(theta, pass)
			if errors.Is(err, ErrNonFinite) {
				return diverge(k, err.Error())
			}
			if err != nil {
				res.Iterations = k
				return res, err
			}
			if !checkFinite(theta) {
				return diverge(k+1, fmt.Sprintf("non-finite parameter after iteration %d", k))
			}
			lossSum += loss
			lossCount++
			k++
			res.Iterations = k
			if t.OnStep != nil {
				if err := t.OnStep(info, pass); err != nil {
					return res, fmt.Errorf("%w at iteration %d: %w", ErrStopped, k, err)
				}
			}
			if k%evalEvery == 0 || k == total {
				if err := evaluate(k); err != nil {
					return res, err
				}
			}
		}
	}
	res.Status = Finished
	return res, nil
}

func (t *Trainer) checkData(d *Dataset, what string) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("nn: %s set: %w", what, err)
	}
	if d.In.Size() != t.Model.InSize() || d.OutSize != t.Model.OutSize() {
		return fmt.Errorf("nn: %s set maps %v → %d, model %v → %d", what, d.In, d.OutSize, t.Model.InShape(), t.Model.OutSize())
	}
	return nil
}

// Evaluate returns the mean loss and the accuracy of the model at theta on
// the first n samples of d (all if n ≤ 0 or n > Len), in chunks of at most
// batch samples (0 means 1000). The accuracy (fraction of samples whose
// largest output is the label) is NaN for regression data. It panics if
// shapes disagree.
//
// The chunks are evaluated on GOMAXPROCS goroutines, so loss.LossGradTo
// must be safe for concurrent use (the package's losses are); the result
// is the same, bit for bit, for any number of goroutines.
func Evaluate(m *Model, loss Loss, theta []float64, d *Dataset, n, batch int) (meanLoss, accuracy float64) {
	if batch <= 0 {
		batch = 1000
	}
	return evaluatePass(newEvalPass(m, loss, batch), theta, d, n)
}

func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
