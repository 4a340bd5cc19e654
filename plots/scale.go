package plots

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// Scale selects how an axis maps values.
type Scale int

const (
	// ScaleAuto (the zero value) picks a logarithmic axis when the values
	// drawn on it are all positive and span more than [AutoLogDecades]
	// decades (see [SpansDecades]), and a linear one otherwise.
	ScaleAuto Scale = iota
	// ScaleLinear forces a linear axis.
	ScaleLinear
	// ScaleLog forces a logarithmic axis. Points with a coordinate ≤ 0 on
	// it (the evaluation at simulated time 0, say) are left out and counted
	// in the text record; an axis with no positive value at all is an error
	// wrapping [ErrLogScale].
	ScaleLog
)

// String returns "auto", "linear" or "log".
func (s Scale) String() string {
	switch s {
	case ScaleAuto:
		return "auto"
	case ScaleLinear:
		return "linear"
	case ScaleLog:
		return "log"
	}
	return fmt.Sprintf("Scale(%d)", int(s))
}

// AutoLogDecades is the span, in decades (powers of ten), that the positive
// values on a [ScaleAuto] axis must exceed for it to become logarithmic.
// Two decades: a loss going from 2.3 to 0.05 stays linear, one going to 1e-3
// does not.
const AutoLogDecades = 2

// SpansDecades reports whether the finite values in vs are all positive and
// their largest is more than 10^decades times their smallest. Non-finite
// values are ignored; with no finite value it reports false.
func SpansDecades(decades float64, vs ...[]float64) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				continue
			}
			if x <= 0 {
				return false
			}
			lo = math.Min(lo, x)
			hi = math.Max(hi, x)
		}
	}
	if lo > hi {
		return false
	}
	return math.Log10(hi)-math.Log10(lo) > decades
}

// isLog resolves s for the finite values in vs. A forced ScaleLog without
// a finite positive value returns an error wrapping ErrLogScale.
func (s Scale) isLog(vs ...[]float64) (bool, error) {
	switch s {
	case ScaleAuto:
		return SpansDecades(AutoLogDecades, vs...), nil
	case ScaleLinear:
		return false, nil
	case ScaleLog:
		if math.IsInf(minPositive(vs...), 1) {
			return false, fmt.Errorf("%w: no positive value", ErrLogScale)
		}
		return true, nil
	}
	panic(fmt.Sprintf("plots: unknown scale %d", int(s)))
}

// Axis describes one axis of a figure: what is measured, in which unit, on
// which scale.
type Axis struct {
	// Label names the quantity, without unit: "simulated time", "test loss".
	Label string
	// Unit is the unit symbol, empty for a dimensionless quantity. For the SI
	// units s, V, A, F, S, Ω, W, J and Hz on a linear axis, the values are
	// shown with the engineering prefix that keeps the largest magnitude in
	// [1, 1000): a waveform over 20e-6 s is drawn in µs and labelled
	// "time (µs)". Other units are printed as given.
	Unit string
	// Scale is the axis scale; the zero value is ScaleAuto.
	Scale Scale
}

// prefixable lists the units that receive an engineering prefix.
var prefixable = map[string]bool{"s": true, "V": true, "A": true, "F": true, "S": true, "Ω": true, "W": true, "J": true, "Hz": true}

// prefixes are the engineering prefixes from 1e-15 to 1e9.
var prefixes = []struct {
	exp  int
	name string
}{{-15, "f"}, {-12, "p"}, {-9, "n"}, {-6, "µ"}, {-3, "m"}, {0, ""}, {3, "k"}, {6, "M"}, {9, "G"}}

// display returns the factor by which values on axis a are divided before
// drawing and the label text, "Label (unit)". maxAbs is the largest finite
// magnitude drawn; log tells whether the axis is logarithmic (no prefix then:
// the decades are the ticks).
func (a Axis) display(maxAbs float64, log bool) (factor float64, label string) {
	factor, unit := 1.0, a.Unit
	if !log {
		factor, unit = prefixed(maxAbs, a.Unit)
	}
	label = a.Label
	if unit != "" {
		label += " (" + unit + ")"
	}
	return factor, label
}

// prefixed returns the power of ten by which values up to maxAbs in unit are
// divided to be shown with an engineering prefix, and the prefixed unit.
// Units outside the prefixable set, and maxAbs zero or not finite, get
// factor 1 and unit unchanged.
func prefixed(maxAbs float64, unit string) (factor float64, prefixedUnit string) {
	if !prefixable[unit] || !(maxAbs > 0) || math.IsInf(maxAbs, 0) {
		return 1, unit
	}
	e := int(math.Floor(math.Log10(maxAbs)/3)) * 3
	e = max(-15, min(9, e))
	for _, p := range prefixes {
		if p.exp == e {
			return math.Pow(10, float64(e)), p.name + unit
		}
	}
	return 1, unit
}

