package scenarios

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/tngd/tngd/circuit"
	"github.com/tngd/tngd/nn"
	"github.com/tngd/tngd/solver"
)

// Execute runs one job: it builds the data, the model (from the seed's
// weights, pre-trained when the task says so), the optimizer and, for
// tngd and tngd-adam, its device; trains; and streams one Row per
// evaluation to onEval (which may be nil). Every step advances the
// simulated clock of the hybrid machine (see [Digital] and the timeline of
// a thermodynamic step in the package documentation).
//
// Numerical trouble is data: a diverged run, or one whose device or solver
// failed, ends with Outcome Diverged or Failed and the reason in the
// Summary, and Execute returns a nil error. Execute returns an error only
// when the job cannot start (the data cannot be loaded, an invalid
// configuration) or ctx is cancelled.
func Execute(ctx context.Context, job Job, onEval func(Row)) (Summary, error) {
	s := job.Scenario
	opt := s.Optimizers[job.Optimizer]
	sum := Summary{
		RunID: job.ID, Point: job.Point, Optimizer: opt.Label(), Seed: job.Seed,
		TimeToTarget: math.NaN(), IterToTarget: -1, MeanSolveCos: math.NaN(),
		BestTestLoss: math.NaN(), BestTestAcc: math.NaN(),
	}
	rs := deriveSeeds(job.Seed)
	train, test, err := taskData(&s.Task, rs.data)
	if err != nil {
		return sum, err
	}
	loss, err := nn.LossByName(s.Task.Loss)
	if err != nil {
		return sum, err
	}
	model, err := s.Task.Model.Build(train.In, train.OutSize)
	if err != nil {
		return sum, err
	}
	theta := make([]float64, model.NumParams())
	model.Init(theta, rs.init)
	if s.Task.Pretrain.Epochs > 0 {
		if theta, err = pretrained(ctx, s, model, loss, job.Seed); err != nil {
			return sum, err
		}
	}

	cfg := s.Run.TrainConfig
	batch := cfg.BatchSize
	if batch == 0 {
		batch = 64
	}
	n, dz := model.NumParams(), model.OutSize()
	var dev *device
	var curv nn.CurvatureSolver
	if opt.Thermodynamic() {
		dev, err = newDevice(&opt, &s.Hardware, n, batch*dz, rs.device)
		if err != nil {
			return sum, err
		}
		curv = dev
	}
	optCfg := opt.Config
	if !s.Run.SkipSolveCheck {
		optCfg = withReference(optCfg)
	}
	o, err := nn.NewOptimizer(optCfg, n, curv)
	if err != nil {
		return sum, err
	}

	var (
		tl        timeline
		wall      = time.Now()
		cosSum    float64
		errSum    float64
		solves    int
		cosTotal  float64
		solvesAll int
	)
	flops := model.FLOPs()
	maxDense := 2000 // nn.ExactNGD's default
	if c, ok := opt.Config.(*nn.ExactNGD); ok && c.MaxDense > 0 {
		maxDense = c.MaxDense
	}
	digital := func(info nn.StepInfo, measured time.Duration) float64 {
		if s.Digital.Measured {
			return measured.Seconds()
		}
		return stepFLOPs(opt.Kind, flops, batchOf(info, batch, dz), dz, n, maxDense, info)/s.Digital.Throughput() + s.Digital.CallOverhead()
	}
	var stepStart time.Time
	tr := &nn.Trainer{
		Model: model, Loss: loss, Optimizer: o, Train: train, Test: test,
		Config: cfg, Rand: rs.shuffle,
		OnStep: func(info nn.StepInfo, p *nn.Pass) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			elapsed := time.Since(stepStart)
			if dev != nil {
				elapsed -= dev.wall // simulating the device is not digital work
				dev.wall = 0
				ph := dev.phases
				tl.deviceStep(digital(info, elapsed), ph.upload, ph.window, ph.readout, ph.delay)
			} else {
				tl.digitalStep(digital(info, elapsed))
			}
			if !math.IsNaN(info.SolveCos) {
				errSum += info.SolveRelErr
				cosSum += info.SolveCos
				solves++
				cosTotal += info.SolveCos
				solvesAll++
			}
			stepStart = time.Now()
			return nil
		},
		OnEval: func(e nn.Eval) error {
			row := Row{
				RunID: job.ID, Optimizer: opt.Label(), Seed: job.Seed,
				Iteration: e.Iteration, Epoch: e.Epoch,
				SimTime: tl.now(), Time: tl.phases, Wall: time.Since(wall).Seconds(),
				TrainLoss: e.TrainLoss, TestLoss: e.TestLoss, TestAcc: e.TestAcc,
				SolveRelErr: math.NaN(), SolveCos: math.NaN(),
			}
			if solves > 0 {
				row.SolveRelErr, row.SolveCos = errSum/float64(solves), cosSum/float64(solves)
			}
			errSum, cosSum, solves = 0, 0, 0
			if dev != nil {
				row.Clipped, row.Saturated = dev.clipped, dev.saturated
			}
			sum.observe(row, s.Run.TargetLoss)
			if onEval != nil {
				onEval(row)
			}
			stepStart = time.Now() // evaluations are not part of a step
			return nil
		},
	}
	stepStart = time.Now()
	res, err := tr.Run(theta)
	switch {
	case ctx.Err() != nil:
		return sum, ctx.Err()
	case err != nil:
		sum.Outcome, sum.Reason = Failed, err.Error()
	case res.Status == nn.Diverged:
		sum.Outcome, sum.Reason = Diverged, res.Reason
	default:
		sum.Outcome = Finished
	}
	sum.Iterations = res.Iterations
	sum.SimTime = tl.now()
	if tl.steps > 0 {
		k := float64(tl.steps)
		sum.PerIteration = Phases{tl.phases.Digital / k, tl.phases.Upload / k, tl.phases.Analog / k, tl.phases.Readout / k}
	}
	sum.Wall = time.Since(wall).Seconds()
	if solvesAll > 0 {
		sum.MeanSolveCos = cosTotal / float64(solvesAll)
	}
	if dev != nil {
		sum.Clipped, sum.Saturated = dev.clipped, dev.saturated
		sum.Method = dev.method
		if dev.thermo != nil {
			sum.HardwareBits = hardwareBits(&dev.hw, n, batch*dz)
		}
	}
	return sum, nil
}

