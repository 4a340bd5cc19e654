package nn

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func teacherTask(t *testing.T, classify bool) (*Model, Loss, *Dataset, *Dataset) {
	t.Helper()
	train, test := TeacherStudent{Classify: classify, Noise: 0.01}.Generate(rand.New(rand.NewPCG(31, 32)))
	loss := Loss(SquaredError{})
	if classify {
		loss = CrossEntropy{}
	}
	m := MLP{Hidden: []int{12}, Activation: ActTanh}.Build(train.In, train.OutSize)
	return m, loss, train, test
}

// TestTrainEveryOptimizer: every optimizer lowers the test loss of the
// teacher–student regression task within 3 epochs (24 steps of 64) from
// the same initial θ; the TNGD ones use the test ideal OU device at t = 10τ.
func TestTrainEveryOptimizer(t *testing.T) {
	m, loss, train, test := teacherTask(t, false)
	ng := NaturalGradient{LR: 0.5, Damping: Damping{Lambda: 0.1}}
	for _, tc := range []struct {
		cfg    OptimizerConfig
		solver CurvatureSolver
	}{
		{SGD{LR: 0.05, Momentum: 0.9}, nil},
		{Adam{LR: 0.01}, nil},
		{ExactNGD{NaturalGradient: ng}, nil},
		{NGDCG{NaturalGradient: ng}, nil},
		{NGDWoodbury{NaturalGradient: ng}, nil},
		{TNGD{NaturalGradient: ng}, &idealOU{T: 10}},
		{TNGDAdam{NaturalGradient: NaturalGradient{LR: 0.01}}, &idealOU{T: 10}},
		{ExactNGD{NaturalGradient: NaturalGradient{LR: 0.5, Damping: Damping{Adaptive: true, Lambda: 1}}}, nil},
	} {
		t.Run(tc.cfg.Kind(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 1))
			theta := make([]float64, m.NumParams())
			m.Init(theta, rng)
			opt, err := NewOptimizer(tc.cfg, m.NumParams(), tc.solver)
			require.NoError(t, err)
			var evals []Eval
			steps := 0
			tr := &Trainer{Model: m, Loss: loss, Optimizer: opt, Train: train, Test: test, Rand: rng,
				Config: TrainConfig{Epochs: 3, EvalTrain: 100},
				OnEval: func(e Eval) error { evals = append(evals, e); return nil },
				OnStep: func(info StepInfo, p *Pass) error {
					assert.Equal(t, steps, info.Iteration)
					steps++
					return nil
				}}
			res, err := tr.Run(theta)
			require.NoError(t, err)
			assert.Equal(t, Finished, res.Status)
			assert.Equal(t, 24, res.Iterations) // 512 samples / 64 × 3 epochs
			require.Len(t, evals, 4)            // start and after each epoch
			assert.Less(t, evals[3].TestLoss, 0.8*evals[0].TestLoss)
			assert.True(t, math.IsNaN(evals[0].TrainLoss))
			assert.False(t, math.IsNaN(evals[3].FullTrainLoss))
			assert.True(t, math.IsNaN(evals[3].TestAcc), "regression has no accuracy")
			assert.Equal(t, 24, steps)
		})
	}
}

func TestTrainClassificationAccuracy(t *testing.T) {
	m, loss, train, test := teacherTask(t, true)
	rng := rand.New(rand.NewPCG(2, 2))
	theta := make([]float64, m.NumParams())
	m.Init(theta, rng)
	opt, err := NewOptimizer(Adam{LR: 0.01}, m.NumParams(), nil)
	require.NoError(t, err)
	tr := &Trainer{Model: m, Loss: loss, Optimizer: opt, Train: train, Test: test, Rand: rng,
		Config: TrainConfig{Epochs: 20, BatchSize: 32}}
	res, err := tr.Run(theta)
	require.NoError(t, err)
	// A 12-unit student of a 16-unit teacher separates 3 classes well; 85 %
	// is far above chance (≈ 33–50 % depending on class balance).
	assert.Greater(t, res.Last.TestAcc, 0.85)
	loss1, acc1 := Evaluate(m, loss, theta, test, 0, 7)
	assert.InDelta(t, res.Last.TestLoss, loss1, 1e-12)
	assert.Equal(t, res.Last.TestAcc, acc1)
}

