package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/tngd/tngd/circuit"
	"github.com/tngd/tngd/plots"
	"github.com/tngd/tngd/solver"
	"gonum.org/v1/gonum/mat"
)

// solvePlotPoints is the default number of pieces into which tngd solve
// --plot cuts the analog window (--plot-points): a reading every T/1000,
// about 500 of them after the default burn-in for the histogram.
const solvePlotPoints = 1000

// solvePlotMaxPoints bounds --plot-points: 10⁵ readings of N cells.
const solvePlotMaxPoints = 100_000

// solveLineLimit is the number of pieces per cell drawn in the trajectory
// figure (limit + 1 readings with the start); longer records are thinned to
// every k-th reading, k = ⌈P/limit⌉. A noisy zig-zag line costs up to
// about 0.8 ms per point to rasterize as PNG.
const solveLineLimit = 1000

// solveExactLawLimit is the largest N for which the stationary figure
// computes the exact law of the programmed circuit: its component-level
// circuit has about 5N nodes and 2N² resistors, and assembling it and
// solving its Lyapunov equation cost O(N³) (a few seconds at N = 256).
const solveExactLawLimit = circuit.DefaultDenseLimit

// solvePlot is what tngd solve --plot draws.
type solvePlot struct {
	dir    string
	cell   int // the component of the stationary figure
	points int // pieces of the window
}

// solveFigures runs the programmed device once more over the window w, from
// the reset to b, in p.points equal pieces, reading every cell after each
// (and at the start), and returns the figures: "trajectory" and, when the
// device has noise, "stationary". It must be called after the solve, with
// the device still programmed with A and driven by b; exact is A⁻¹b.
func solveFigures(e *env, dev *circuit.SPU, file string, b, exact *mat.VecDense, w solver.Window, p solvePlot) ([]namedSpec, error) {
	n, _ := dev.Dims()
	// The cells drawn: the first plots.LegendLimit, with the chosen cell in
	// place of the last if it is not among them.
	cells := make([]int, 0, plots.LegendLimit)
	for i := 0; i < min(n, plots.LegendLimit); i++ {
		cells = append(cells, i)
	}
	if p.cell >= len(cells) {
		cells[len(cells)-1] = p.cell
	}
	col := 0 // position of p.cell in cells
	for c, i := range cells {
		if i == p.cell {
			col = c
		}
	}
	// The readings after the burn-in, as the readout averages them, make
	// the histogram.
	burn := w.Time / 2
	if w.Samples > 1 {
		burn = w.BurnIn
	}

	k := p.points
	dt := w.Time / float64(k)
	times := make([]float64, k+1)
	readings := make([][]float64, len(cells)) // readings[c][j]: cell cells[c] at times[j]
	for c := range readings {
		readings[c] = make([]float64, k+1)
	}
	var sample mat.VecDense
	saturated, clipped := 0, 0
	read := func(j int) {
		rep := dev.ReadTo(&sample)
		if times[j] > burn*(1+1e-9) {
			clipped += rep.Clipped
		}
		for c, i := range cells {
			readings[c][j] = sample.AtVec(i)
		}
	}
	dev.Reset(b)
	read(0)
	for j := 1; j <= k; j++ {
		rr, err := dev.Run(dt, nil)
		if err != nil {
			return nil, fmt.Errorf("solve: the run for the figures: %w", err)
		}
		if float64(j)*dt > burn*(1+1e-9) {
			saturated += rr.Saturated
		}
		times[j] = float64(j) * dt
		read(j)
	}

	base := filepath.Base(file)
	// The trajectory, each cell with its exact value A⁻¹b as a dashed
	// reference.
	stride := (k + solveLineLimit - 1) / solveLineLimit // at most limit+1 points
	var tx []float64
	for j := 0; j <= k; j += stride {
		tx = append(tx, times[j])
	}
	title := base + ": cell readings"
	if len(cells) < n {
		title += fmt.Sprintf(" (%d of %d cells)", len(cells), n)
	}
	traj := plots.Lines{
		Title: title,
		X:     plots.Axis{Label: "analog time", Unit: "τ", Scale: plots.ScaleLinear},
		Y:     plots.Axis{Label: "reading, in units of x", Scale: plots.ScaleLinear},
	}
	for c, i := range cells {
		var y []float64
		for j := 0; j <= k; j += stride {
			y = append(y, readings[c][j])
		}
		traj.Series = append(traj.Series, plots.Series{Label: fmt.Sprintf("x%d", i), X: tx, Y: y})
	}
	for c, i := range cells {
		label := ""
		if c == 0 {
			label = "A⁻¹b (LU)"
		}
		// On the readings' times, so that the line has no markers.
		y := make([]float64, len(tx))
		for j := range y {
			y[j] = exact.AtVec(i)
		}
		traj.Series = append(traj.Series, plots.Series{Label: label, X: tx, Y: y, Reference: true})
	}
	out := []namedSpec{{base: "trajectory", spec: traj}}

	hw := dev.Hardware()
	if !solveHasNoise(hw) {
		fmt.Fprintf(e.stderr, "tngd: note: the device has no noise: no stationary figure\n")
		return out, nil
	}
	// In volts at the cell, V_I − s_x·(A⁻¹b)_I, so that the axis carries
	// an engineering prefix (µV for Johnson noise); s_x is the state scale.
	sx := dev.Scale().State
	vi := sx * exact.AtVec(p.cell)
	var samples []float64
	for j := 1; j <= k; j++ {
		if times[j] > burn*(1+1e-9) {
			samples = append(samples, sx*readings[col][j]-vi)
		}
	}
	label := fmt.Sprintf("V%d − s_x·(A⁻¹b)%d", p.cell, p.cell)
	st := plots.Stationary{
		Label:   fmt.Sprintf("cell %d", p.cell),
		Samples: samples,
		Axis:    plots.Axis{Label: label, Unit: "V"},
	}
	var why string
	switch {
	case n > solveExactLawLimit:
		why = fmt.Sprintf("N > %d", solveExactLawLimit)
	case saturated > 0:
		why = "rails reached"
	case clipped > 0:
		why = "ADC clipped"
	}
	if why == "" {
		mean, variance, err := solveLaw(dev, p.cell)
		switch {
		case err == nil:
			st.Mean, st.Variance = mean-vi, variance
			st.Title = "exact law"
			if hw.ADC.Bits > 0 {
				st.Title = "exact law before ADC rounding"
			}
		case errors.Is(err, circuit.ErrNotRepresentable):
			why = "op-amp GBW"
		default:
			return nil, fmt.Errorf("solve: stationary law: %w", err)
		}
	}
	if why != "" {
		st.Mean, st.Variance = sampleMoments(samples)
		st.Title = "Gaussian fit (" + why + ")"
	}
	st.Title = fmt.Sprintf("cell %d for t > %sτ, %s", p.cell, shortFloat(burn), st.Title)
	return append(out, namedSpec{base: "stationary", spec: st}), nil
}

