package circuit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

const kT300 = Boltzmann * 300

// rcNetwork is a multi-node RC network with distinct grounded capacitors,
// a ring and chords of resistors, leaks to ground and current sources; it
// also returns its node-space C, G and injected current i.
func rcNetwork() (ckt *Circuit, c, g *mat.Dense, i *mat.VecDense) {
	const n = 5
	caps := []float64{1e-9, 2.2e-9, 0.47e-9, 3.3e-9, 1.5e-9}
	ckt = &Circuit{Temperature: 300}
	c = mat.NewDense(n, n, nil)
	g = mat.NewDense(n, n, nil)
	i = mat.NewVecDense(n, nil)
	name := func(k int) string { return fmt.Sprintf("v%d", k+1) }
	addR := func(a, b int, r float64) {
		pa, pb := Ground, Ground
		if a >= 0 {
			pa = name(a)
		}
		if b >= 0 {
			pb = name(b)
		}
		ckt.Add(Resistor{Name: fmt.Sprintf("R%d", ckt.Len()), P: pa, N: pb, R: r})
		gv := 1 / r
		if a >= 0 {
			g.Set(a, a, g.At(a, a)+gv)
		}
		if b >= 0 {
			g.Set(b, b, g.At(b, b)+gv)
		}
		if a >= 0 && b >= 0 {
			g.Set(a, b, g.At(a, b)-gv)
			g.Set(b, a, g.At(b, a)-gv)
		}
	}
	for k := range n {
		ckt.Add(Capacitor{Name: fmt.Sprintf("C%d", k), P: name(k), N: Ground, C: caps[k]})
		c.Set(k, k, caps[k])
	}
	for k := range n {
		addR(k, (k+1)%n, 1e3*float64(k+1))
	}
	addR(0, 2, 4.7e3)
	addR(1, 3, 10e3)
	addR(0, -1, 2e3)
	addR(-1, 3, 5e3) // leak written ground-first
	// 1 mA into v1 (SPICE: flows from 0 through the source into v1), and
	// 0.3 mA drawn out of v3 into v5.
	ckt.Add(CurrentSource{Name: "I1", P: Ground, N: "v1", I: 1e-3})
	ckt.Add(CurrentSource{Name: "I2", P: "v3", N: "v5", I: 0.3e-3})
	i.SetVec(0, 1e-3)
	i.SetVec(2, -0.3e-3)
	i.SetVec(4, 0.3e-3)
	return ckt, c, g, i
}

func TestAssembleRCNetwork(t *testing.T) {
	ckt, c, g, i := rcNetwork()
	m, err := ckt.Assemble()
	require.NoError(t, err)
	require.Equal(t, []string{"v1", "v2", "v3", "v4", "v5"}, m.States())
	assert.True(t, m.NodalStates())
	assert.Equal(t, []string{"I1", "I2"}, m.Inputs())

	var cinv, wantA mat.Dense
	require.NoError(t, cinv.Inverse(c))
	wantA.Mul(&cinv, g)
	assert.Less(t, relDiff(m.Drift(), &wantA), 1e-14, "A = C⁻¹G")

	b := make([]float64, 5)
	m.OffsetTo(b, nil)
	var wantB mat.VecDense
	wantB.MulVec(&cinv, i)
	assert.Less(t, relDiff(mat.NewVecDense(5, b), &wantB), 1e-14, "b = C⁻¹i")

	// Johnson noise: D = C⁻¹ (2kT G) C⁻¹ for a passive RC network.
	var wantD mat.Dense
	wantD.Mul(&cinv, g)
	wantD.Mul(&wantD, &cinv)
	wantD.Scale(2*kT300, &wantD)
	assert.Less(t, relDiff(m.Diffusion(), &wantD), 1e-13, "D = 2kT C⁻¹GC⁻¹")

	// Stationary mean (DC operating point) = G⁻¹i.
	var want mat.VecDense
	require.NoError(t, want.SolveVec(g, i))
	assert.Less(t, relDiff(mat.NewVecDense(5, m.OperatingPoint()), &want), 1e-12)
}

func TestRCStepResponse(t *testing.T) {
	// v(t) = (I − e^{−C⁻¹Gt}) G⁻¹ i from v(0) = 0, against the exact stepper
	// on the deterministic model, at a few times and with several steps.
	ckt, c, g, i := rcNetwork()
	m, err := ckt.Assemble()
	require.NoError(t, err)
	var cinv, a mat.Dense
	require.NoError(t, cinv.Inverse(c))
	a.Mul(&cinv, g)
	var vinf mat.VecDense
	require.NoError(t, vinf.SolveVec(g, i))
	tau := 1e-6 // ≈ the network's RC scale
	for _, tc := range []struct {
		steps int
		end   float64
	}{{1, 0.1 * tau}, {7, tau}, {100, 3 * tau}, {1, 1e4 * tau}} {
		t.Run(fmt.Sprintf("%d steps to %g s", tc.steps, tc.end), func(t *testing.T) {
			s := NewExact(m.WithoutNoise(), nil)
			for k := 1; k <= tc.steps; k++ {
				s.AdvanceTo(tc.end * float64(k) / float64(tc.steps))
			}
			require.NoError(t, s.Err())
			var want mat.VecDense
			want.MulVec(expm(&a, -tc.end), &vinf)
			want.SubVec(&vinf, &want)
			assert.Less(t, relDiff(mat.NewVecDense(5, s.State()), &want), 1e-12)
			assert.Equal(t, tc.end, s.Time())
		})
	}
}

