package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Signal is one node's waveform in a [Waveforms] figure: Values[i] at the
// figure's Time[i].
type Signal struct {
	Label  string
	Values []float64
}

// Waveforms is a figure of node voltages (or any signals) against time, as
// written by `tngd solve` and `tngd tran`: one line per signal, coloured by
// position. Time is in seconds and shown with an engineering prefix (µs for
// a window of a few τ = 1 µs).
//
// Long records are decimated for drawing: when there are more than MaxPoints
// samples, the time axis is cut into MaxPoints/2 equal-count buckets and each
// signal keeps its minimum and maximum sample of each bucket, in time order,
// so noise envelopes and spikes survive. The text record says so.
// A legend is drawn for at most [LegendLimit] labelled signals.
type Waveforms struct {
	Title string
	// Time holds the sample times in seconds, finite and strictly increasing.
	Time    []float64
	Signals []Signal
	// Y is the vertical axis; a zero Axis means node voltage in volts.
	Y Axis
	// MaxPoints is the decimation threshold; 0 means DefaultMaxPoints.
	// A value below 2 panics.
	MaxPoints int
}

// DefaultMaxPoints is the number of samples per signal above which
// [Waveforms] decimates (4000 points: more than the pixels across a figure).
const DefaultMaxPoints = 4000

// LegendLimit is the largest number of signals given a legend entry; beyond
// it a legend would hide more than it tells.
const LegendLimit = 10

// Figure draws the waveforms. It returns an error wrapping [ErrLength] when
// a signal's length differs from Time's, [ErrOrder] or [ErrNotFinite] for
// bad times, [ErrNoData] when there is no signal or no finite sample, and the
// errors of [Scale].
func (w Waveforms) Figure() (*Figure, error) {
	fail := func(err error) (*Figure, error) {
		return nil, fmt.Errorf("plots: figure %q: %w", w.Title, err)
	}
	maxPts := w.MaxPoints
	if maxPts == 0 {
		maxPts = DefaultMaxPoints
	}
	if maxPts < 2 {
		panic(fmt.Sprintf("plots: Waveforms.MaxPoints = %d, want 0 or ≥ 2", w.MaxPoints))
	}
	if len(w.Signals) == 0 {
		return fail(fmt.Errorf("%w: no signals", ErrNoData))
	}
	if _, err := (Trace{X: w.Time, Y: w.Time}).clean(); err != nil {
		return fail(fmt.Errorf("time: %w", err))
	}
	ya := w.Y
	if ya == (Axis{}) {
		ya = Axis{Label: "node voltage", Unit: "V"}
	}
	series := make([]Series, len(w.Signals))
	notes := make([]string, len(w.Signals))
	for i, s := range w.Signals {
		if len(s.Values) != len(w.Time) {
			return fail(fmt.Errorf("signal %q: %w: %d values for %d times", s.Label, ErrLength, len(s.Values), len(w.Time)))
		}
		x, y := decimate(w.Time, s.Values, maxPts)
		series[i] = Series{Label: s.Label, X: x, Y: y}
		notes[i] = fmt.Sprintf("%d samples", len(w.Time))
		if len(x) < len(w.Time) {
			notes[i] += fmt.Sprintf(", min/max of %d buckets", maxPts/2)
		}
	}
	if len(w.Signals) > LegendLimit {
		for i := range series {
			series[i].Label = ""
		}
	}
	f := &Figure{}
	f.printf("figure: %q", w.Title)
	p := newPanel(w.Title, true)
	leg := newLegend()
	if err := addLines(f, p, leg, Axis{Label: "time", Unit: "s", Scale: ScaleLinear}, ya, series, lineOpts{notes: notes}); err != nil {
		return fail(err)
	}
	f.panels = []*plot.Plot{p}
	if hasEntries(leg) {
		f.legend = leg
	}
	return f, nil
}

// decimate returns t and v unchanged when len(t) ≤ maxPts, otherwise the
// minimum and maximum of v (and their times, in time order) over maxPts/2
// buckets of consecutive samples. Non-finite values are skipped.
func decimate(t, v []float64, maxPts int) (tx, vy []float64) {
	n := len(t)
	if n <= maxPts {
		return t, v
	}
	buckets := maxPts / 2
	for b := range buckets {
		lo, hi := b*n/buckets, (b+1)*n/buckets
		iMin, iMax := -1, -1
		for i := lo; i < hi; i++ {
			if !finite(v[i]) {
				continue
			}
			if iMin < 0 || v[i] < v[iMin] {
				iMin = i
			}
			if iMax < 0 || v[i] > v[iMax] {
				iMax = i
			}
		}
		switch {
		case iMin < 0:
		case iMin == iMax:
			tx, vy = append(tx, t[iMin]), append(vy, v[iMin])
		case iMin < iMax:
			tx, vy = append(tx, t[iMin], t[iMax]), append(vy, v[iMin], v[iMax])
		default:
			tx, vy = append(tx, t[iMax], t[iMin]), append(vy, v[iMax], v[iMin])
		}
	}
	return tx, vy
}

