package circuit

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The benchmark circuit of issue 2: an n-node all-to-all RC network with
// Johnson noise on every resistor (R = 1 kΩ, C = 1 nF, τ = RC = 1 µs its
// slowest time constant), run for 100τ at steps of τ/100 = 10,000 steps
// per benchmark op. ns/step is the time of one step.
const (
	benchTau   = 1e-6
	benchSteps = 10000
)

func benchModel(b *testing.B, n int) *Model {
	ckt := allToAll(n, 1e3, 1e-9, rand.New(rand.NewPCG(1, 2)))
	m, err := ckt.Assemble()
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func benchmarkRun(b *testing.B, s Stepper) {
	h := benchTau / 100
	s.Step(h) // set-up (the exact propagator) outside the timed loop
	b.ReportAllocs()
	for b.Loop() {
		for range benchSteps {
			s.Step(h)
		}
	}
	if err := s.Err(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchSteps), "ns/step")
}

func benchmarkExact(b *testing.B, n int) {
	benchmarkRun(b, NewExact(benchModel(b, n), rand.NewPCG(3, 4)))
}

func benchmarkEuler(b *testing.B, n int) {
	benchmarkRun(b, NewEulerMaruyama(benchModel(b, n), benchTau/100, rand.NewPCG(3, 4)))
}

func BenchmarkExact100Tau16(b *testing.B)  { benchmarkExact(b, 16) }
func BenchmarkExact100Tau64(b *testing.B)  { benchmarkExact(b, 64) }
func BenchmarkExact100Tau256(b *testing.B) { benchmarkExact(b, 256) }

// benchmarkNodeSteps times NodeStepsTo over the same 10,000 steps, node
// voltages included (the modal path: the drift of allToAll is C⁻¹G).
func benchmarkNodeSteps(b *testing.B, n int) {
	m := benchModel(b, n)
	s := NewExact(m, rand.NewPCG(3, 4))
	h := benchTau / 100
	dst := make([]float64, benchSteps*len(m.Nodes()))
	s.NodeStepsTo(dst[:len(m.Nodes())], h) // set-up outside the timed loop
	b.ReportAllocs()
	for b.Loop() {
		s.NodeStepsTo(dst, h)
	}
	if err := s.Err(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchSteps), "ns/step")
}

func BenchmarkNodeSteps100Tau16(b *testing.B)  { benchmarkNodeSteps(b, 16) }
func BenchmarkNodeSteps100Tau64(b *testing.B)  { benchmarkNodeSteps(b, 64) }
func BenchmarkNodeSteps100Tau256(b *testing.B) { benchmarkNodeSteps(b, 256) }

func BenchmarkEuler100Tau16(b *testing.B)  { benchmarkEuler(b, 16) }
func BenchmarkEuler100Tau64(b *testing.B)  { benchmarkEuler(b, 64) }
func BenchmarkEuler100Tau256(b *testing.B) { benchmarkEuler(b, 256) }

