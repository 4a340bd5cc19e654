package solver_test

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/tngd/tngd/solver"
)

// A damped natural-gradient solve (JᵀHJ + λI)x = g: Woodbury exactly, and
// the ideal thermodynamic device, which starts at g (the SGD direction)
// and relaxes towards the same solution with the analog time t (in τ).
func Example() {
	// r = 2 outputs, N = 3 parameters, squared-error Hessian H = I.
	J := mat.NewDense(2, 3, []float64{
		1, 0, 1,
		0, 2, 0,
	})
	H := mat.NewSymDense(2, []float64{1, 0, 0, 1})
	g := mat.NewVecDense(3, []float64{1, 1, 1})
	const lambda = 0.5

	var x mat.VecDense
	wb := &solver.Woodbury{}
	if err := wb.SolveTo(&x, J, H, lambda, g, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Woodbury:    %.4f\n", mat.Formatted(x.T()))

	for _, t := range []float64{0, 1, 50} {
		dv := &solver.IdealDevice{Window: solver.Window{Time: t}}
		if err := dv.SolveTo(&x, J, H, lambda, g, g); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("device t=%-2g %.4f\n", t, mat.Formatted(x.T()))
	}

	// With noise κ₀ the device samples around the solution; averaging
	// K samples after a burn-in reduces the error as √(2τ_slow/T).
	dv := &solver.IdealDevice{
		Window: solver.Window{Time: 250, Samples: 200, BurnIn: 50},
		Kappa0: 1e-4,
		Rand:   rand.New(rand.NewPCG(1, 2)),
	}
	if err := dv.SolveTo(&x, J, H, lambda, g, g); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("noisy mean   %.2f\n", mat.Formatted(x.T()))

	// Output:
	// Woodbury:    [0.4000  0.2222  0.4000]
	// device t=0  [1.0000  1.0000  1.0000]
	// device t=1  [0.4493  0.2309  0.4493]
	// device t=50 [0.4000  0.2222  0.4000]
	// noisy mean   [0.40  0.22  0.40]
}
