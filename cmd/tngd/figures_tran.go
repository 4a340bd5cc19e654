package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tngd/tngd/circuit"
	"github.com/tngd/tngd/netlist"
	"github.com/tngd/tngd/plots"
	"github.com/tngd/tngd/scenarios"
	"gonum.org/v1/gonum/mat"
)

// tranPlotMaxPoints bounds the output points that tngd tran --plot keeps
// for its figures (about 90 MB for eleven columns): beyond it, every k-th
// point of the grid is kept, k = ⌈points/tranPlotMaxPoints⌉, and the titles
// say so. A million points is 250 times the waveform figure's decimation
// threshold (plots.DefaultMaxPoints) and far more than a histogram needs.
const tranPlotMaxPoints = 1_000_000

// tranWaveformPoints is the decimation threshold of the waveform figure
// (plots.Waveforms.MaxPoints): longer records are drawn as the minimum and
// maximum of 400 equal stretches, about two pixels each across the data
// area of a saved figure, which keeps noise envelopes and spikes. Below
// plots.DefaultMaxPoints because rasterizing a noisy zig-zag line costs
// about 0.8 ms per point of PNG (4000 points: 3 s per node; 800: 0.65 s).
const tranWaveformPoints = 800

// tranPlot collects the data of the figures of tngd tran --plot while the
// analysis runs, and turns it into figure specs.
type tranPlot struct {
	file   string   // base name of the netlist, for titles
	nodes  []string // the netlist's nodes, in the order of the emitted values
	cols   []int    // indices into nodes of the drawn waveforms
	stride int      // every stride-th grid point is kept
	points int      // points of the .tran grid
	count  int      // grid points seen so far

	times  []float64
	values [][]float64 // values[c][k]: node cols[c] at times[k]

	// stat is the stationary figure's node and law; nil without noise.
	stat *tranLaw
}

// tranLaw is the exact stationary law of one node's voltage.
type tranLaw struct {
	node           string
	col            int // index into tranPlot.cols
	mean, variance float64
}

// newTranPlot prepares the figures of the .tran analysis of n (read from
// path): it resolves the node of the stationary figure (plotNode, or the
// first capacitive node when empty) and, when the run has noise, its exact
// stationary law from the assembled model. Errors are bad input: a circuit
// that cannot be assembled, an unknown node.
func newTranPlot(n *netlist.Netlist, path, plotNode string, opt tranOptions) (*tranPlot, error) {
	nodes := n.Nodes()
	if len(nodes) == 0 {
		return nil, fmt.Errorf("%s: no node to plot", path)
	}
	m, _, err := netlist.Assemble(n, &netlist.BuildOptions{Johnson: opt.johnson})
	if err != nil {
		return nil, err
	}
	statNode := -1
	if plotNode != "" {
		name := plotNode
		if l := len(name); l > 3 && strings.EqualFold(name[:2], "v(") && name[l-1] == ')' {
			name = name[2 : l-1]
		}
		for i, nd := range nodes {
			if strings.EqualFold(nd, name) {
				statNode = i
				break
			}
		}
		if statNode < 0 {
			return nil, fmt.Errorf("tran: --plot-node %q: %s has no such node (its nodes: %s)", plotNode, path, strings.Join(nodes, ", "))
		}
	} else {
		for i, nd := range nodes {
			if m.StateIndex(nd) >= 0 {
				statNode = i
				break
			}
		}
	}

	pts := n.Tran.Points()
	p := &tranPlot{
		file:   filepath.Base(path),
		nodes:  nodes,
		stride: (pts + tranPlotMaxPoints - 1) / tranPlotMaxPoints,
		points: pts,
	}
	// The waveforms: the first plots.LegendLimit nodes, so that each has a
	// legend entry, with the stationary node in place of the last if it is
	// not among them.
	for i := 0; i < min(len(nodes), plots.LegendLimit); i++ {
		p.cols = append(p.cols, i)
	}
	if statNode >= len(p.cols) {
		p.cols[len(p.cols)-1] = statNode
	}
	p.values = make([][]float64, len(p.cols))

	if statNode >= 0 && opt.noise && hasNoise(m) {
		mean, variance, err := nodeLaw(m, nodes[statNode])
		if err != nil {
			return nil, err
		}
		col := 0
		for c, i := range p.cols {
			if i == statNode {
				col = c
			}
		}
		p.stat = &tranLaw{node: nodes[statNode], col: col, mean: mean, variance: variance}
	}
	return p, nil
}

