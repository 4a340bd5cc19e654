// Package plots draws the figures of tngd runs: training curves, sweeps,
// co-design heat maps and Pareto fronts, per-iteration time splits, solve
// quality, node waveforms and stationary histograms. It is the only package
// that imports gonum.org/v1/plot, and it knows nothing of scenarios, solvers
// or networks: it takes plain numbers in its own types, so that a run, `tngd
// plot DIR` and a test can all draw the same figure from the same data.
//
// # Use
//
// Fill a figure description (a [Spec]) with data and call its Figure method;
// save the result as PNG and SVG:
//
//	fig, err := plots.Curves{
//		Title:  "Test loss",
//		X:      plots.Axis{Label: "iteration"},
//		Y:      plots.Axis{Label: "test loss"},
//		Groups: []plots.Group{{Label: "Adam", Runs: seeds}},
//		Smooth: 200,
//	}.Figure()
//	if err != nil { ... }
//	err = fig.Save(dir, "test_loss_vs_iteration") // writes .png and .svg
//
// The descriptions are:
//   - [Curves]: metrics against iteration or simulated time, one line per
//     [Group] (an optimizer, a swept value) with the mean over its runs
//     (seeds) and a band, optionally smoothed; [Lines] for ready-made
//     [Series]. A group or series marked Reference (exact NGD, theory) is
//     drawn dark grey and dashed.
//   - [Sweep]: a final metric against a swept parameter, one line per group,
//     with error bars over runs.
//   - [Heatmap]: a metric over two swept hardware parameters, with a colour
//     bar and annotated cells.
//   - [Pareto]: a metric against a hardware cost proxy with the
//     non-dominated front ([ParetoFront]) highlighted.
//   - [TimeSplit]: per-iteration time split into digital, upload, analog and
//     readout stages, one bar per optimizer.
//   - [SolveQuality]: cosine similarity and relative error of the
//     natural-gradient solve against the exact one, two aligned panels.
//   - [Waveforms] and [Stationary]: node waveforms and a node's stationary
//     histogram against the theoretical Gaussian, for `tngd solve` and
//     `tngd tran`.
//
// # Conventions
//
// Axes: an [Axis] has a Label (the quantity), a Unit and a [Scale]. SI units
// (s, V, A, …) on linear axes are shown with an engineering prefix chosen
// from the data, so a 20 µs waveform reads "time (µs)"; pass values in base
// SI units. [ScaleAuto], the zero value, makes an axis logarithmic when its
// values are positive and span more than [AutoLogDecades] decades (one decade
// for the swept parameter of a [Sweep]); [ScaleLinear] and [ScaleLog] force
// the choice (force ScaleLog for simulated time spanning decades: the
// evaluation at t = 0 is then left out). On a logarithmic axis, points with
// a coordinate ≤ 0 are not drawn (the text record counts them) and a band's
// lower edge is clipped to the smallest positive value drawn.
//
// Runs and bands: a [Trace] is one run. Non-finite Y values are missing
// samples and are dropped. Smoothing ([MovingAverage], a centred window
// that does not shift curves, 200 points in the paper) is applied to each
// run before aggregation;
// [Aggregate] averages runs on their shared X, or, when their X differ
// (simulated time), on the union of their X within the common range by
// linear interpolation, never extrapolating. The band is the min–max range
// over runs ([BandMinMax], the zero value), ±1 sample standard deviation
// ([BandStd]) or none.
//
// Colours: the Okabe–Ito palette, assigned by position among the
// non-reference lines, so pass groups in the same order in every figure to
// keep one colour per optimizer. Legends and colour bars sit outside the data
// area, at the right, so they never hide data.
//
// Output: [Figure.Save] writes base.png (150 dpi) and base.svg of
// [DefaultWidth] × [DefaultHeight] (16 cm × 10 cm) unless the Figure's Width
// and Height are set, each through a temporary file and a rename. Output is
// deterministic: the same data give the same bytes. The fonts are the
// Liberation fonts bundled with gonum/plot; SVG files fall back to Arial,
// Helvetica or any sans-serif font where Liberation Sans is not installed.
//
// Text record: [Figure.Describe] lists what a figure draws (title, axes with
// their labels and scales, each series' points after smoothing, aggregation
// and unit prefixes). It is what the package's golden tests check, and a
// readable companion to the image.
//
// # Errors
//
// Data that cannot be drawn (mismatched lengths, non-finite coordinates,
// nothing to draw, a forced log axis without a positive value) gives an
// error naming the figure and series and wrapping one of [ErrNoData],
// [ErrLength], [ErrNotFinite], [ErrOrder], [ErrNoOverlap], [ErrNegative] or
// [ErrLogScale]. Misuse (a negative smoothing window, an unknown mode, a bad
// file name) panics with a "plots: " message.
//
// # References
//
// Donatella et al., Thermodynamic Natural Gradient Descent,
// arXiv:2405.13817 (figures 3, 4 and 7: 200-point moving averages over
// 5 seeds). Okabe and Ito, Color Universal Design (2008). Moreland, Why We
// Use Bad Color Maps and What You Can Do About It (HVEI 2016).
package plots