func TestEquipartitionExact(t *testing.T) {
	// A passive RC network with Johnson noise at temperature T is in
	// thermal equilibrium: Σ = kT·C⁻¹, whatever the conductances
	// (PHYSICS.md §4), with C the capacitance matrix of the state nodes.
	rng := rand.New(rand.NewPCG(13, 14))
	// 64 nodes also guards against determinant underflow (1e-9⁶⁴) in
	// the elimination.
	for _, n := range []int{6, 64} {
		t.Run(fmt.Sprintf("random all-to-all n=%d", n), func(t *testing.T) {
			ckt := allToAll(n, 1e3, 1e-9, rng)
			ckt.Temperature = 300
			m, err := ckt.Assemble()
			require.NoError(t, err)
			s, err := m.StationaryCovariance()
			require.NoError(t, err)
			for i := range n {
				for j := range n {
					want := 0.0
					if i == j {
						want = kT300 / 1e-9
					}
					assert.InDelta(t, want, s.At(i, j), 1e-12*kT300/1e-9)
				}
			}
		})
	}
	t.Run("floating capacitor, capacitor-free node, voltage source", func(t *testing.T) {
		// a, b: grounded capacitors Ca, Cb and a floating Cf between them;
		// m: no capacitance, joined to a, b and to a DC source node s;
		// c: capacitor to the source node s (fixed potential: acts as
		// ground for fluctuations) and a resistor to a.
		const ca, cb, cf, cc = 1e-9, 2e-9, 0.5e-9, 3e-9
		ckt := &Circuit{Temperature: 300}
		ckt.Add(
			Capacitor{Name: "Ca", P: "a", N: Ground, C: ca},
			Capacitor{Name: "Cb", P: "b", N: Ground, C: cb},
			Capacitor{Name: "Cf", P: "a", N: "b", C: cf},
			Resistor{Name: "Ram", P: "a", N: "m", R: 1e3},
			Resistor{Name: "Rbm", P: "m", N: "b", R: 3.3e3},
			Resistor{Name: "Rms", P: "m", N: "s", R: 2e3},
			VoltageSource{Name: "Vs", P: "s", N: Ground, V: 1.5},
			Capacitor{Name: "Cc", P: "c", N: "s", C: cc},
			Resistor{Name: "Rca", P: "c", N: "a", R: 4.7e3},
		)
		m, err := ckt.Assemble()
		require.NoError(t, err)
		require.Equal(t, []string{"a", "b", "c"}, m.States())
		require.True(t, m.NodalStates())
		// Cc ties c to the source: a step of Vs kicks v(c) by the same.
		assert.InDeltaSlice(t, []float64{0, 0, 1}, m.InputJump().RawMatrix().Data, 1e-15)
		cm := mat.NewDense(3, 3, []float64{
			ca + cf, -cf, 0,
			-cf, cb + cf, 0,
			0, 0, cc,
		})
		var want mat.Dense
		require.NoError(t, want.Inverse(cm))
		want.Scale(kT300, &want)
		s, err := m.StationaryCovariance()
		require.NoError(t, err)
		assert.Less(t, relDiff(s, &want), 1e-12)

		// The DC operating point: no DC current flows into capacitors, so
		// every node sits at the source voltage.
		v := make([]float64, len(m.Nodes()))
		m.NodeVoltagesTo(v, m.OperatingPoint(), nil)
		for k, name := range m.Nodes() {
			assert.InDelta(t, 1.5, v[k], 1e-12, name)
		}
	})
}

func TestCapacitorFreeNodeElimination(t *testing.T) {
	// Star: a and b have capacitors, m has none. The reduced conductance is
	// the Schur complement G_dd − G_dm G_mm⁻¹ G_md.
	const ga, gb, gm0, ca, cb = 1e-3, 2e-3, 0.5e-3, 1e-9, 4e-9
	ckt := &Circuit{NoThermalNoise: true}
	ckt.Add(
		Capacitor{Name: "Ca", P: "a", N: Ground, C: ca},
		Capacitor{Name: "Cb", P: "b", N: Ground, C: cb},
		Conductance("Ga", "a", "m", ga),
		Conductance("Gb", "b", "m", gb),
		Conductance("Gm", "m", Ground, gm0),
		CurrentSource{Name: "I", P: Ground, N: "m", I: 1e-3},
	)
	m, err := ckt.Assemble()
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, m.States())
	gmm := ga + gb + gm0
	geff := mat.NewDense(2, 2, []float64{
		ga - ga*ga/gmm, -ga * gb / gmm,
		-gb * ga / gmm, gb - gb*gb/gmm,
	})
	want := mat.NewDense(2, 2, []float64{
		geff.At(0, 0) / ca, geff.At(0, 1) / ca,
		geff.At(1, 0) / cb, geff.At(1, 1) / cb,
	})
	assert.Less(t, relDiff(m.Drift(), want), 1e-13)
	// Input: the injected current divides as ga/gmm, gb/gmm.
	b := make([]float64, 2)
	m.OffsetTo(b, nil)
	assert.InEpsilon(t, 1e-3*ga/gmm/ca, b[0], 1e-13)
	assert.InEpsilon(t, 1e-3*gb/gmm/cb, b[1], 1e-13)
	// Node voltage of m from the state: KCL at m.
	x := []float64{0.3, -0.2}
	v := make([]float64, 3)
	m.NodeVoltagesTo(v, x, nil)
	assert.Equal(t, []string{"a", "b", "m"}, m.Nodes())
	assert.InEpsilon(t, (ga*0.3+gb*-0.2+1e-3)/gmm, v[2], 1e-13)
	assert.Equal(t, x, v[:2])
	// At the operating point, no current flows in the capacitors: all
	// nodes at I/gm0.
	m.NodeVoltagesTo(v, m.OperatingPoint(), nil)
	for k := range v {
		assert.InEpsilon(t, 1e-3/gm0, v[k], 1e-12)
	}
}

