package netlist

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/tngd/tngd/circuit"
)

// programmedSPU returns the circuit of a factored SPU with N = 8 cells and
// r = 4 stage rows programmed for a random problem (J 4×8, H SPD, λ = 1),
// with input g; hw may be nil (ideal, noiseless).
func programmedSPU(t *testing.T, hw *circuit.Hardware, seed uint64) (*circuit.Circuit, *circuit.SPU) {
	t.Helper()
	const n, r = 8, 4
	rng := rand.New(rand.NewPCG(seed, 99))
	dev, err := circuit.NewSPU(hw, circuit.Factored, n, r, rand.NewPCG(seed, 100))
	require.NoError(t, err)
	J := mat.NewDense(r, n, nil)
	for i := range r {
		for j := range n {
			J.Set(i, j, rng.NormFloat64()/math.Sqrt(n))
		}
	}
	var b mat.Dense
	b.Mul(J, J.T()) // any SPD H will do; JJᵀ/… couples the rows
	H := mat.NewSymDense(r, nil)
	for i := range r {
		for j := i; j < r; j++ {
			v := 0.3 * b.At(i, j)
			if i == j {
				v += 1
			}
			H.SetSym(i, j, v)
		}
	}
	_, err = dev.ProgramFactored(J, H, 1)
	require.NoError(t, err)
	g := mat.NewVecDense(n, nil)
	for i := range n {
		g.SetVec(i, rng.NormFloat64())
	}
	_, err = dev.SetInput(g)
	require.NoError(t, err)
	c, err := dev.Circuit()
	require.NoError(t, err)
	return c, dev
}

// TestSPUExportRoundTrip: a programmed SPU, exported and read back, has the
// assembled drift, inputs and diffusion of the SPU's own circuit (to the
// 1e-9 of the op-amps' finite stand-in gain).
func TestSPUExportRoundTrip(t *testing.T) {
	hw := &circuit.Hardware{Noise: circuit.NoiseSpec{Temperature: 300, Kappa0: 1e-3}}
	c, _ := programmedSPU(t, hw, 1)
	want, err := c.Assemble()
	require.NoError(t, err)
	deck, nodes, err := Export(c, nil)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, deck, nil))
	n, err := Parse(&buf, "spu.cir")
	require.NoError(t, err)
	got, _, err := Assemble(n, nil)
	require.NoError(t, err)
	assertSameModel(t, want, got, nodes, 1e-7)
}

// TestNgspiceSPU runs the programmed SPU (N = 8, r = 4) in ngspice:
// deterministic waveforms of every node from rest, and the stationary
// statistics of the cells with Johnson and injected noise (see
// compareNoise).
func TestNgspiceSPU(t *testing.T) {
	t.Run("deterministic", func(t *testing.T) {
		c, dev := programmedSPU(t, nil, 2)
		deck, _, err := Export(c, &ExportOptions{Title: "SPU N=8 r=4"})
		require.NoError(t, err)
		tau := dev.Tau()
		deck.Tran = &Tran{Step: tau / 20, Stop: 10 * tau, MaxStep: tau / 200, UIC: true}
		compareDeterministic(t, deck)
	})
	t.Run("noise", func(t *testing.T) {
		hw := &circuit.Hardware{Noise: circuit.NoiseSpec{Temperature: 300, Kappa0: 1e-2}}
		c, dev := programmedSPU(t, hw, 3)
		deck, _, err := Export(c, &ExportOptions{Title: "SPU N=8 r=4 with noise"})
		require.NoError(t, err)
		spec := dev.Spectrum()
		t.Logf("drift spectrum per τ: [%.3g, %.3g]", spec.Min, spec.Max)
		slow := dev.Tau() / spec.Min
		// 2,040 samples half a slow time constant apart: about 18 s of ngspice.
		deck.Tran = &Tran{Step: slow / 2, Stop: 1030 * slow}
		compareNoise(t, deck, exportedNT(t, deck), 20)
	})
}
