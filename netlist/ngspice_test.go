package netlist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/tngd/tngd/circuit"
)

// The cross-validation against ngspice 39 (the Debian package). These tests
// never skip: without ngspice they fail and say how to install it.

// allToAll returns an all-to-all RC network of n nodes: a random
// conductance between every pair, a leak to ground and a capacitor on every
// node, and a current source into the first node. Thermal noise is on.
func allToAll(rng *rand.Rand, n int) *circuit.Circuit {
	c := &circuit.Circuit{}
	node := func(i int) string { return fmt.Sprintf("n%d", i+1) }
	for i := range n {
		c.Add(circuit.Capacitor{Name: "C" + node(i), P: node(i), N: "0", C: 1e-9 * (0.7 + 0.6*rng.Float64())})
		c.Add(circuit.Resistor{Name: "Rg" + node(i), P: node(i), N: "0", R: 1e3 * (1 + rng.Float64())})
		for j := i + 1; j < n; j++ {
			// Pair conductances of order 1/(n·1k) keep every node's total
			// conductance near 2 mS whatever n is.
			c.Add(circuit.Resistor{Name: "R" + node(i) + "_" + node(j), P: node(i), N: node(j), R: float64(n) * 1e3 * (0.5 + rng.Float64())})
		}
	}
	c.Add(circuit.CurrentSource{Name: "I1", P: "0", N: node(0), I: 0.5e-3})
	return c
}

// compareDeterministic runs n in ngspice and with Simulate (no noise) and
// checks every node on every grid point to 1e-4 of full scale (the largest
// |v| ngspice reports), the criterion; ngspice itself is within a
// few 1e-6 of the exact solution with TMAX = TSTEP/10.
func compareDeterministic(t *testing.T, n *Netlist) {
	t.Helper()
	ng := runNgspice(t, n, "")
	ours := runOurs(t, n, &SimulateOptions{NoNoise: true})
	require.Len(t, ng, len(ours))
	require.Len(t, ng[0], len(ours[0]), "grid points")
	fs := 0.0
	for _, c := range ng[1:] {
		for _, v := range c {
			fs = math.Max(fs, math.Abs(v))
		}
	}
	require.Greater(t, fs, 0.0)
	worst := 0.0
	for i := range ng[0] {
		require.InDelta(t, ours[0][i], ng[0][i], 1e-9*n.Tran.Stop, "time of row %d", i)
		for j := 1; j < len(ng); j++ {
			d := math.Abs(ng[j][i] - ours[j][i])
			worst = math.Max(worst, d)
			if d > 1e-4*fs {
				t.Errorf("%s at t = %g: ngspice %g, tngd %g (|Δ| = %.3g of full scale %g)", n.Nodes()[j-1], ng[0][i], ng[j][i], ours[j][i], d/fs, fs)
			}
		}
	}
	t.Logf("%s: largest difference %.3g of full scale %.4g V over %d points × %d nodes", n.Title, worst/fs, fs, len(ng[0]), len(ng)-1)
}

func TestNgspiceDeterministic(t *testing.T) {
	t.Run("RC ring", func(t *testing.T) {
		n, err := ParseFile("testdata/rc_ring.cir")
		require.NoError(t, err)
		compareDeterministic(t, n)
	})
	t.Run("all-to-all RC", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		c := allToAll(rng, 8)
		c.NoThermalNoise = true
		n, _, err := Export(c, &ExportOptions{Title: "all-to-all RC, 8 nodes"})
		require.NoError(t, err)
		n.Tran = &Tran{Step: 50e-9, Stop: 10e-6, MaxStep: 5e-9, UIC: true}
		for i, nd := range n.Nodes() {
			n.ICs = append(n.ICs, InitialCondition{Node: nd, Volts: math.Sin(float64(i + 1))})
		}
		compareDeterministic(t, n)
	})
	t.Run("VCCS and capacitor-free node", func(t *testing.T) {
		n, err := ParseFile("testdata/vccs.cir")
		require.NoError(t, err)
		compareDeterministic(t, n)
	})
	t.Run("operating point start", func(t *testing.T) {
		// Without uic both start from the DC operating point: flat lines.
		n, err := ParseFile("testdata/vccs.cir")
		require.NoError(t, err)
		n.Tran.UIC = false
		compareDeterministic(t, n)
	})
}

// probes is the number of TRNOISE probe sources added to a noisy deck.
const probes = 16