// hasNoise reports whether m has a non-zero diffusion matrix.
func hasNoise(m *circuit.Model) bool {
	d := m.Diffusion()
	if d == nil {
		return false
	}
	n := d.SymmetricDim()
	for i := 0; i < n; i++ {
		if d.At(i, i) != 0 {
			return true
		}
	}
	return false
}

// nodeLaw returns the stationary mean (V) and variance (V²) of the voltage
// of node, v = Vx x + Vu u at the default inputs: mean Vx A⁻¹B u + Vu u
// (Model.StationaryMeanTo, Model.NodeVoltagesTo) and variance Vx,k Σ Vx,kᵀ
// with Σ the solution of A Σ + Σ Aᵀ = D (Model.StationaryCovariance). A
// capacitor-free node has the variance of its conditional mean given the
// state, as Model.NodeVoltagesTo reports it.
func nodeLaw(m *circuit.Model, node string) (mean, variance float64, err error) {
	k := m.NodeIndex(node)
	if k < 0 {
		panic(fmt.Sprintf("tngd: node %q not in the model", node))
	}
	r := m.Dim()
	mu := make([]float64, r)
	m.StationaryMeanTo(mu, nil)
	v := make([]float64, len(m.Nodes()))
	m.NodeVoltagesTo(v, mu, nil)
	if r == 0 {
		return v[k], 0, nil
	}
	sigma, err := m.StationaryCovariance()
	if err != nil {
		return 0, 0, err
	}
	vx, _ := m.OutputMatrices()
	row := vx.RowView(k)
	return v[k], mat.Inner(row, sigma, row), nil
}

// record keeps the values of the drawn nodes at one grid point (every
// stride-th point); v holds every node's voltage, in the order of nodes.
func (p *tranPlot) record(t float64, v []float64) {
	k := p.count
	p.count++
	if k%p.stride != 0 {
		return
	}
	p.times = append(p.times, t)
	for c, i := range p.cols {
		p.values[c] = append(p.values[c], v[i])
	}
}

// specs returns the figures: "waveforms" and, for a run with noise,
// "stationary_NODE".
func (p *tranPlot) specs() []namedSpec {
	title := p.file + ": node voltages"
	var notes []string
	if len(p.cols) < len(p.nodes) {
		notes = append(notes, fmt.Sprintf("%d of %d nodes", len(p.cols), len(p.nodes)))
	}
	if p.stride > 1 {
		notes = append(notes, fmt.Sprintf("every %d%s point", p.stride, ordinal(p.stride)))
	}
	if len(notes) > 0 {
		title += " (" + strings.Join(notes, ", ") + ")"
	}
	w := plots.Waveforms{Title: title, Time: p.times, MaxPoints: tranWaveformPoints}
	for c, i := range p.cols {
		w.Signals = append(w.Signals, plots.Signal{Label: "v(" + p.nodes[i] + ")", Values: p.values[c]})
	}
	out := []namedSpec{{base: "waveforms", spec: w}}
	if p.stat == nil {
		return out
	}
	// The second half of the grid: points from index ⌊points/2⌋ on.
	half := p.points / 2
	var samples []float64
	for k, x := range p.values[p.stat.col] {
		if k*p.stride >= half {
			samples = append(samples, x)
		}
	}
	label := "v(" + p.stat.node + ")"
	out = append(out, namedSpec{
		base: "stationary_" + scenarios.FileSafe(p.stat.node),
		spec: plots.Stationary{
			Title:    fmt.Sprintf("%s: %s, second half of the run", p.file, label),
			Label:    label,
			Samples:  samples,
			Mean:     p.stat.mean,
			Variance: p.stat.variance,
			Axis:     plots.Axis{Label: label, Unit: "V"},
		},
	})
	return out
}

// ordinal returns the English ordinal suffix of k: "st", "nd", "rd", "th".
func ordinal(k int) string {
	if k%100 >= 11 && k%100 <= 13 {
		return "th"
	}
	switch k % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}