// Stationary is the stationary-distribution figure of one node: a histogram
// of its samples, normalized to a probability density, against the
// theoretical Gaussian N(Mean, Variance) (for the OU process of the solver,
// mean A⁻¹g and variance κ₀(A⁻¹)ᵢᵢ; for a passive RC node, 0 and kT/C).
// Values are shown with an engineering prefix (µV for thermal noise).
type Stationary struct {
	Title string
	// Label names the node, for example "V(3)".
	Label   string
	Samples []float64
	// Mean and Variance describe the theoretical Gaussian, in the unit of
	// Axis and its square. A Variance that is not finite and positive (a
	// noiseless run) draws no Gaussian.
	Mean, Variance float64
	// Axis is the horizontal axis; a zero Axis means node voltage in volts.
	Axis Axis
	// Bins is the number of histogram bins; 0 means the Rice rule
	// ⌈2 n^(1/3)⌉ clamped to [10, 100]. A negative value panics.
	Bins int
}

// Figure draws the histogram and the Gaussian. Non-finite samples are
// dropped. It returns an error wrapping [ErrNoData] when no sample is finite.
func (s Stationary) Figure() (*Figure, error) {
	fail := func(err error) (*Figure, error) {
		return nil, fmt.Errorf("plots: figure %q: %w", s.Title, err)
	}
	if s.Bins < 0 {
		panic(fmt.Sprintf("plots: Stationary.Bins = %d", s.Bins))
	}
	var xs []float64
	for _, v := range s.Samples {
		if finite(v) {
			xs = append(xs, v)
		}
	}
	if len(xs) == 0 {
		return fail(fmt.Errorf("%w: no finite sample", ErrNoData))
	}
	xa := s.Axis
	if xa == (Axis{}) {
		xa = Axis{Label: "node voltage", Unit: "V"}
	}
	theory := finite(s.Variance) && s.Variance > 0 && finite(s.Mean)
	sd := math.Sqrt(s.Variance)
	lo, hi := math.Inf(1), math.Inf(-1)
	var sum float64
	for _, v := range xs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		sum += v
	}
	n := float64(len(xs))
	mean := sum / n
	var ss float64
	for _, v := range xs {
		ss += (v - mean) * (v - mean)
	}
	variance := math.NaN()
	if len(xs) > 1 {
		variance = ss / (n - 1)
	}
	span := []float64{lo, hi}
	if theory {
		span = append(span, s.Mean-4*sd, s.Mean+4*sd)
	}
	factor, xl := xa.display(maxAbs(span), false)

	bins := s.Bins
	if bins == 0 {
		bins = min(100, max(10, int(math.Ceil(2*math.Cbrt(n)))))
	}
	if hi == lo {
		d := math.Max(math.Abs(lo)*1e-3, 1e-300)
		lo, hi = lo-d, hi+d
	}
	width := (hi - lo) / float64(bins)
	counts := make([]float64, bins)
	for _, v := range xs {
		k := min(bins-1, int((v-lo)/width))
		counts[k]++
	}
	hist := &plotter.Histogram{
		Width:     width / factor,
		FillColor: translucent(colors[0], 0.45),
		LineStyle: draw.LineStyle{Color: colors[0], Width: vg.Points(0.5)},
	}
	centres := make([]float64, bins)
	density := make([]float64, bins)
	for k, c := range counts {
		a := lo + float64(k)*width
		centres[k] = (a + width/2) / factor
		density[k] = c / (n * width) * factor
		hist.Bins = append(hist.Bins, plotter.HistogramBin{Min: a / factor, Max: (a + width) / factor, Weight: density[k]})
	}

	_, unit := prefixed(maxAbs(span), xa.Unit)
	ylabel := "probability density"
	if xa.Unit != "" {
		ylabel += " (1/" + unit + ")"
	}
	p := newPanel(s.Title, true)
	p.X.Label.Text, p.Y.Label.Text = xl, ylabel
	p.Add(hist)
	leg := newLegend()
	leg.Add(fmt.Sprintf("%s, %d samples", s.Label, len(xs)), hist)
	var gauss []float64
	if theory {
		a, b := math.Min(lo, s.Mean-4*sd), math.Max(hi, s.Mean+4*sd)
		const points = 201
		pts := make(plotter.XYs, points)
		for i := range pts {
			x := a + (b-a)*float64(i)/(points-1)
			pts[i] = plotter.XY{X: x / factor, Y: normalPDF(x, s.Mean, sd) * factor}
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return fail(err)
		}
		line.LineStyle = draw.LineStyle{Color: colors[1], Width: vg.Points(1.8)}
		p.Add(line)
		leg.Add("theory N(μ, σ²)", line)
		gauss = make([]float64, bins)
		for k := range gauss {
			gauss[k] = normalPDF(centres[k]*factor, s.Mean, sd) * factor
		}
	}
	p.Y.Min = 0

	f := &Figure{panels: []*plot.Plot{p}, legend: leg}
	f.printf("figure: %q", s.Title)
	f.printf("x: %q; y: %q", xl, ylabel)
	f.printf("node %q: %d samples, sample mean %s %s, sample variance %s %s²",
		s.Label, len(xs), formatValue(mean/factor), unit, formatValue(variance/(factor*factor)), unit)
	if theory {
		f.printf("theory: mean %s %s, variance %s %s²", formatValue(s.Mean/factor), unit, formatValue(s.Variance/(factor*factor)), unit)
	} else {
		f.printf("theory: none")
	}
	f.table([]string{"centre", "density", "gaussian"}, centres, density, gauss)
	return f, nil
}

// normalPDF is the density of N(mu, sd²) at x.
func normalPDF(x, mu, sd float64) float64 {
	z := (x - mu) / sd
	return math.Exp(-z*z/2) / (sd * math.Sqrt(2*math.Pi))
}
