package circuit

import (
	"errors"
	"fmt"
)

// ErrNotRepresentable reports an SPU feature that [SPU.Circuit] cannot
// express with the linear elements of this package.
var ErrNotRepresentable = errors.New("circuit: SPU feature has no linear-element form")

// Circuit returns the programmed SPU as a component-level circuit of this
// package's elements, for export (SPICE netlists) and cross-checks: its
// assembled [Model] has the same drift, inputs and noise as the SPU's own
// structured model (up to the choice of state coordinates). Nodes, for cell
// i and stage row k (numbered from 0):
//
//	x{i}   cell output (the state V_i)     x{i}s  summing node (virtual ground)
//	x{i}n  inverted copy of x{i}           x{i}d  DAC node (at −V_dac)
//	x{i}o  offset node (op-amp + input)    u{k}…, w{k}…  the J and H stages, alike
//
// Elements: each cell is an [Integrator] (ideal op-amp, no offset) or a
// feedback [Capacitor] with a [Nullor] (ideal gain) or a [VCVS] of gain A₀
// (finite gain) whose + input sits at a [VoltageSource] of the offset;
// inverted copies are VCVS of gain −1; every programmed conductance is a
// [Resistor] (pairs: G⁺ from the copy of the sign that makes the drift
// positive, G⁻ from the other; zero conductances are left out); the stages
// are transimpedance amplifiers with feedback R (and R·C_f = StageTau·τ);
// the DAC is a VoltageSource of −V_dac behind G_in; the injected noise and
// the op-amps' input noise are a [NoiseCurrent] at each summing node (PSD
// S_inj + (G_tot·e_n)², and ((G_tot + 1/R)·e_n)² at a stage). Resistors
// carry Johnson noise at [NoiseSpec.Temperature] (none at 0 K).
//
// The element count grows as r(r+2N) (factored) or N² (direct): meant for
// small devices. Rails (a nonlinearity) and the converters are not part of
// the circuit. It returns [ErrNotRepresentable] when an op-amp has a finite
// GBW, and panics before programming and input.
func (s *SPU) Circuit() (*Circuit, error) {
	s.mustBeReady()
	s.ensurePlanned()
	s.rebuild()
	if s.hw.CellOpAmp.GBW > 0 || (s.arch == Factored && s.hw.StageOpAmp.GBW > 0) {
		return nil, fmt.Errorf("%w: op-amp gain–bandwidth product", ErrNotRepresentable)
	}
	c := &Circuit{Temperature: s.hw.Noise.Temperature}
	if s.hw.Noise.Temperature == 0 {
		c.NoThermalNoise = true
	}
	R := s.hw.R
	m := &s.model
	sc := s.scale

	// opAmp adds the amplifier of a stage or cell whose summing node is sum
	// and output out, with an offset voltage.
	opAmp := func(name, sum, out, offNode string, amp OpAmp, offset float64) {
		plus := Ground
		if offset != 0 {
			plus = offNode
			c.Add(VoltageSource{Name: "VOS" + name, P: offNode, N: Ground, V: offset})
		}
		if amp.Gain > 0 {
			c.Add(VCVS{Name: "E" + name, P: out, N: Ground, CP: plus, CN: sum, Gain: amp.Gain})
		} else {
			c.Add(Nullor{Name: "X" + name, InP: plus, InN: sum, Out: out})
		}
	}
	inverter := func(name, src, dst string) {
		c.Add(VCVS{Name: "EINV" + name, P: dst, N: Ground, CP: Ground, CN: src, Gain: 1})
	}
	// pairs adds the rows of array a: row i's summing node is rowSum(i);
	// column j's positive and inverted signals are pos(j) and neg(j); G⁺
	// is fed by plusFrom(j) and G⁻ by the other.
	pairs := func(prefix string, a *ResistorArray, rowSum func(int) string, plusFrom, minusFrom func(int) string) {
		plus, minus := a.Conductances()
		rows, cols := a.Dims()
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				if g := plus.At(i, j); g > 0 {
					c.Add(Conductance(fmt.Sprintf("R%sP%d_%d", prefix, i, j), plusFrom(j), rowSum(i), g))
				}
				if g := minus.At(i, j); g > 0 {
					c.Add(Conductance(fmt.Sprintf("R%sM%d_%d", prefix, i, j), minusFrom(j), rowSum(i), g))
				}
			}
		}
	}
	node := func(base string, i int, suffix string) string { return fmt.Sprintf("%s%d%s", base, i, suffix) }
	x := func(j int) string { return node("x", j, "") }
	xn := func(j int) string { return node("x", j, "n") }
	xs := func(i int) string { return node("x", i, "s") }

	// Cells.
	en := s.hw.CellOpAmp.NoiseDensity
	for i := 0; i < s.n; i++ {
		amp := s.hw.CellOpAmp
		if amp.Gain == 0 && s.cellOffset[i] == 0 {
			c.Add(Integrator{Name: node("XC", i, ""), In: xs(i), Out: x(i), C: s.capC[i]})
		} else {
			c.Add(Capacitor{Name: node("C", i, ""), P: xs(i), N: x(i), C: s.capC[i]})
			opAmp(node("C", i, ""), xs(i), x(i), node("x", i, "o"), amp, s.cellOffset[i])
		}
		inverter(node("X", i, ""), x(i), xn(i))
		if sc.Damping > 0 {
			c.Add(Conductance(node("RL", i, ""), x(i), xs(i), sc.Damping))
		}
		if sc.Input > 0 {
			c.Add(VoltageSource{Name: node("VDAC", i, ""), P: node("x", i, "d"), N: Ground, V: -s.vdac[i]})
			c.Add(Conductance(node("RIN", i, ""), node("x", i, "d"), xs(i), sc.Input))
		}
		if psd := sc.InjectedPSD + m.gtot[i]*m.gtot[i]*en*en; psd > 0 {
			c.Add(NoiseCurrent{Name: node("INOISE", i, ""), P: Ground, N: xs(i), PSD: psd})
		}
	}
	if s.arch == Direct {
		// C dV_i/dt = −Σ_j (G⁺ − G⁻)_ij V_j: G⁺ from x_j, G⁻ from −x_j.
		pairs("A", s.arrA, xs, x, xn)
		return c, nil
	}

	// Stages: u = R·(G⁺ − G⁻)_J x needs G⁺ from −x (the TIA inverts).
	stageRows := func(base string, a *ResistorArray, offsets []float64, plusFrom, minusFrom func(int) string) {
		sums := make([]float64, s.r)
		a.RowSumsTo(sums)
		sn := func(k int) string { return node(base, k, "s") }
		for k := 0; k < s.r; k++ {
			out := node(base, k, "")
			c.Add(Resistor{Name: node("RF"+base, k, ""), P: out, N: sn(k), R: R})
			if s.hw.StageTau > 0 {
				c.Add(Capacitor{Name: node("CF"+base, k, ""), P: out, N: sn(k), C: s.hw.StageTau * s.tau / R})
			}
			opAmp(node(base, k, ""), sn(k), out, node(base, k, "o"), s.hw.StageOpAmp, offsets[k])
			inverter(node(base, k, ""), out, node(base, k, "n"))
			if e := s.hw.StageOpAmp.NoiseDensity; e > 0 {
				g := (sums[k] + 1/R) * e
				c.Add(NoiseCurrent{Name: node("INOISE"+base, k, ""), P: Ground, N: sn(k), PSD: g * g})
			}
		}
		pairs(base, a, sn, plusFrom, minusFrom)
	}
	stageRows("u", s.arrJ, s.offU, xn, x)
	u := func(l int) string { return node("u", l, "") }
	un := func(l int) string { return node("u", l, "n") }
	stageRows("w", s.arrH, s.offW, un, u)
	w := func(k int) string { return node("w", k, "") }
	wn := func(k int) string { return node("w", k, "n") }
	// Cells: C dV_i/dt = −Σ_k (G⁺ − G⁻)_ik w_k.
	pairs("T", s.arrJT, xs, w, wn)
	return c, nil
}