func TestIntegratorCell(t *testing.T) {
	// Leaky inverting integrator: input resistor Rin from a source Vs to
	// the virtual ground In, feedback C and Rf from Out to In.
	// C dV/dt = −V/Rf − Vs/Rin, so A = 1/(Rf C), mean −Vs·Rf/Rin. Noise of
	// Rf and Rin both enter at In: D = 2kT(1/Rf + 1/Rin)/C², so
	// ⟨V²⟩ = kT(1 + Rf/Rin)/C (not kT/C: the op-amp is active).
	const rin, rf, c, vs = 2e3, 1e3, 1e-9, 0.4
	ckt := &Circuit{Temperature: 300}
	ckt.Add(
		VoltageSource{Name: "Vs", P: "src", N: Ground, V: vs},
		Resistor{Name: "Rin", P: "src", N: "in", R: rin},
		Integrator{Name: "X1", In: "in", Out: "out", C: c},
		Resistor{Name: "Rf", P: "out", N: "in", R: rf},
	)
	m, err := ckt.Assemble()
	require.NoError(t, err)
	require.Equal(t, []string{"out"}, m.States())
	assert.InEpsilon(t, 1/(rf*c), m.Drift().At(0, 0), 1e-13)
	assert.InEpsilon(t, -vs*rf/rin, m.OperatingPoint()[0], 1e-13)
	assert.InEpsilon(t, 2*kT300*(1/rf+1/rin)/(c*c), m.Diffusion().At(0, 0), 1e-13)
	s, err := m.StationaryCovariance()
	require.NoError(t, err)
	assert.InEpsilon(t, kT300*(1+rf/rin)/c, s.At(0, 0), 1e-13)
	// Node voltages: the virtual ground is 0, src is Vs.
	v := make([]float64, 3)
	m.NodeVoltagesTo(v, []float64{0.7}, nil)
	assert.Equal(t, []string{"src", "in", "out"}, m.Nodes())
	assert.InDelta(t, vs, v[0], 1e-15)
	assert.InDelta(t, 0, v[1], 1e-15)
	assert.InDelta(t, 0.7, v[2], 1e-15)
	// The input is the DAC voltage: piecewise-constant inputs change b.
	b := make([]float64, 1)
	m.OffsetTo(b, []float64{-1})
	assert.InEpsilon(t, 1/(rin*c), b[0], 1e-13)
}

func TestNullorTransimpedanceStage(t *testing.T) {
	// A memoryless inverting stage between two RC cells: u = −(Rf/Rin)·v(a),
	// fed back into b through Rb. No capacitor on the stage.
	const rin, rf, rb, ca, cb = 1e3, 3e3, 2e3, 1e-9, 2e-9
	ckt := &Circuit{NoThermalNoise: true}
	ckt.Add(
		Capacitor{Name: "Ca", P: "a", N: Ground, C: ca},
		Resistor{Name: "Ra", P: "a", N: Ground, R: 1e3},
		Resistor{Name: "Rin", P: "a", N: "sum", R: rin},
		Nullor{Name: "U1", InP: Ground, InN: "sum", Out: "u"},
		Resistor{Name: "Rf", P: "u", N: "sum", R: rf},
		Resistor{Name: "Rb", P: "u", N: "b", R: rb},
		Capacitor{Name: "Cb", P: "b", N: Ground, C: cb},
		Resistor{Name: "Rb0", P: "b", N: Ground, R: 1e3},
	)
	m, err := ckt.Assemble()
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, m.States())
	// KCL at a: Ca a' = −a/1k − (a − 0)/Rin; at b: Cb b' = (u − b)/Rb − b/1k
	// with u = −(Rf/Rin) a.
	want := mat.NewDense(2, 2, []float64{
		(1/1e3 + 1/rin) / ca, 0,
		(rf / rin / rb) / cb, (1/rb + 1/1e3) / cb,
	})
	assert.Less(t, relDiff(m.Drift(), want), 1e-13)
	v := make([]float64, 4)
	m.NodeVoltagesTo(v, []float64{0.5, 0}, nil)
	assert.Equal(t, []string{"a", "sum", "u", "b"}, m.Nodes())
	assert.InDelta(t, -0.5*rf/rin, v[2], 1e-14)
}