// TestTrainDeterministic: the same seeds give bit-identical parameters.
func TestTrainDeterministic(t *testing.T) {
	m, loss, train, test := teacherTask(t, true)
	run := func() []float64 {
		rng := rand.New(rand.NewPCG(5, 6))
		theta := make([]float64, m.NumParams())
		m.Init(theta, rng)
		opt, err := NewOptimizer(NGDCG{}, m.NumParams(), nil)
		require.NoError(t, err)
		tr := &Trainer{Model: m, Loss: loss, Optimizer: opt, Train: train, Test: test, Rand: rng,
			Config: TrainConfig{Iterations: 13, BatchSize: 50, EvalEvery: 5}}
		res, err := tr.Run(theta)
		require.NoError(t, err)
		assert.Equal(t, 13, res.Iterations)
		return theta
	}
	assert.Equal(t, run(), run())
}

func TestTrainDivergence(t *testing.T) {
	m, loss, train, test := teacherTask(t, false)
	for _, tc := range []struct {
		name string
		cfg  OptimizerConfig
	}{
		{"explodes", SGD{LR: 50}},
		{"overflows", SGD{LR: 1e200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			theta := make([]float64, m.NumParams())
			m.Init(theta, rng)
			opt, err := NewOptimizer(tc.cfg, m.NumParams(), nil)
			require.NoError(t, err)
			tr := &Trainer{Model: m, Loss: loss, Optimizer: opt, Train: train, Test: test, Rand: rng}
			res, err := tr.Run(theta)
			require.NoError(t, err)
			assert.Equal(t, Diverged, res.Status)
			assert.NotEmpty(t, res.Reason)
			assert.Less(t, res.Iterations, 80)
			t.Log(res.Reason)
		})
	}
}

func TestTrainCallbackStops(t *testing.T) {
	m, loss, train, _ := teacherTask(t, false)
	rng := rand.New(rand.NewPCG(9, 9))
	theta := make([]float64, m.NumParams())
	m.Init(theta, rng)
	opt, err := NewOptimizer(SGD{}, m.NumParams(), nil)
	require.NoError(t, err)
	stop := errors.New("enough")
	tr := &Trainer{Model: m, Loss: loss, Optimizer: opt, Train: train, Rand: rng,
		OnStep: func(info StepInfo, _ *Pass) error {
			if info.Iteration == 2 {
				return stop
			}
			return nil
		}}
	res, err := tr.Run(theta)
	assert.ErrorIs(t, err, ErrStopped)
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 3, res.Iterations)
}

func TestTrainDropLast(t *testing.T) {
	m, loss, train, _ := teacherTask(t, false)
	rng := rand.New(rand.NewPCG(9, 9))
	theta := make([]float64, m.NumParams())
	m.Init(theta, rng)
	opt, err := NewOptimizer(SGD{}, m.NumParams(), nil)
	require.NoError(t, err)
	rows := map[int]bool{}
	tr := &Trainer{Model: m, Loss: loss, Optimizer: opt, Train: train, Rand: rng,
		Config: TrainConfig{Epochs: 2, BatchSize: 100, DropLast: true},
		OnStep: func(_ StepInfo, p *Pass) error { rows[p.Rows()] = true; return nil }}
	res, err := tr.Run(theta)
	require.NoError(t, err)
	assert.Equal(t, 10, res.Iterations) // 512/100 = 5 full batches per epoch
	assert.Equal(t, map[int]bool{300: true}, rows)
}
