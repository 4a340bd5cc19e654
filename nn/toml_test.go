package nn

import (
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfigsDecodeFromTOML pins the TOML keys of the configuration structs
// that scenario files use: embedded NaturalGradient fields are promoted,
// nested tables hold damping and schedule, and every key is consumed.
func TestConfigsDecodeFromTOML(t *testing.T) {
	for _, tc := range []struct {
		kind string
		text string
		want OptimizerConfig
	}{
		{"tngd", `
lr = 0.01
reset = true
reference = true
[damping]
lambda = 0.01
adaptive = true
[schedule]
kind = "cosine"
total = 100
`, &TNGD{NaturalGradient: NaturalGradient{LR: 0.01, Reference: true, Damping: Damping{Lambda: 0.01, Adaptive: true},
			Schedule: Schedule{Kind: "cosine", Total: 100}}, Reset: true}},
		{"tngd-adam", "lr = 0.001\nbeta1 = 0.0\nbeta2 = 0.999\n", &TNGDAdam{NaturalGradient: NaturalGradient{LR: 0.001}, Beta1: Float(0), Beta2: Float(0.999)}},
		{"adam", "lr = 0.001\nweight_decay = 1e-4\ndecoupled = true\n", &Adam{LR: 0.001, WeightDecay: 1e-4, Decoupled: true}},
		{"sgd", "lr = 0.1\nmomentum = 0.9\nnesterov = true\n", &SGD{LR: 0.1, Momentum: 0.9, Nesterov: true}},
		{"ngd-cg", "iters = 10\ntol = 1e-6\nwarm_start = true\nmomentum = 0.5\n", &NGDCG{NaturalGradient: NaturalGradient{Momentum: 0.5}, Iters: 10, Tol: 1e-6, WarmStart: true}},
		{"ngd", "max_dense = 500\n", &ExactNGD{MaxDense: 500}},
		{"ngd-woodbury", "[damping]\nlambda = 0.1\n", &NGDWoodbury{NaturalGradient: NaturalGradient{Damping: Damping{Lambda: 0.1}}}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			cfg, err := NewOptimizerConfig(tc.kind)
			require.NoError(t, err)
			md, err := toml.Decode(tc.text, cfg)
			require.NoError(t, err)
			assert.Empty(t, md.Undecoded())
			assert.Equal(t, tc.want, cfg)
			assert.NoError(t, cfg.Validate())
		})
	}
	var m ModelConfig
	md, err := toml.Decode("kind = \"cnn\"\n[cnn]\nfilters = 16\npool = 2\nactivation = \"tanh\"\n", &m)
	require.NoError(t, err)
	assert.Empty(t, md.Undecoded())
	assert.Equal(t, ModelConfig{Kind: "cnn", CNN: CNN{Filters: 16, Pool: 2, Activation: ActTanh}}, m)
	var tr TrainConfig
	_, err = toml.Decode("epochs = 2\nbatch_size = 32\neval_every = 10\ndrop_last = true\n", &tr)
	require.NoError(t, err)
	assert.Equal(t, TrainConfig{Epochs: 2, BatchSize: 32, EvalEvery: 10, DropLast: true}, tr)
	var mn MNIST
	_, err = toml.Decode("train = 5000\ntest = 1000\nnormalize = \"unit\"\ndigits = [5, 6]\n", &mn)
	require.NoError(t, err)
	assert.Equal(t, MNIST{Train: 5000, Test: 1000, Normalize: "unit", Digits: []int{5, 6}}, mn)
}