// compareNoise runs the noisy deck n in ngspice and checks the stationary
// covariance of the capacitive nodes against the prediction of the model
// assembled from n with ngspice's band-limited TRNOISE (trnoiseCovariance):
// the total variance (trace) and each node's variance, within 4.5 standard
// errors of the statistic (statVariance, from the model's own lag
// covariances, so the sample size is effectively N/(correlation time)).
// The first burn samples are dropped. ngspice's TRNOISE cannot be seeded
// (set rndseed and .options seed leave it different from run to run), so
// this test is random: its 4.5 standard errors are a bound that a correct
// simulator crosses with probability ~1e-5 per check (measured on the RC
// ring: 360 checks of 40 runs had z-scores of mean −0.2, standard deviation
// 0.94, extremes −3.1 and 2.3; the run's variance scale had mean 1.02 and
// standard deviation 0.036).
//
// ngspice's Gaussian generator does not give TRNOISE a stationary
// variance: the sample variance of every source drifts together by several
// per cent over 10⁵ samples (measured: block variances 0.99, 1.01, 1.035,
// 1.03, 1.07 of NA² over five blocks of 10⁵ samples, the same for 16
// sources; traces from −6 % to +13 % for one circuit over 2.5k–10k τ). So
// the deck also gets 16 probe sources of NA = 1 A into 1 Ω, sharing the
// generator; the ratio of their sample variance to its expectation (NA²
// times the mean of (1−f)² + f², f the phase of each sample time in its NT
// interval) measures the common scale of the run, and the circuit's
// statistics are divided by it. Its own standard error enters the
// tolerance.
func compareNoise(t *testing.T, n *Netlist, nt float64, burn int) {
	t.Helper()
	m, _, err := Assemble(n, nil)
	require.NoError(t, err)
	want := trnoiseCovariance(t, m, nt)
	white, err := m.StationaryCovariance()
	require.NoError(t, err)
	deck := *n
	deck.Elements = append([]Element(nil), n.Elements...)
	for i := range probes {
		p := fmt.Sprintf("probe%d", i)
		deck.Elements = append(deck.Elements,
			Element{Kind: CurrentSource, Name: "I" + p, Plus: p, Minus: "0", Noise: TRNoise{NA: 1, NT: nt}},
			Element{Kind: Resistor, Name: "R" + p, Plus: p, Minus: "0", Value: 1})
	}
	ng := runNgspice(t, &deck, "")
	nodes := deck.Nodes()
	column := func(name string) []float64 {
		for j, nd := range nodes {
			if nd == name {
				return ng[j+1]
			}
		}
		t.Fatalf("node %s is not in the deck", name)
		return nil
	}
	// The common scale of ngspice's generator over the run.
	nSamples := len(ng[0]) - burn
	w2, w4 := 0.0, 0.0
	for _, tm := range ng[0][burn:] {
		f := tm/nt - math.Floor(tm/nt)
		w := (1-f)*(1-f) + f*f
		w2 += w
		w4 += w * w
	}
	w2 /= float64(nSamples)
	w4 /= float64(nSamples)
	probeVar := 0.0
	for i := range probes {
		probeVar += sampleCovariance([][]float64{column(fmt.Sprintf("probe%d", i))}, burn).At(0, 0)
	}
	scale := probeVar / probes / w2
	// Var of a mean of squares of independent N(0, w_k): 2·mean(w²)/N.
	scaleSE := math.Sqrt(2*w4/float64(nSamples*probes)) / w2
	t.Logf("ngspice TRNOISE variance scale over the run: %.4f ± %.4f", scale, scaleSE)

	states := m.States()
	cols := make([][]float64, len(states))
	for i, s := range states {
		cols[i] = column(s)
	}
	got := sampleCovariance(cols, burn)
	got.Scale(1/scale, got)
	r := len(states)
	sigma := mat.DenseCopyOf(white)
	check := func(name string, w *mat.Dense) {
		var p mat.Dense
		p.MulElem(w, got)
		g := mat.Sum(&p)
		p.MulElem(w, want)
		e := mat.Sum(&p)
		p.MulElem(w, sigma)
		ew := mat.Sum(&p)
		se := math.Hypot(math.Sqrt(statVariance(m, sigma, w, n.Tran.Step, nSamples)), e*scaleSE)
		t.Logf("%s: ngspice %.5g, band-limited prediction %.5g (white %.5g), %.2f standard errors of %.3g", name, g, e, ew, (g-e)/se, se)
		assert.InDelta(t, e, g, 4.5*se, "%s", name)
	}
	check("trace", eye(r))
	for i := range r {
		w := mat.NewDense(r, r, nil)
		w.Set(i, i, 1)
		check("var v("+states[i]+")", w)
	}
}

func eye(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := range n {
		m.Set(i, i, 1)
	}
	return m
}

// TestNgspiceNoise checks ngspice's stationary statistics against ours for
// the Johnson noise that Export writes as TRNOISE. The sample size: 2,500
// points one slow time constant apart after 20 dropped, which gives a
// standard error near 1.5 % on the trace; the band limit of TRNOISE at
// NT = τ_min/10 lowers the fastest modes' variance by up to 4.5 %, which
// the prediction includes (and the test would otherwise detect).
func TestNgspiceNoise(t *testing.T) {
	t.Run("RC ring, Johnson noise", func(t *testing.T) {
		src, err := ParseFile("testdata/rc_ring.cir")
		require.NoError(t, err)
		c, err := Build(src, &BuildOptions{Johnson: true})
		require.NoError(t, err)
		n, _, err := Export(c, &ExportOptions{Title: "RC ring with Johnson noise"})
		require.NoError(t, err)
		nt := exportedNT(t, n)
		n.Tran = &Tran{Step: 1e-6, Stop: 2520e-6}
		compareNoise(t, n, nt, 20)
	})
	t.Run("VCCS circuit, Johnson noise", func(t *testing.T) {
		src, err := ParseFile("testdata/vccs.cir")
		require.NoError(t, err)
		c, err := Build(src, &BuildOptions{Johnson: true})
		require.NoError(t, err)
		n, _, err := Export(c, &ExportOptions{Title: "VCCS circuit with Johnson noise"})
		require.NoError(t, err)
		nt := exportedNT(t, n)
		n.Tran = &Tran{Step: 2e-6, Stop: 5040e-6}
		compareNoise(t, n, nt, 10)
	})
}

// exportedNT returns the common NT of the deck's TRNOISE sources.
func exportedNT(t *testing.T, n *Netlist) float64 {
	nt := 0.0
	for _, e := range n.Elements {
		if !e.Noise.IsZero() {
			if nt == 0 {
				nt = e.Noise.NT
			}
			require.Equal(t, nt, e.Noise.NT)
		}
	}
	require.Greater(t, nt, 0.0, "no TRNOISE source")
	return nt
}
