package circuit_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tngd/tngd/circuit"
)

// A leaky op-amp integrator driven by a DC source: assemble it, read the
// drift and the DC operating point, and run it exactly for 5τ.
func ExampleCircuit_Assemble() {
	ckt := &circuit.Circuit{Temperature: 300}
	ckt.Add(
		circuit.VoltageSource{Name: "Vg", P: "g", N: circuit.Ground, V: 0.5},
		circuit.Resistor{Name: "Rin", P: "g", N: "sum", R: 1e3},
		circuit.Integrator{Name: "X1", In: "sum", Out: "v", C: 1e-9},
		circuit.Resistor{Name: "Rf", P: "v", N: "sum", R: 1e3},
	)
	m, err := ckt.Assemble()
	if err != nil {
		fmt.Println(err)
		return
	}
	sigma, _ := m.StationaryCovariance()
	fmt.Printf("states %v, A = %.3g 1/s, DC point %.3g V, rms noise %.3g µV\n",
		m.States(), m.Drift().At(0, 0), m.OperatingPoint()[0], 1e6*math.Sqrt(sigma.At(0, 0)))

	s := circuit.NewExact(m.WithoutNoise(), nil)
	s.AdvanceTo(5e-6) // 5τ, τ = RC = 1 µs
	v := make([]float64, len(m.Nodes()))
	s.NodeVoltagesTo(v)
	fmt.Printf("%v at 5τ: %.4f V\n", m.Nodes(), v)

	// With noise, the same seed gives the same trajectory.
	a := circuit.NewExact(m, rand.NewPCG(1, 2))
	b := circuit.NewExact(m, rand.NewPCG(1, 2))
	a.AdvanceTo(1e-6)
	b.AdvanceTo(1e-6)
	fmt.Println("reproducible:", a.State()[0] == b.State()[0])
	// Output:
	// states [v], A = 1e+06 1/s, DC point -0.5 V, rms noise 2.88 µV
	// [g sum v] at 5τ: [0.5000 0.0000 -0.4966] V
	// reproducible: true
}