// maxAbs returns the largest finite magnitude in vs, 0 if none.
func maxAbs(vs ...[]float64) float64 {
	var m float64
	for _, v := range vs {
		for _, x := range v {
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				m = math.Max(m, math.Abs(x))
			}
		}
	}
	return m
}

// scaled returns v divided by factor, in a new slice (nil for nil v).
func scaled(v []float64, factor float64) []float64 {
	if v == nil {
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x / factor
	}
	return out
}

// setScale makes p's axis ax logarithmic (with decade ticks) or linear.
func setScale(ax *plot.Axis, log bool) {
	if log {
		ax.Scale = plot.LogScale{}
		ax.Tick.Marker = logTicks{}
	} else {
		ax.Scale = plot.LinearScale{}
		ax.Tick.Marker = linearTicks{}
	}
}

// linearTicks marks a linear axis with four to ten labelled ticks at
// multiples of a round step (1, 2 or 5 × 10ⁿ) and minor ticks between them.
type linearTicks struct{}

// Ticks implements plot.Ticker.
func (linearTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) || math.IsInf(max-min, 0) {
		return []plot.Tick{{Value: min, Label: formatNumber(min)}}
	}
	step, minor := niceStep(max - min)
	// Decimals needed to print multiples of step exactly.
	dec := max0(-int(math.Floor(math.Log10(step) + 1e-9)))
	big := math.Max(math.Abs(min), math.Abs(max)) >= 1e5
	var ticks []plot.Tick
	first := math.Ceil(min/minor-1e-9) * minor
	for k := 0; ; k++ {
		v := first + float64(k)*minor
		if v > max+minor*1e-9 {
			break
		}
		t := plot.Tick{Value: v}
		if r := v / step; math.Abs(r-math.Round(r)) < 1e-6 {
			v = math.Round(r) * step
			t.Value = v
			switch {
			case v == 0:
				t.Label = "0"
			case big:
				t.Label = formatNumber(v)
			default:
				t.Label = strconv.FormatFloat(v, 'f', dec, 64)
			}
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// niceStep returns the largest round step (1, 2, 5 or 10 × 10ⁿ, with
// 10ⁿ ≤ span/6) that leaves at least four steps in span, and the minor step
// that subdivides it. Four to ten labelled ticks result.
func niceStep(span float64) (step, minor float64) {
	p := math.Pow(10, math.Floor(math.Log10(span/6)))
	step = p
	for _, m := range []float64{2, 5, 10} {
		if span/(m*p) >= 4 {
			step = m * p
		}
	}
	return step, step / 2
}

// max0 returns max(n, 0).
func max0(n int) int { return max(n, 0) }

// logTicks marks a logarithmic axis: major ticks labelled at powers of ten,
// minor ticks at their multiples 2…9. When the range holds fewer than three
// powers of ten, the multiples 2 and 5 are labelled too, so that a short
// range still shows several numbers.
type logTicks struct{}

// Ticks implements plot.Ticker. It panics, as plot.LogTicks does, unless
// 0 < min ≤ max.
func (logTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= 0 {
		panic("plots: non-positive range on a logarithmic axis")
	}
	lo := int(math.Floor(math.Log10(min)))
	hi := int(math.Ceil(math.Log10(max)))
	majors := 0
	for e := lo; e <= hi; e++ {
		if v := math.Pow(10, float64(e)); v >= min && v <= max {
			majors++
		}
	}
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		d := math.Pow(10, float64(e))
		for m := 1; m <= 9; m++ {
			if m > 1 && e == hi {
				break
			}
			v := float64(m) * d
			t := plot.Tick{Value: v}
			if m == 1 || (majors < 3 && (m == 2 || m == 5)) {
				t.Label = formatNumber(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// formatNumber prints v compactly with up to four significant digits:
// "0.001", "250", "1e-05" becomes "1e-5", "2.5e+06" becomes "2.5e6".
func formatNumber(v float64) string {
	s := strconv.FormatFloat(v, 'g', 4, 64)
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		mant, exp := s[:i], s[i+1:]
		sign := ""
		if exp[0] == '-' {
			sign = "-"
		}
		exp = strings.TrimLeft(exp[1:], "0")
		if exp == "" {
			exp = "0"
		}
		s = mant + "e" + sign + exp
	}
	return s
}
