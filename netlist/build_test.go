package netlist

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/tngd/tngd/circuit"
)

// TestAssembleRC checks the drift, input and diffusion of a two-node RC
// ladder against the analytic C⁻¹G, C⁻¹·incidence and C⁻¹·(S/2)·C⁻¹.
func TestAssembleRC(t *testing.T) {
	src := `ladder
R1 a b 1k
R2 b 0 2k
C1 a 0 1n
C2 b 0 2n
I1 0 a DC 1m TRNOISE(1n 10n 0 0)
.tran 10n 1u
`
	n := parseString(t, src)
	m, _, err := Assemble(n, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, m.States())
	want := mat.NewDense(2, 2, []float64{
		1 / (1e3 * 1e-9), -1 / (1e3 * 1e-9),
		-1 / (1e3 * 2e-9), (1/1e3 + 1/2e3) / 2e-9,
	})
	assert.True(t, mat.EqualApprox(want, m.Drift(), 1e-6), "drift %v", mat.Formatted(m.Drift()))
	// I1 pushes 1 mA into a: B = [1/C1; 0] per ampere.
	assert.InDeltaSlice(t, []float64{1 / 1e-9, 0}, mat.Col(nil, 0, m.InputMatrix()), 1e-3)
	// TRNOISE PSD 2·NA²·NT into a: D_aa = (S/2)/C1², the rest zero.
	s := 2 * 1e-9 * 1e-9 * 10e-9
	d := m.Diffusion()
	assert.InEpsilon(t, s/2/(1e-9*1e-9), d.At(0, 0), 1e-12)
	assert.Equal(t, 0.0, d.At(1, 1), "resistors are noiseless by default (ngspice semantics)")

	mj, _, err := Assemble(n, &BuildOptions{Johnson: true})
	require.NoError(t, err)
	// Johnson noise of R2 alone reaches b: 2kT/R2/C2² (plus R1's share).
	kT := boltzmann * DefaultTemp
	wantBB := (2*kT/2e3 + 2*kT/1e3) / (2e-9 * 2e-9)
	assert.InEpsilon(t, wantBB, mj.Diffusion().At(1, 1), 1e-12)
}

func TestBuildNoiseAndNegativeResistor(t *testing.T) {
	n := parseString(t, "t\nR1 a 0 -2k\nR2 a 0 1k\nC1 a 0 1n\nI1 a 0 TRNOISE(1n 1u 0 0)\nI2 a 0 DC 1 TRNOISE(1n 1u 0 0)\n")
	c, err := Build(n, nil)
	require.NoError(t, err)
	els := c.Elements()
	require.Len(t, els, 6)
	assert.Equal(t, circuit.VCCS{Name: "R1", P: "a", N: "0", CP: "a", CN: "0", Gm: -1 / 2e3}, els[0])
	nc, ok := els[3].(circuit.NoiseCurrent)
	require.True(t, ok, "DC 0 with TRNOISE is the noise alone: %#v", els[3])
	assert.Equal(t, "I1", nc.Name)
	assert.InEpsilon(t, 2*1e-9*1e-9*1e-6, nc.PSD, 1e-15, "2·NA²·NT")
	assert.Equal(t, circuit.CurrentSource{Name: "I2", P: "a", N: "0", I: 1}, els[4])
	assert.Equal(t, "I2(trnoise)", els[5].ElementName())
	m, err := c.Assemble()
	require.NoError(t, err)
	// Net conductance 1/1k − 1/2k = 0.5 mS over 1 nF.
	assert.InEpsilon(t, 0.5e-3/1e-9, m.Drift().At(0, 0), 1e-12)
	assert.Equal(t, []string{"I2"}, m.Inputs())
}

func TestAssembleErrorsArePositioned(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		line, col int
		sentinel  error
	}{
		{"no DC path", "t\nR1 a b 1k\nC1 b 0 1n\nC2 a 0 1n\n", 2, 1, circuit.ErrUnstable},
		{"negative capacitance", "t\nR1 a 0 1k\nC1 a 0 -1n\n", 3, 1, circuit.ErrInvalid},
		{"floating capacitor-free node", "t\nR1 a 0 1k\nC1 a 0 1n\nG1 b 0 a 0 1m\n", 4, 1, circuit.ErrSingular},
		{"voltage loop", "t\nV1 a 0 1\nV2 a 0 2\nR1 a 0 1\n", 3, 1, circuit.ErrSingular},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Parse(strings.NewReader(tt.src), "x.cir")
			require.NoError(t, err)
			_, _, err = Assemble(n, nil)
			require.Error(t, err)
			var ce *CircuitError
			require.True(t, errors.As(err, &ce), "%v", err)
			assert.Equal(t, Position{File: "x.cir", Line: tt.line, Col: tt.col}, ce.At, "%v", err)
			assert.ErrorIs(t, err, tt.sentinel)
			assert.True(t, strings.HasPrefix(err.Error(), ce.At.String()+": "))
		})
	}
}