// The one-off cost before stepping: assembly (elimination, stability
// check) and the exact propagator for one step length.
func benchmarkSetup(b *testing.B, n int) {
	ckt := allToAll(n, 1e3, 1e-9, rand.New(rand.NewPCG(1, 2)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := ckt.Assemble()
		if err != nil {
			b.Fatal(err)
		}
		NewExact(m, rand.NewPCG(3, 4)).Step(benchTau / 100)
	}
}

// benchmarkModalSetup times the modal propagator of NodeStepsTo for one
// step length (symmetrization, eigendecomposition and its check, the
// noise factor and the packed panels), after assembly.
func benchmarkModalSetup(b *testing.B, n int) {
	m := benchModel(b, n)
	b.ReportAllocs()
	for b.Loop() {
		if !newModal(m, benchTau/100).ok {
			b.Fatal("not modal")
		}
	}
}

func BenchmarkModalSetup16(b *testing.B)  { benchmarkModalSetup(b, 16) }
func BenchmarkModalSetup64(b *testing.B)  { benchmarkModalSetup(b, 64) }
func BenchmarkModalSetup256(b *testing.B) { benchmarkModalSetup(b, 256) }

func BenchmarkSetup16(b *testing.B)  { benchmarkSetup(b, 16) }
func BenchmarkSetup64(b *testing.B)  { benchmarkSetup(b, 64) }
func BenchmarkSetup256(b *testing.B) { benchmarkSetup(b, 256) }

// Tests of Exact.NodeStepsTo sit beside its benchmarks.

// modalCircuit is an all-to-all RC network of n nodes (grounded
// capacitors: diagonally symmetrizable drift) with a capacitor-free node
// "mid" between n0 and n1 (so node voltages are not just the states), a DC
// current into n1 (non-zero stationary mean), and either thermal noise on
// every resistor (full-rank Q) or one noise current on n0 only (rank 1).
func modalCircuit(n int, thermal bool) *Circuit {
	ckt := allToAll(n, 1e3, 1e-9, rand.New(rand.NewPCG(7, 8)))
	ckt.NoThermalNoise = !thermal
	ckt.Add(
		Resistor{Name: "Rm0", P: "n0", N: "mid", R: 2e3},
		Resistor{Name: "Rm1", P: "mid", N: "n1", R: 3e3},
		CurrentSource{Name: "I1", P: Ground, N: "n1", I: 1e-4},
	)
	if !thermal {
		ckt.Add(NoiseCurrent{Name: "N0", P: "n0", N: Ground, PSD: 1e-20})
	}
	return ckt
}

// gDense unpacks the noise factor G (r × rank) of a modal propagator.
func gDense(p *modal, r int) []float64 {
	g := make([]float64, r*max(p.rank, 1))
	for pi := 0; pi*lrMR < r; pi++ {
		kc := min(p.rank, lrMR*(pi+1))
		panel := p.gpack[p.goff[pi]:p.goff[pi+1]]
		for rr := range lrMR {
			k := pi*lrMR + rr
			if k >= r {
				break
			}
			for t := range kc {
				g[k*p.rank+t] = panel[t*lrMR+rr]
			}
		}
	}
	return g
}

// TestModalTransition: the modal propagator has the exact transition law
// of transition (scaling and squaring, Van Loan): V e^{−Λh} V⁻¹ = e^{−Ah}
// and V G Gᵀ Vᵀ = Q(h), to rounding (1e-10 of the largest entry: the two
// computations differ by a few hundred roundings of O(r) sums).
func TestModalTransition(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n       int
		thermal bool
		rank    int
		h       float64
	}{
		{"thermal", 12, true, 12, 1e-8},
		// Q(h) of one white source has numerical rank > 1 (the source
		// spreads during h) but < r.
		{"one source", 12, false, -1, 1e-8},
		{"long step", 7, true, 7, 3e-6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := modalCircuit(tc.n, tc.thermal).Assemble()
			require.NoError(t, err)
			r := m.Dim()
			p := newModal(m, tc.h)
			require.True(t, p.ok)
			if tc.rank > 0 {
				require.Equal(t, tc.rank, p.rank)
			} else {
				require.Less(t, p.rank, r)
				require.Positive(t, p.rank)
			}
			e, q := transition(m.a.d, m.d.d, r, tc.h)
			g := gDense(p, r)
			emax, qmax := sliceMaxAbs(e), sliceMaxAbs(q)
			for i := range r {
				for j := range r {
					var ev, qv float64
					for k := range r {
						ev += p.v[i*r+k] * p.decay[k] * p.vinv[k*r+j]
					}
					for k := range r {
						for l := range r {
							var ggt float64
							for c := range p.rank {
								ggt += g[k*p.rank+c] * g[l*p.rank+c]
							}
							qv += p.v[i*r+k] * ggt * p.v[j*r+l]
						}
					}
					require.InDelta(t, e[i*r+j], ev, 1e-10*emax, "E[%d,%d]", i, j)
					require.InDelta(t, q[i*r+j], qv, 1e-10*qmax, "Q[%d,%d]", i, j)
				}
			}
		})
	}
	t.Run("not symmetrizable", func(t *testing.T) {
		m, err := nonSymmetricCircuit().Assemble()
		require.NoError(t, err)
		assert.False(t, newModal(m, 1e-7).ok)
	})
}

func sliceMaxAbs(s []float64) float64 {
	m := 0.0
	for _, v := range s {
		m = max(m, math.Abs(v))
	}
	return m
}