// withReference returns a copy of a natural-gradient configuration with
// nn's exact reference solve switched on, so that each step reports the
// relative error and cosine of its g̃; other configurations are returned
// unchanged. The scenario's own configuration is shared between jobs and
// is not modified.
func withReference(c nn.OptimizerConfig) nn.OptimizerConfig {
	switch c := c.(type) {
	case *nn.ExactNGD:
		cp := *c
		cp.Reference = true
		return &cp
	case *nn.NGDCG:
		cp := *c
		cp.Reference = true
		return &cp
	case *nn.NGDWoodbury:
		cp := *c
		cp.Reference = true
		return &cp
	case *nn.TNGD:
		cp := *c
		cp.Reference = true
		return &cp
	case *nn.TNGDAdam:
		cp := *c
		cp.Reference = true
		return &cp
	}
	return c
}

// batchOf returns the batch size of the step described by info.
func batchOf(info nn.StepInfo, batch, dz int) int {
	if info.J != nil {
		r, _ := info.J.Dims()
		return r / dz
	}
	return batch
}

// observe updates the summary with an evaluation row.
func (s *Summary) observe(r Row, target float64) {
	s.FinalTrainLoss, s.FinalTestLoss, s.FinalTestAcc = r.TrainLoss, r.TestLoss, r.TestAcc
	if !math.IsNaN(r.TestLoss) && (math.IsNaN(s.BestTestLoss) || r.TestLoss < s.BestTestLoss) {
		s.BestTestLoss = r.TestLoss
	}
	if !math.IsNaN(r.TestAcc) && (math.IsNaN(s.BestTestAcc) || r.TestAcc > s.BestTestAcc) {
		s.BestTestAcc = r.TestAcc
	}
	if target > 0 && s.IterToTarget < 0 && r.TestLoss <= target {
		s.TimeToTarget, s.IterToTarget = r.SimTime, r.Iteration
	}
}

// pretrainCache shares pre-trained weights between the jobs of a process:
// every optimizer of a seed starts from the same pre-trained network, which
// is computed once.
var pretrainCache = struct {
	sync.Mutex
	runs map[string]*pretrainRun
}{runs: map[string]*pretrainRun{}}

type pretrainRun struct {
	once  sync.Once
	theta []float64
	err   error
}

