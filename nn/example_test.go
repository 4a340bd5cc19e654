package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/tngd/tngd/nn"
)

// Train the default MNIST-sized CNN's little sibling, an MLP, on a
// synthetic teacher–student task with matrix-free NGD-CG.
func ExampleTrainer() {
	rng := rand.New(rand.NewPCG(1, 2))
	train, test := nn.TeacherStudent{Classify: true}.Generate(rng)
	model := nn.MLP{Hidden: []int{16}}.Build(train.In, train.OutSize)
	theta := make([]float64, model.NumParams())
	model.Init(theta, rng)

	opt, err := nn.NewOptimizer(nn.NGDCG{NaturalGradient: nn.NaturalGradient{LR: 0.2}}, model.NumParams(), nil)
	if err != nil {
		panic(err)
	}
	var first, last nn.Eval
	tr := &nn.Trainer{
		Model: model, Loss: nn.CrossEntropy{}, Optimizer: opt,
		Train: train, Test: test, Rand: rng,
		Config: nn.TrainConfig{Epochs: 5, BatchSize: 32},
		OnEval: func(e nn.Eval) error {
			if e.Iteration == 0 {
				first = e
			}
			last = e
			return nil
		},
	}
	res, err := tr.Run(theta)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.Iterations, "iterations")
	fmt.Println("test loss decreased:", last.TestLoss < first.TestLoss)
	// Output:
	// finished 80 iterations
	// test loss decreased: true
}

func ExampleCNN() {
	m := nn.CNN{}.Build(nn.Shape{C: 1, H: 28, W: 28}, 10)
	fmt.Println(m.NumParams(), "parameters,", m.OutSize(), "outputs")
	// Output:
	// 38058 parameters, 10 outputs
}