func TestVCVSAndVCCS(t *testing.T) {
	// a: RC cell driven by a current; E1 makes o = μ·v(a); o drives b
	// through R. G1 injects gm·v(b) back out of a (non-reciprocal).
	const mu, gm, r, c = 2.5, 0.2e-3, 1e3, 1e-9
	ckt := &Circuit{NoThermalNoise: true}
	ckt.Add(
		Capacitor{Name: "Ca", P: "a", N: Ground, C: c},
		Resistor{Name: "Ra", P: "a", N: Ground, R: r},
		VCVS{Name: "E1", P: "o", N: Ground, CP: "a", CN: Ground, Gain: mu},
		Resistor{Name: "Rob", P: "o", N: "b", R: r},
		Capacitor{Name: "Cb", P: "b", N: Ground, C: c},
		Resistor{Name: "Rb", P: "b", N: Ground, R: r},
		VCCS{Name: "G1", P: "a", N: Ground, CP: "b", CN: Ground, Gm: gm},
	)
	m, err := ckt.Assemble()
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, m.States())
	want := mat.NewDense(2, 2, []float64{
		1 / (r * c), gm / c,
		-mu / (r * c), 2 / (r * c),
	})
	assert.Less(t, relDiff(m.Drift(), want), 1e-13)
	v := make([]float64, 3)
	m.NodeVoltagesTo(v, []float64{0.2, 0.1}, nil)
	assert.InDelta(t, mu*0.2, v[m.NodeIndex("o")], 1e-14)
}

func TestVCCSNoiseFactor(t *testing.T) {
	const gm, c, gamma = 1e-3, 1e-9, 2.0 / 3
	ckt := &Circuit{Temperature: 300}
	ckt.Add(
		Capacitor{Name: "C", P: "a", N: Ground, C: c},
		VCCS{Name: "G", P: "a", N: Ground, CP: "a", CN: Ground, Gm: gm, NoiseFactor: gamma},
	)
	m, err := ckt.Assemble()
	require.NoError(t, err)
	assert.InEpsilon(t, gm/c, m.Drift().At(0, 0), 1e-14)
	assert.InEpsilon(t, gamma*2*kT300*gm/(c*c), m.Diffusion().At(0, 0), 1e-13)
}

func TestNoiseSwitchesAndInjection(t *testing.T) {
	build := func(ckt *Circuit) *Model {
		ckt.Add(
			Capacitor{Name: "C", P: "a", N: Ground, C: 1e-9},
			Resistor{Name: "R", P: "a", N: Ground, R: 1e3},
			Resistor{Name: "Rq", P: "a", N: Ground, R: 1e3, Noiseless: true},
			NoiseCurrent{Name: "N", P: "a", N: Ground, PSD: 1e-20},
		)
		m, err := ckt.Assemble()
		require.NoError(t, err)
		return m
	}
	johnson := 2 * Boltzmann * 400 * 1e-3 / 1e-18
	injected := 0.5e-20 / 1e-18
	tests := []struct {
		name string
		ckt  Circuit
		want float64
	}{
		{"both", Circuit{Temperature: 400}, johnson + injected},
		{"no thermal", Circuit{Temperature: 400, NoThermalNoise: true}, injected},
		{"no injected", Circuit{Temperature: 400, NoInjectedNoise: true}, johnson},
		{"none", Circuit{NoThermalNoise: true, NoInjectedNoise: true}, 0},
		{"default temperature", Circuit{NoInjectedNoise: true}, johnson * DefaultTemperature / 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := build(&tc.ckt)
			assert.InDelta(t, tc.want, m.Diffusion().At(0, 0), 1e-12*johnson)
		})
	}
}

func TestFloatingCapacitorState(t *testing.T) {
	// A capacitor between a and b only, each with a resistor to ground: the
	// state is the capacitor voltage w = v(a) − v(b), with rate
	// G1G2/((G1+G2)C) and ⟨w²⟩ = kT/C.
	const g1, g2, c = 1e-3, 3e-3, 1e-9
	ckt := &Circuit{Temperature: 300}
	ckt.Add(
		Capacitor{Name: "C", P: "a", N: "b", C: c},
		Conductance("G1", "a", Ground, g1),
		Conductance("G2", "b", Ground, g2),
	)
	m, err := ckt.Assemble()
	require.NoError(t, err)
	require.Equal(t, 1, m.Dim())
	assert.False(t, m.NodalStates())
	assert.InEpsilon(t, g1*g2/((g1+g2)*c), m.Drift().At(0, 0), 1e-13)
	s, err := m.StationaryCovariance()
	require.NoError(t, err)
	assert.InEpsilon(t, kT300/c, s.At(0, 0), 1e-13)
	// Node voltages divide the capacitor voltage: v(a) = g2 w/(g1+g2).
	v := make([]float64, 2)
	m.NodeVoltagesTo(v, []float64{1}, nil)
	assert.InEpsilon(t, 1.0, v[0]-v[1], 1e-13)
	assert.InEpsilon(t, g2/(g1+g2), v[0], 1e-13)
	// And back.
	x := make([]float64, 1)
	m.StateFromNodesTo(x, v)
	assert.InEpsilon(t, 1.0, x[0], 1e-13)
}