// TestNodeStepsToReference replays the random draws of NodeStepsTo (one
// step's rank normals after another) through plain loops over the modal
// propagator's V, V⁻¹, decays and unpacked G: the packed kernels, the block
// and panel edges (1003 steps: 3 blocks and a partial panel) and the
// output map agree to rounding, with a PCG source (register-held normals)
// and another one (rand.Rand's).
func TestNodeStepsToReference(t *testing.T) {
	for _, tc := range []struct {
		thermal bool
		src     func() rand.Source // a PCG takes the fast normal path
	}{
		{true, func() rand.Source { return rand.NewPCG(9, 10) }},
		{false, func() rand.Source { return rand.NewPCG(9, 10) }},
		{true, func() rand.Source { return rand.NewChaCha8([32]byte{9}) }},
	} {
		m, err := modalCircuit(10, tc.thermal).Assemble()
		require.NoError(t, err)
		r, nn := m.Dim(), len(m.Nodes())
		const h, k = 2e-8, 1003
		s := NewExact(m, tc.src())
		x0 := make([]float64, r)
		for i := range x0 {
			x0[i] = 0.01 * float64(i%3)
		}
		s.SetState(x0)
		got := make([]float64, k*nn)
		s.NodeStepsTo(got, h)
		require.NoError(t, s.Err())
		assert.InDelta(t, k*h, s.Time(), 1e-12*k*h)

		p := s.modal
		g := gDense(p, r)
		rng := rand.New(tc.src())
		ref := NewExact(m.WithoutNoise(), nil)
		bar := ref.bar
		y := make([]float64, r)
		for kk := range r {
			for i := range r {
				y[kk] += p.vinv[kk*r+i] * (x0[i] - bar[i])
			}
		}
		xi := make([]float64, p.rank)
		x := make([]float64, r)
		v := make([]float64, nn)
		scale := 0.0
		for step := range k {
			for c := range xi {
				xi[c] = rng.NormFloat64()
			}
			for kk := range r {
				w := 0.0
				for c := range p.rank {
					w += g[kk*p.rank+c] * xi[c]
				}
				y[kk] = p.decay[kk]*y[kk] + w
			}
			for i := range r {
				x[i] = bar[i]
				for kk := range r {
					x[i] += p.v[i*r+kk] * y[kk]
				}
			}
			m.NodeVoltagesTo(v, x, nil)
			for i := range nn {
				scale = max(scale, math.Abs(v[i]))
				require.InDelta(t, v[i], got[step*nn+i], 1e-12*max(scale, 1e-3), "step %d node %d", step, i)
			}
		}
		for i := range r {
			assert.InDelta(t, x[i], s.State()[i], 1e-12)
		}
	}
}

// TestNodeStepsToDeterministic: without noise, NodeStepsTo follows Step
// and NodeVoltagesTo to rounding (1e-12 V on volt-scale voltages); a
// drift that is not diagonally symmetrizable takes the Step path, draw
// for draw.
func TestNodeStepsToDeterministic(t *testing.T) {
	m, err := modalCircuit(9, true).Assemble()
	require.NoError(t, err)
	m = m.WithoutNoise()
	nn, r := len(m.Nodes()), m.Dim()
	x0 := make([]float64, r)
	for i := range x0 {
		x0[i] = math.Sin(float64(i))
	}
	a, b := NewExact(m, nil), NewExact(m, nil)
	a.SetState(x0)
	b.SetState(x0)
	const h, k = 5e-8, 300
	got := make([]float64, k*nn)
	a.NodeStepsTo(got, h)
	want := make([]float64, nn)
	for step := range k {
		b.Step(h)
		b.NodeVoltagesTo(want)
		for i := range nn {
			require.InDelta(t, want[i], got[step*nn+i], 1e-12, "step %d node %d", step, i)
		}
	}

	ns, err := nonSymmetricCircuit().Assemble()
	require.NoError(t, err)
	c, d := NewExact(ns, rand.NewPCG(1, 1)), NewExact(ns, rand.NewPCG(1, 1))
	nn = len(ns.Nodes())
	got = make([]float64, 50*nn)
	c.NodeStepsTo(got, 1e-7)
	want = make([]float64, nn)
	for step := range 50 {
		d.Step(1e-7)
		d.NodeVoltagesTo(want)
		require.Equal(t, want, got[step*nn:(step+1)*nn])
	}
	assert.Panics(t, func() { c.NodeStepsTo(make([]float64, nn+1), 1e-7) })
	assert.Panics(t, func() { c.NodeStepsTo(make([]float64, nn), -1) })
}

// TestExFillNormals: exFillNormals draws exactly what math/rand/v2's
// NormFloat64 draws from the same PCG state, and leaves the PCG where
// rand leaves it (10⁶ draws in uneven slices: about 1.2% go through the
// wedge and tail code), so the modal path's noise is that of rand.
func TestExFillNormals(t *testing.T) {
	a, b := rand.NewPCG(11, 12), rand.NewPCG(11, 12)
	rb := rand.New(b)
	got := make([]float64, 1000)
	for n := 0; n < 1_000_000; {
		k := 1 + n%997
		exFillNormals(a, got[:k])
		for i, x := range got[:k] {
			if y := rb.NormFloat64(); x != y {
				require.Equal(t, y, x, "draw %d", n+i)
			}
		}
		n += k
	}
	require.Equal(t, b.Uint64(), a.Uint64())
}

// BenchmarkNormal compares exFillNormals with rand.Rand.NormFloat64.
func BenchmarkNormal(b *testing.B) {
	dst := make([]float64, 4096)
	b.Run("exFillNormals", func(b *testing.B) {
		p := rand.NewPCG(1, 2)
		for b.Loop() {
			exFillNormals(p, dst)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(dst)), "ns/draw")
	})
	b.Run("rand", func(b *testing.B) {
		r := rand.New(rand.NewPCG(1, 2))
		for b.Loop() {
			for i := range dst {
				dst[i] = r.NormFloat64()
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(dst)), "ns/draw")
	})
}
