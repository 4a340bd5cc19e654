package netlist_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/tngd/tngd/circuit"
	"github.com/tngd/tngd/netlist"
)

// Read a deck, assemble it and look at its drift and noise: the TRNOISE
// source is white noise of one-sided PSD 2·NA²·NT.
func ExampleParse() {
	src := `RC node with noise
R1 a 0 1k
C1 a 0 1nF IC=1
I1 a 0 DC 0 TRNOISE(1n 100n 0 0)
.tran 0.1u 10u uic
.end
`
	n, err := netlist.Parse(strings.NewReader(src), "rc.cir")
	if err != nil {
		fmt.Println(err)
		return
	}
	m, _, err := netlist.Assemble(n, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("nodes %v, %d output points\n", n.Nodes(), n.Tran.Points())
	fmt.Printf("drift %.4g 1/s, noise PSD %.3g A²/Hz\n", m.Drift().At(0, 0), n.Elements[2].Noise.PSD())
	// Output:
	// nodes [a], 101 output points
	// drift 1e+06 1/s, noise PSD 2e-25 A²/Hz
}

// Export a circuit of package circuit as an ngspice deck: the resistor's
// Johnson noise (4kT/R at 300.15 K) becomes a TRNOISE source across it,
// NA = √(2kT/(R·NT)) ≈ 9.1 nA at NT = 100 ns.
func ExampleExport() {
	c := &circuit.Circuit{}
	c.Add(circuit.Resistor{Name: "R1", P: "out", N: "0", R: 1e3})
	c.Add(circuit.Capacitor{Name: "C1", P: "out", N: "0", C: 1e-9})
	deck, _, err := netlist.Export(c, &netlist.ExportOptions{Title: "exported RC", NoiseStep: 1e-7})
	if err != nil {
		fmt.Println(err)
		return
	}
	deck.Tran = &netlist.Tran{Step: 1e-7, Stop: 1e-5}
	if err := netlist.Write(os.Stdout, deck, nil); err != nil {
		fmt.Println(err)
	}
	// Output:
	// exported RC
	// R1 out 0 1000
	// Inoise_R1 out 0 DC 0 TRNOISE(9.103865084127731e-09 1e-07 0 0)
	// C1 out 0 1e-09
	// .temp 27
	// .tran 1e-07 1e-05
	// .end
}