func TestInitialState(t *testing.T) {
	base := `t
R1 a b 1k
R2 b 0 1k
C1 a 0 1n IC=0.5
C2 b c 1n IC=0.25
R3 c 0 1k
C3 c 0 1n
I1 0 a DC 1m
`
	t.Run("uic", func(t *testing.T) {
		n := parseString(t, base+".ic V(c)=2\n.tran 1n 1u uic\n")
		m, _, err := Assemble(n, nil)
		require.NoError(t, err)
		v, err := InitialNodeVoltages(n, m)
		require.NoError(t, err)
		// a from C1's IC; b = c + 0.25 with c = 0 when C2 is read; then .ic sets c.
		assert.Equal(t, []float64{0.5, 0.25, 2}, v)
		x, err := InitialState(n, m, nil)
		require.NoError(t, err)
		got := make([]float64, len(m.Nodes()))
		m.NodeVoltagesTo(got, x, nil)
		assert.InDeltaSlice(t, v, got, 1e-12, "every node is capacitive: the state carries all three")
	})
	t.Run("operating point", func(t *testing.T) {
		n := parseString(t, base+".tran 1n 1u\n")
		m, _, err := Assemble(n, nil)
		require.NoError(t, err)
		x, err := InitialState(n, m, nil)
		require.NoError(t, err)
		v := make([]float64, 3)
		m.NodeVoltagesTo(v, x, nil)
		// DC: 1 mA through R1 and R2 to ground; C2 blocks, c at 0.
		assert.InDeltaSlice(t, []float64{2, 1, 0}, v, 1e-9)
	})
	t.Run("ic held during the operating point", func(t *testing.T) {
		n := parseString(t, base+".ic V(b)=0.5\n.tran 1n 1u\n")
		m, _, err := Assemble(n, nil)
		require.NoError(t, err)
		x, err := InitialState(n, m, nil)
		require.NoError(t, err)
		v := make([]float64, 3)
		m.NodeVoltagesTo(v, x, nil)
		// b held at 0.5: 1 mA through R1 gives a = 1.5; c stays 0.
		assert.InDeltaSlice(t, []float64{1.5, 0.5, 0}, v, 1e-9)
	})
	t.Run("ic on a source node", func(t *testing.T) {
		n := parseString(t, "t\nV1 a 0 1\nR1 a b 1k\nC1 b 0 1n\n.ic V(a)=2\n.tran 1n 1u\n")
		m, _, err := Assemble(n, nil)
		require.NoError(t, err)
		_, err = InitialState(n, m, nil)
		var ce *CircuitError
		require.True(t, errors.As(err, &ce), "%v", err)
		assert.Equal(t, 5, ce.At.Line)
	})
}

// randomCircuit returns a stable random circuit with every element kind the
// exporter knows: a ring of noisy resistors and grounded capacitors with
// random extra couplings, transconductors with excess noise, a VCVS buffer
// onto a capacitor-free node, sources, an injected noise current and an
// integrator cell and nullor buffer.
func randomCircuit(rng *rand.Rand, n int) *circuit.Circuit {
	c := &circuit.Circuit{Temperature: 250 + 100*rng.Float64()}
	node := func(i int) string { return "n" + string(rune('a'+i)) }
	for i := range n {
		c.Add(circuit.Resistor{Name: "Rg" + node(i), P: node(i), N: "0", R: 500 + 1000*rng.Float64()})
		c.Add(circuit.Capacitor{Name: "C" + node(i), P: node(i), N: "0", C: 1e-9 * (0.5 + rng.Float64())})
		c.Add(circuit.Resistor{Name: "Rr" + node(i), P: node(i), N: node((i + 1) % n), R: 1e3 * (1 + rng.Float64()), Noiseless: i == 0})
	}
	// Weak transconductors keep the drift stable (diagonal dominance).
	c.Add(circuit.VCCS{Name: "G1", P: node(0), N: "0", CP: node(1), CN: "0", Gm: 1e-4, NoiseFactor: 2.0 / 3})
	c.Add(circuit.VCCS{Name: "G2", P: node(2), N: node(1), CP: node(0), CN: node(2), Gm: -1e-4})
	c.Add(circuit.VCVS{Name: "E1", P: "buf", N: "0", CP: node(1), CN: "0", Gain: 2})
	c.Add(circuit.Resistor{Name: "Rbuf", P: "buf", N: node(3), R: 5e3})
	c.Add(circuit.CurrentSource{Name: "I1", P: "0", N: node(0), I: 1e-3})
	c.Add(circuit.VoltageSource{Name: "V1", P: "vin", N: "0", V: 0.3})
	c.Add(circuit.Resistor{Name: "Rin", P: "vin", N: node(2), R: 2e3})
	c.Add(circuit.NoiseCurrent{Name: "inj", P: node(1), N: "0", PSD: 1e-22})
	// An integrator cell fed from node 3, leaky through Rf.
	c.Add(circuit.Integrator{Name: "X1", In: "sum", Out: "cell", C: 1e-9})
	c.Add(circuit.Resistor{Name: "Rx", P: node(3), N: "sum", R: 1e3})
	c.Add(circuit.Resistor{Name: "Rf", P: "cell", N: "sum", R: 1e3})
	c.Add(circuit.Nullor{Name: "buf 2", InP: "cell", InN: "o2", Out: "o2"})
	c.Add(circuit.Resistor{Name: "Rload", P: "o2", N: "0", R: 1e4})
	return c
}