func TestInputJump(t *testing.T) {
	// High-pass RC: Cc from a source node s to c, R from c to ground. A
	// step ΔV of the source moves v(c) by ΔV at once (the charge on Cc is
	// conserved), then v(c) decays as e^{−t/RC}.
	const r, c = 1e3, 1e-9
	ckt := &Circuit{NoThermalNoise: true}
	ckt.Add(
		VoltageSource{Name: "Vs", P: "s", N: Ground, V: 0},
		Capacitor{Name: "Cc", P: "s", N: "c", C: c},
		Resistor{Name: "R", P: "c", N: Ground, R: r},
	)
	m, err := ckt.Assemble()
	require.NoError(t, err)
	require.Equal(t, []string{"c"}, m.States())
	assert.True(t, m.NodalStates())
	assert.InDelta(t, 1, m.InputJump().At(0, 0), 1e-15)
	assert.Equal(t, []float64{0}, m.OperatingPoint())
	s := NewExact(m, nil)
	s.SetInputs([]float64{2})
	assert.InDelta(t, 2, s.State()[0], 1e-15)
	s.AdvanceTo(r * c)
	assert.InEpsilon(t, 2*math.Exp(-1), s.State()[0], 1e-13)
	s.SetInput(0, 1)
	assert.InEpsilon(t, 2*math.Exp(-1)-1, s.State()[0], 1e-13)
	v := make([]float64, 2)
	s.NodeVoltagesTo(v)
	assert.Equal(t, []string{"s", "c"}, m.Nodes())
	assert.InDelta(t, 1.0, v[0], 1e-15)
}

func TestResistiveOnlyCircuit(t *testing.T) {
	// No capacitor: no state; node voltages come from the inputs alone.
	ckt := &Circuit{}
	ckt.Add(
		VoltageSource{Name: "V", P: "in", N: Ground, V: 3},
		Resistor{Name: "R1", P: "in", N: "mid", R: 2e3},
		Resistor{Name: "R2", P: "mid", N: Ground, R: 1e3},
	)
	m, err := ckt.Assemble()
	require.NoError(t, err)
	assert.Equal(t, 0, m.Dim())
	assert.Nil(t, m.Drift())
	v := make([]float64, 2)
	m.NodeVoltagesTo(v, nil, nil)
	assert.InDelta(t, 3, v[0], 1e-15)
	assert.InDelta(t, 1, v[1], 1e-15)
	s := NewExact(m, rand.NewPCG(1, 1))
	s.AdvanceTo(1)
	s.SetInput(0, 6)
	s.NodeVoltagesTo(v)
	assert.InDelta(t, 2, v[1], 1e-15)
}

func TestMNAStamps(t *testing.T) {
	ckt := &Circuit{Temperature: 300}
	ckt.Add(
		Resistor{Name: "R1", P: "a", N: "b", R: 1e3},
		Capacitor{Name: "C1", P: "b", N: Ground, C: 1e-9},
		VCCS{Name: "G1", P: "b", N: "gnd", CP: "a", CN: Ground, Gm: 2e-3},
		VoltageSource{Name: "V1", P: "a", N: Ground, V: 1},
		CurrentSource{Name: "I1", P: "b", N: Ground, I: 1e-3},
	)
	s, err := ckt.MNA()
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, s.Nodes)
	assert.Equal(t, []string{"V1", "I1"}, s.Inputs)
	assert.Equal(t, []string{"V1"}, s.Branches)
	assert.Equal(t, []float64{1, 1e-3}, s.InputValues)
	assert.Equal(t, []float64{1e-3, -1e-3, -1e-3 + 2e-3, 1e-3}, s.Conductance.RawMatrix().Data)
	assert.Equal(t, 1e-9, s.Capacitance.At(1, 1))
	assert.Equal(t, 0.0, s.Capacitance.At(0, 0))
	assert.InEpsilon(t, 2*kT300*1e-3, s.Noise.At(0, 0), 1e-14)
	assert.InEpsilon(t, -2*kT300*1e-3, s.Noise.At(0, 1), 1e-14)
	assert.Equal(t, []float64{0, 0, 0, -1}, s.Injection.RawMatrix().Data)
	assert.Equal(t, []float64{1, 0}, s.Incidence.RawMatrix().Data)
	assert.Equal(t, []float64{1, 0}, s.Constraint.RawMatrix().Data)
	assert.Equal(t, []float64{1, 0}, s.ConstraintInput.RawMatrix().Data)
}