// solveHasNoise reports whether hardware hw (resolved) has a noise source
// that reaches the readings of a Direct SPU: Johnson noise, injected noise,
// cell op-amp noise or ADC noise.
func solveHasNoise(hw circuit.Hardware) bool {
	return hw.Noise.Temperature > 0 || hw.Noise.Kappa0 > 0 || hw.Noise.InjectedPSD > 0 ||
		hw.CellOpAmp.NoiseDensity > 0 || hw.ADC.Noise > 0
}

// solveLaw returns the exact stationary mean (V) and variance (V²) of the
// reading of cell i of the programmed Direct SPU, before the division by
// s_x: the law of the cell voltage from the component-level circuit
// (SPU.Circuit, assembled; its node x{i} is the cell output V_i = s_x·x_i),
// plus the ADC's input noise σ_ADC². The ADC's rounding is not included.
// It returns circuit.ErrNotRepresentable (wrapped) for op-amps with a
// finite gain–bandwidth product.
func solveLaw(dev *circuit.SPU, i int) (mean, variance float64, err error) {
	c, err := dev.Circuit()
	if err != nil {
		return 0, 0, err
	}
	m, err := c.Assemble()
	if err != nil {
		return 0, 0, err
	}
	mv, vv, err := nodeLaw(m, fmt.Sprintf("x%d", i))
	if err != nil {
		return 0, 0, err
	}
	adc := dev.Hardware().ADC.Noise
	return mv, vv + adc*adc, nil
}

// shortFloat formats v with at most four significant digits and without an
// exponent: 23.4375 as "23.44", 2000 as "2000".
func shortFloat(v float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 4, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}