// TestExportRoundTrip checks that Export then Build gives the same
// assembled model: drift, input matrix and diffusion, state by state.
// Tolerance: the ideal op-amps become VCVS of gain 1e9, which moves the
// integrator's entries by ~1e-9 relative; noise amplitudes round at 1e-16.
func TestExportRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 5 {
		c := randomCircuit(rng, 4+trial)
		want, err := c.Assemble()
		require.NoError(t, err)
		deck, nodes, err := Export(c, nil)
		require.NoError(t, err)
		// Through text, as a user would.
		var buf bytes.Buffer
		require.NoError(t, Write(&buf, deck, nil))
		n, err := Parse(&buf, "export.cir")
		require.NoError(t, err, buf.String())
		got, _, err := Assemble(n, nil)
		require.NoError(t, err, buf.String())
		assertSameModel(t, want, got, nodes, 1e-7)
		assert.InEpsilon(t, c.Temperature, n.Kelvin(), 1e-12)
	}
}

func TestExportNames(t *testing.T) {
	c := &circuit.Circuit{NoThermalNoise: true}
	c.Add(circuit.Resistor{Name: "load", P: "x y", N: "0", R: 1})
	c.Add(circuit.Resistor{Name: "R1", P: "X_y", N: "0", R: 1})
	c.Add(circuit.Resistor{Name: "r1 ", P: "x(1)", N: "gnd", R: 1})
	c.Add(circuit.Capacitor{Name: "C", P: "x y", N: "0", C: 1})
	deck, nodes, err := Export(c, &ExportOptions{NoiseStep: 1})
	require.NoError(t, err)
	var names []string
	for _, e := range deck.Elements {
		names = append(names, e.Name)
	}
	assert.Equal(t, []string{"R_load", "R1", "r1_", "C"}, names)
	assert.Equal(t, map[string]string{"x y": "x_y", "X_y": "X_y_2", "x(1)": "x_1_"}, nodes)
	require.NoError(t, deck.Validate())
}

func TestExportNoiseStep(t *testing.T) {
	c := &circuit.Circuit{}
	c.Add(circuit.Resistor{Name: "R1", P: "a", N: "0", R: 1e3})
	c.Add(circuit.Capacitor{Name: "C1", P: "a", N: "0", C: 1e-9})
	deck, _, err := Export(c, nil)
	require.NoError(t, err)
	require.Len(t, deck.Elements, 3)
	ns := deck.Elements[1].Noise
	assert.InEpsilon(t, 1e-7, ns.NT, 1e-9, "τ/10 with τ = RC = 1 µs")
	assert.InEpsilon(t, math.Sqrt(2*boltzmann*circuit.DefaultTemperature/(1e3*1e-7)), ns.NA, 1e-12, "NA = √(2kT/(R·NT))")

	bad := &circuit.Circuit{}
	bad.Add(circuit.Resistor{Name: "R1", P: "a", N: "0", R: 1e3})
	_, _, err = Export(bad, nil)
	assert.ErrorIs(t, err, ErrInvalid, "noise without a capacitor has no τ_min")
}

// assertSameModel checks that got has want's drift, diffusion and input
// matrix, state by state (states matched through the node-name map nodes),
// to tol relative to each matrix's ∞-norm.
func assertSameModel(t *testing.T, want, got *circuit.Model, nodes map[string]string, tol float64) {
	t.Helper()
	require.Equal(t, want.Dim(), got.Dim())
	perm := make([]int, want.Dim())
	for i, s := range want.States() {
		perm[i] = got.StateIndex(nodes[s])
		require.GreaterOrEqual(t, perm[i], 0, "state %s (%s) missing", s, nodes[s])
	}
	wa, ga := want.Drift(), got.Drift()
	wd, gd := want.Diffusion(), got.Diffusion()
	scaleA, scaleD := mat.Norm(wa, math.Inf(1)), mat.Norm(wd, math.Inf(1))
	for i := range perm {
		for j := range perm {
			assert.InDelta(t, wa.At(i, j), ga.At(perm[i], perm[j]), tol*scaleA, "A[%d,%d]", i, j)
			assert.InDelta(t, wd.At(i, j), gd.At(perm[i], perm[j]), tol*scaleD, "D[%d,%d]", i, j)
		}
	}
	require.Equal(t, len(want.Inputs()), len(got.Inputs()))
	wb, gb := want.InputMatrix(), got.InputMatrix()
	if wb == nil {
		return
	}
	for i := range perm {
		for k := range want.Inputs() {
			assert.InDelta(t, wb.At(i, k), gb.At(perm[i], k), tol*mat.Norm(wb, math.Inf(1)), "B[%d,%d]", i, k)
		}
	}
}