// pretrained returns a copy of the weights of the task's pre-training:
// Adam on the pre-training digits, from the seed's initial weights.
func pretrained(ctx context.Context, s *Scenario, model *nn.Model, loss nn.Loss, seed uint64) ([]float64, error) {
	key := fmt.Sprintf("%d|%+v|%+v|%+v|%q|%d", seed, s.Task.Pretrain, s.Task.MNIST, s.Task.Model, s.Task.Loss, s.Run.BatchSize)
	pretrainCache.Lock()
	run, ok := pretrainCache.runs[key]
	if !ok {
		run = &pretrainRun{}
		pretrainCache.runs[key] = run
	}
	pretrainCache.Unlock()
	run.once.Do(func() { run.theta, run.err = pretrain(ctx, s, model, loss, seed) })
	if run.err != nil {
		if ctx.Err() != nil { // a cancelled pre-training is not a result
			pretrainCache.Lock()
			delete(pretrainCache.runs, key)
			pretrainCache.Unlock()
		}
		return nil, run.err
	}
	return slices.Clone(run.theta), nil
}

// pretrain runs the pre-training of [pretrained].
func pretrain(ctx context.Context, s *Scenario, model *nn.Model, loss nn.Loss, seed uint64) ([]float64, error) {
	pt := s.Task.Pretrain
	cfg := s.Task.MNIST
	cfg.Digits = pt.Digits
	if pt.Train > 0 {
		cfg.Train = pt.Train
	}
	train, test, err := loadMNIST(cfg)
	if err != nil {
		return nil, err
	}
	rs := deriveSeeds(seed)
	theta := make([]float64, model.NumParams())
	model.Init(theta, rs.init)
	adam := nn.Adam{LR: pt.LR}
	o, err := nn.NewOptimizer(adam, len(theta), nil)
	if err != nil {
		return nil, err
	}
	tr := &nn.Trainer{
		Model: model, Loss: loss, Optimizer: o, Train: train, Test: test.Head(0),
		Config: nn.TrainConfig{Epochs: pt.Epochs, BatchSize: s.Run.BatchSize, EvalEvery: math.MaxInt32},
		Rand:   rs.pretrain,
		OnStep: func(nn.StepInfo, *nn.Pass) error { return ctx.Err() },
	}
	res, err := tr.Run(theta)
	if err != nil {
		return nil, fmt.Errorf("scenarios: pre-training: %w", err)
	}
	if res.Status != nn.Finished {
		return nil, fmt.Errorf("scenarios: pre-training diverged: %s", res.Reason)
	}
	return theta, nil
}

// device is the curvature solver of a thermodynamic optimizer: the SPU
// (through solver.Thermodynamic) or the ideal device. It records the
// simulated time of each call, the clip counts, and the wall time spent
// simulating (so that a measured compute model can exclude it).
type device struct {
	inner  nn.CurvatureSolver
	thermo *solver.Thermodynamic // nil for the ideal device
	tau    float64               // s
	n, r   int
	window solver.Window
	hw     circuit.Hardware

	phases             struct{ upload, window, readout, delay float64 }
	clipped, saturated int
	wall               time.Duration // spent simulating since the runtime last reset it
	method             string        // integration method of the last window

	jPad *mat.Dense
	hPad *mat.SymDense
	gPad *mat.SymDense
}

func newDevice(o *Optimizer, hw *circuit.Hardware, n, r int, rng *rand.Rand) (*device, error) {
	d := &device{n: n, r: r, window: o.Window, hw: hw.Resolved(), tau: hw.Tau()}
	switch o.Device {
	case "", "circuit":
		spu, err := circuit.NewSPU(hw, circuit.Factored, n, r, rng)
		if err != nil {
			return nil, err
		}
		ev := o.Evolution
		d.thermo = &solver.Thermodynamic{Device: spu, Window: o.Window, Evolution: &ev}
		d.inner = d.thermo
	case "ideal":
		d.inner = &solver.IdealDevice{Window: o.Window, Kappa0: o.Kappa0, Rand: rng}
		d.method = "ideal"
	default:
		return nil, fmt.Errorf("scenarios: unknown device %q", o.Device)
	}
	return d, nil
}