func TestAssembleErrors(t *testing.T) {
	rc := func(node string) []Element {
		return []Element{
			Capacitor{Name: "C" + node, P: node, N: Ground, C: 1e-9},
			Resistor{Name: "R" + node, P: node, N: Ground, R: 1e3},
		}
	}
	tests := []struct {
		name     string
		elements []Element
		temp     float64
		sentinel error
		element  string // for *ElementError
		node     string // for *NodeError and *UnstableError
	}{
		{"negative resistance", []Element{Resistor{Name: "R9", P: "a", N: Ground, R: -1}}, 0, ErrInvalid, "R9", ""},
		{"zero resistance", []Element{Resistor{Name: "R9", P: "a", N: Ground, R: 0}}, 0, ErrInvalid, "R9", ""},
		{"NaN capacitance", []Element{Capacitor{Name: "C9", P: "a", N: Ground, C: math.NaN()}}, 0, ErrInvalid, "C9", ""},
		{"infinite source", []Element{VoltageSource{Name: "V9", P: "a", N: Ground, V: math.Inf(1)}}, 0, ErrInvalid, "V9", ""},
		{"negative PSD", []Element{NoiseCurrent{Name: "N9", P: "a", N: Ground, PSD: -1}}, 0, ErrInvalid, "N9", ""},
		{"negative noise factor", []Element{VCCS{Name: "G9", P: "a", N: Ground, CP: "a", CN: Ground, Gm: 1, NoiseFactor: -1}}, 0, ErrInvalid, "G9", ""},
		{"integrator to ground", []Element{Integrator{Name: "X9", In: "a", Out: Ground, C: 1e-9}}, 0, ErrInvalid, "X9", ""},
		{"integrator without C", []Element{Integrator{Name: "X9", In: "a", Out: "b", C: 0}}, 0, ErrInvalid, "X9", ""},
		{"nullor output at ground", []Element{Nullor{Name: "U9", InP: Ground, InN: "a", Out: "0"}}, 0, ErrInvalid, "U9", ""},
		{"duplicate name", append(rc("a"), Resistor{Name: "Ra", P: "a", N: Ground, R: 1}), 0, ErrInvalid, "Ra", ""},
		{"empty name", []Element{Resistor{P: "a", N: Ground, R: 1}}, 0, ErrInvalid, "#0", ""},
		{"empty node", []Element{Resistor{Name: "R1", P: "", N: Ground, R: 1}}, 0, ErrInvalid, "R1", ""},
		{"negative temperature", rc("a"), -1, ErrInvalid, "", ""},

		{"voltage loop", append(rc("a"),
			VoltageSource{Name: "V1", P: "a", N: Ground, V: 1},
			VoltageSource{Name: "V2", P: "a", N: Ground, V: 2}), 0, ErrSingular, "V2", ""},
		{"source shorted", append(rc("a"), VoltageSource{Name: "V1", P: "a", N: "a", V: 1}), 0, ErrSingular, "V1", ""},
		{"two outputs on one node", append(rc("a"),
			Resistor{Name: "Rx", P: "x", N: "y", R: 1e3},
			Resistor{Name: "Ry", P: "y", N: Ground, R: 1e3},
			Nullor{Name: "U1", InP: Ground, InN: "x", Out: "o"},
			Nullor{Name: "U2", InP: Ground, InN: "y", Out: "o"}), 0, ErrSingular, "U2", ""},
		{"capacitor-free node with a current source only", append(rc("a"),
			CurrentSource{Name: "I1", P: Ground, N: "f", I: 1e-3}), 0, ErrSingular, "", "f"},
		{"capacitor-free node seen only by a controlled source", append(rc("a"),
			VCCS{Name: "G1", P: "a", N: Ground, CP: "f", CN: Ground, Gm: 1e-3}), 0, ErrSingular, "", "f"},

		{"floating capacitor node", append(rc("a"),
			Capacitor{Name: "Cf", P: "f", N: Ground, C: 1e-9},
			CurrentSource{Name: "I1", P: Ground, N: "f", I: 1e-3}), 0, ErrUnstable, "", "f"},
		{"capacitors in series, middle floating", append(rc("a"),
			Capacitor{Name: "C1", P: "a", N: "mid", C: 1e-9},
			Capacitor{Name: "C2", P: "mid", N: Ground, C: 1e-9}), 0, ErrUnstable, "", "mid"},
		{"undamped integrator", []Element{
			Resistor{Name: "Rin", P: "s", N: "in", R: 1e3},
			VoltageSource{Name: "Vs", P: "s", N: Ground, V: 1},
			Integrator{Name: "X1", In: "in", Out: "out", C: 1e-9}}, 0, ErrUnstable, "", "out"},
		{"positive feedback", append(append(rc("a"), rc("b")...),
			VCCS{Name: "G1", P: Ground, N: "b", CP: "a", CN: Ground, Gm: 5e-3},
			VCCS{Name: "G2", P: Ground, N: "a", CP: "b", CN: Ground, Gm: 5e-3}), 0, ErrUnstable, "", "a"},

		{"differentiator", []Element{
			VoltageSource{Name: "Vs", P: "s", N: Ground, V: 1},
			Capacitor{Name: "C1", P: "s", N: "in", C: 1e-9},
			Nullor{Name: "U1", InP: Ground, InN: "in", Out: "out"},
			Resistor{Name: "Rf", P: "out", N: "in", R: 1e3}}, 0, ErrImpulsive, "Vs", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ckt := &Circuit{Temperature: tc.temp}
			ckt.Add(tc.elements...)
			_, err := ckt.Assemble()
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.sentinel)
			t.Log(err)
			if tc.element != "" {
				var ee *ElementError
				require.True(t, errors.As(err, &ee), "want *ElementError, got %T", err)
				assert.Equal(t, tc.element, ee.Element)
			}
			if tc.node != "" {
				var ne *NodeError
				var ue *UnstableError
				switch {
				case errors.As(err, &ne):
					assert.Equal(t, tc.node, ne.Node)
				case errors.As(err, &ue):
					assert.Equal(t, tc.node, ue.Node)
					assert.LessOrEqual(t, real(ue.Rate), 0.0)
				default:
					t.Errorf("want *NodeError or *UnstableError, got %T", err)
				}
			}
		})
	}
}

func TestCircuitNodesAndGround(t *testing.T) {
	ckt := &Circuit{}
	ckt.Add(
		Resistor{Name: "R1", P: "x", N: "GND", R: 1},
		VCCS{Name: "G1", P: "0", N: "y", CP: "z", CN: "x", Gm: 1},
	)
	assert.Equal(t, []string{"x", "y", "z"}, ckt.Nodes())
	assert.True(t, IsGround("gnd"))
	assert.True(t, IsGround("0"))
	assert.False(t, IsGround("00"))
	assert.Equal(t, 2, ckt.Len())
	els := ckt.Elements()
	els[0] = nil
	assert.NotNil(t, ckt.Elements()[0], "Elements returns a copy")
	assert.Panics(t, func() { ckt.Add(nil) })
}

func TestNewModel(t *testing.T) {
	a := mat.NewDense(2, 2, []float64{2, 1, -1, 3})
	b := mat.NewDense(2, 1, []float64{1, 0})
	d := mat.NewSymDense(2, []float64{1, 0, 0, 0})
	m, err := NewModel(a, b, d)
	require.NoError(t, err)
	assert.Equal(t, []string{"x0", "x1"}, m.States())
	assert.Equal(t, []string{"u0"}, m.Inputs())
	assert.Equal(t, 0.0, m.Temperature())
	x := make([]float64, 2)
	m.StationaryMeanTo(x, []float64{7})
	var want mat.VecDense
	require.NoError(t, want.SolveVec(a, mat.NewVecDense(2, []float64{7, 0})))
	assert.Less(t, relDiff(mat.NewVecDense(2, x), &want), 1e-15)

	_, err = NewModel(mat.NewDense(2, 2, []float64{1, 0, 0, -1}), nil, nil)
	var ue *UnstableError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "x1", ue.Node)

	_, err = NewModel(a, nil, mat.NewSymDense(2, []float64{1, 0, 0, -1}))
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = NewModel(mat.NewDense(1, 1, []float64{math.NaN()}), nil, nil)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.Panics(t, func() { _, _ = NewModel(a, mat.NewDense(3, 1, nil), nil) })
}

// TestStableSymmetrizable checks the Cholesky stability test against the
// eigenvalues of A = W^{−1/2} S W^{1/2} (diagonally symmetrizable by
// construction) for S symmetric with eigenvalues spread around the
// threshold, keeping away from it by 1e-6 relative (far above the 1e-12
// rounding of either method), and that a drift that is not symmetrizable
// is never declared stable by it. 500 random 8×8 cases.
func TestStableSymmetrizable(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	const r = 8
	for trial := range 500 {
		// S = Q diag(λ) Qᵀ with a random orthogonal Q.
		g := mat.NewDense(r, r, nil)
		for i := range r {
			for j := range r {
				g.Set(i, j, rng.NormFloat64())
			}
		}
		var qr mat.QR
		qr.Factorize(g)
		var q mat.Dense
		qr.QTo(&q)
		lambda := make([]float64, r)
		for i := range lambda {
			lambda[i] = 1 + 9*rng.Float64()
		}
		tol := 0.5
		if trial%2 == 0 { // push the smallest eigenvalue to one side of tol
			lambda[rng.IntN(r)] = tol + []float64{-1e-3, 1e-3, -0.4, 0.4, -3}[rng.IntN(5)]
		}
		var s mat.Dense
		s.Mul(&q, mat.NewDiagDense(r, lambda))
		s.Mul(&s, q.T())
		w := make([]float64, r)
		for i := range w {
			w[i] = math.Exp(4 * rng.NormFloat64())
		}
		a := newDense(r, r)
		for i := range r {
			for j := range r {
				a.set(i, j, math.Sqrt(w[j]/w[i])*s.At(i, j))
			}
		}
		stable := true
		for _, l := range lambda {
			stable = stable && l > tol
		}
		require.Equal(t, stable, stableSymmetrizable(a, tol), "trial %d, λ = %v", trial, lambda)
		// Break the symmetry of one pair: never "stable" by this test.
		a.set(0, 1, a.at(0, 1)*(1+1e-6)+1e-3)
		assert.False(t, stableSymmetrizable(a, tol), "trial %d: not symmetrizable", trial)
	}
}