// SolveTo implements nn.CurvatureSolver. A batch with fewer rows than the
// device (the last partial batch of an epoch) is padded with zero rows,
// which leave the system unchanged.
func (d *device) SolveTo(dst *mat.VecDense, J *mat.Dense, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error {
	return d.SolveGramTo(dst, J, nil, H, lambda, g, start)
}

// SolveGramTo implements nn.GramCurvatureSolver: the Gram matrix J Jᵀ of
// the network's layer structure goes to the device (nil: none; padded
// with zeros like J).
func (d *device) SolveGramTo(dst *mat.VecDense, J *mat.Dense, gram, H *mat.SymDense, lambda float64, g, start *mat.VecDense) error {
	if r, _ := J.Dims(); r < d.r {
		J, H = d.pad(J, H)
		if gram != nil {
			gram = d.padGram(gram)
		}
	}
	t0 := time.Now()
	var err error
	if gs, ok := d.inner.(nn.GramCurvatureSolver); ok && gram != nil {
		err = gs.SolveGramTo(dst, J, gram, H, lambda, g, start)
	} else {
		err = d.inner.SolveTo(dst, J, H, lambda, g, start)
	}
	d.wall += time.Since(t0)
	if d.thermo != nil {
		rep := d.thermo.Report()
		d.phases.upload = rep.Times.DAC + rep.Times.Programming
		d.phases.delay = d.window.Delay * d.tau
		d.phases.window = rep.Times.Analog - d.phases.delay
		d.phases.readout = rep.Times.ADC
		d.method = rep.Method.String()
		d.clipped += rep.ArrayClipped + rep.InputClipped + rep.ReadClipped
		d.saturated += rep.Saturated + rep.StageSaturated
	} else {
		d.phases.upload, d.phases.window, d.phases.readout, d.phases.delay = idealTimes(&d.hw, d.n, d.r, d.window, d.tau)
	}
	return err
}

// hardwareBits is the cost proxy of Summary.HardwareBits for a factored
// SPU of n cells and r stage rows, hw resolved.
func hardwareBits(hw *circuit.Hardware, n, r int) float64 {
	width := func(bits int) float64 {
		if bits == 0 {
			return float64(hw.Link.WordBits)
		}
		return float64(bits)
	}
	devices := 2 * float64(r) * float64(r+2*n)
	return devices*width(hw.Arrays.Bits) + float64(n)*(width(hw.DAC.Bits)+width(hw.ADC.Bits))
}

// idealTimes is the timing model of the hybrid machine applied to the
// ideal device, so that it runs on the same clock as the circuit: the DAC
// converts the gradient (one conversion, N words over the link), all
// r(r + 2N) array entries are written, the window runs for Time·τ, and K
// readouts each take one ADC conversion and N words.
func idealTimes(hw *circuit.Hardware, n, r int, w solver.Window, tau float64) (upload, window, readout, delay float64) {
	word := float64(hw.Link.WordBits) / hw.Link.Bandwidth
	entries := float64(r * (r + 2*n))
	write := entries * word
	if hw.Arrays.WriteTime > 0 {
		write = entries * hw.Arrays.WriteTime
	}
	k := max(w.Samples, 1)
	upload = hw.DAC.ConversionTime + float64(n)*word + write
	readout = float64(k) * (hw.ADC.ConversionTime + float64(n)*word)
	return upload, w.Time * tau, readout, w.Delay * tau
}

// padGram returns the Gram matrix of the padded J: gram in the leading
// block, zeros elsewhere.
func (d *device) padGram(gram *mat.SymDense) *mat.SymDense {
	if d.gPad == nil {
		d.gPad = mat.NewSymDense(d.r, nil)
	}
	padSym(d.gPad, gram)
	return d.gPad
}

// padSym writes src into the leading block of dst and zeros elsewhere.
func padSym(dst, src *mat.SymDense) {
	dst.Zero()
	dst.SliceSym(0, src.SymmetricDim()).(*mat.SymDense).CopySym(src)
}

func (d *device) pad(J *mat.Dense, H *mat.SymDense) (*mat.Dense, *mat.SymDense) {
	if d.jPad == nil {
		d.jPad = mat.NewDense(d.r, d.n, nil)
		d.hPad = mat.NewSymDense(d.r, nil)
	}
	d.jPad.Zero()
	r, _ := J.Dims()
	d.jPad.Slice(0, r, 0, d.n).(*mat.Dense).Copy(J)
	padSym(d.hPad, H)
	return d.jPad, d.hPad
}