// TestReduceGrounded: for networks without branches whose capacitors all
// go to ground, reduce's shortcut (reduceGrounded) gives the model of the
// general elimination (reduceGeneral) to rounding: the drift, input and
// diffusion matrices to 1e-12 relative to their largest entry (a few
// ulps of the QR-based left inverse per entry), the output maps, labels
// and stationary mean. The networks have unequal capacitors, DC current
// inputs, thermal and injected noise; in the chain, node a reaches ground
// only through b.
func TestReduceGrounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	type net struct {
		name string
		ckt  *Circuit
	}
	var nets []net
	for _, n := range []int{1, 5, 12} {
		ckt := allToAll(n, 2e3, 1e-9, rng)
		for i := range n {
			ckt.Add(Capacitor{Name: fmt.Sprintf("Cx%d", i), P: fmt.Sprintf("n%d", i), N: Ground, C: 1e-9 * rng.Float64()})
		}
		ckt.Add(CurrentSource{Name: "I0", P: Ground, N: "n0", I: 1e-4},
			NoiseCurrent{Name: "N0", P: "n0", N: Ground, PSD: 1e-20})
		nets = append(nets, net{fmt.Sprintf("all-to-all %d", n), ckt})
	}
	chain := &Circuit{}
	chain.Add(Capacitor{Name: "Ca", P: "a", N: Ground, C: 1e-9},
		Capacitor{Name: "Cb", P: "b", N: Ground, C: 3e-9},
		Resistor{Name: "Rab", P: "a", N: "b", R: 1e3},
		Resistor{Name: "Rb", P: "b", N: Ground, R: 2e3},
		CurrentSource{Name: "Ia", P: "a", N: Ground, I: 2e-3})
	nets = append(nets, net{"chain", chain})
	for _, nt := range nets {
		t.Run(nt.name, func(t *testing.T) {
			m, err := nt.ckt.stamps()
			require.NoError(t, err)
			require.True(t, groundedCapacitors(m.c))
			fast, err := reduceGrounded(m)
			require.NoError(t, err)
			ref, err := reduceGeneral(m)
			require.NoError(t, err)
			for _, p := range []struct {
				what      string
				got, want *dense
			}{
				{"A", fast.a, ref.a}, {"B", fast.b, ref.b}, {"D", fast.d, ref.d},
				{"Vx", fast.vx, ref.vx}, {"Vu", fast.vu, ref.vu}, {"Wv", fast.wv, ref.wv},
				{"jump", fast.jump, ref.jump}, {"A⁻¹B", fast.ainvB, ref.ainvB},
			} {
				require.Equal(t, p.want.r, p.got.r, p.what)
				require.Equal(t, p.want.c, p.got.c, p.what)
				tol := 1e-12 * p.want.maxAbs()
				for i, v := range p.want.d {
					require.InDelta(t, v, p.got.d[i], tol, "%s[%d]", p.what, i)
				}
			}
			assert.Equal(t, ref.states, fast.states)
			assert.Equal(t, ref.nodes, fast.nodes)
			assert.Equal(t, ref.inputs, fast.inputs)
			assert.Equal(t, ref.values, fast.values)
			assert.Equal(t, ref.nodal, fast.nodal)
			assert.Equal(t, ref.jumps, fast.jumps)
			assert.Equal(t, ref.temperature, fast.temperature)
		})
	}
	// Not grounded: a capacitor between two nodes, a capacitor-free node.
	floating := &Circuit{}
	floating.Add(Capacitor{Name: "C", P: "a", N: "b", C: 1e-9}, Resistor{Name: "R", P: "a", N: Ground, R: 1})
	m, err := floating.stamps()
	require.NoError(t, err)
	assert.False(t, groundedCapacitors(m.c))
	free := &Circuit{}
	free.Add(Capacitor{Name: "C", P: "a", N: Ground, C: 1e-9}, Resistor{Name: "R", P: "a", N: "b", R: 1}, Resistor{Name: "R2", P: "b", N: Ground, R: 1})
	m, err = free.stamps()
	require.NoError(t, err)
	assert.False(t, groundedCapacitors(m.c))
}

// TestMNAAssemble: reducing a branch-free circuit's stamps (MNA.Assemble)
// gives the model of Circuit.Assemble exactly (the same reduction of the
// same numbers), with grounded capacitors, a floating capacitor and a
// capacitor-free node, inputs and noise; errors that depend on the stamps
// alone come back; stamps with branches are a misuse.
func TestMNAAssemble(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	grounded := allToAll(6, 1e3, 1e-9, rng)
	grounded.Add(CurrentSource{Name: "I0", P: Ground, N: "n0", I: 1e-4})
	mixed := &Circuit{}
	mixed.Add(Capacitor{Name: "Ca", P: "a", N: Ground, C: 1e-9},
		Capacitor{Name: "Cab", P: "a", N: "b", C: 2e-9},
		Resistor{Name: "Ra", P: "a", N: Ground, R: 1e3},
		Resistor{Name: "Rb", P: "b", N: "mid", R: 1e3},
		Resistor{Name: "Rm", P: "mid", N: Ground, R: 5e2},
		CurrentSource{Name: "Ib", P: Ground, N: "b", I: 1e-3},
		NoiseCurrent{Name: "Nm", P: "mid", N: Ground, PSD: 1e-20})
	for _, tc := range []struct {
		name string
		ckt  *Circuit
	}{{"grounded", grounded}, {"mixed", mixed}} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := tc.ckt.Assemble()
			require.NoError(t, err)
			st, err := tc.ckt.MNA()
			require.NoError(t, err)
			got, err := st.Assemble()
			require.NoError(t, err)
			assert.Equal(t, want.Drift(), got.Drift())
			assert.Equal(t, want.InputMatrix(), got.InputMatrix())
			assert.Equal(t, want.Diffusion(), got.Diffusion())
			wx, wu := want.OutputMatrices()
			gx, gu := got.OutputMatrices()
			assert.Equal(t, wx, gx)
			assert.Equal(t, wu, gu)
			assert.Equal(t, want.States(), got.States())
			assert.Equal(t, want.Nodes(), got.Nodes())
			assert.Equal(t, want.Inputs(), got.Inputs())
			assert.Equal(t, want.InputValues(), got.InputValues())
			assert.Equal(t, want.Temperature(), got.Temperature())
		})
	}
	// A capacitor with no DC path to ground: unstable, naming the node.
	open := &Circuit{}
	open.Add(Capacitor{Name: "C", P: "a", N: Ground, C: 1e-9}, Resistor{Name: "R", P: "a", N: "b", R: 1e3},
		Capacitor{Name: "Cb", P: "b", N: Ground, C: 1e-9})
	st, err := open.MNA()
	require.NoError(t, err)
	_, err = st.Assemble()
	var ue *UnstableError
	require.ErrorAs(t, err, &ue)

	withV := &Circuit{}
	withV.Add(VoltageSource{Name: "V", P: "a", N: Ground, V: 1}, Resistor{Name: "R", P: "a", N: Ground, R: 1})
	st, err = withV.MNA()
	require.NoError(t, err)
	assert.Panics(t, func() { st.Assemble() })
	bad := &MNA{Nodes: []string{"a"}, Capacitance: mat.NewSymDense(2, nil)}
	assert.Panics(t, func() { bad.Assemble() })
}
