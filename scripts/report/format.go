package main

import (
	"fmt"
	"math"
	"strings"
)

// Number formats of the report. NaN, a metric that does not apply or has no
// data, is written "–".

const dash = "–"

func pct(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return dash
	}
	return fmt.Sprintf("%.1f %%", 100*v)
}

func loss(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return dash
	}
	return fmt.Sprintf("%.4g", v)
}

func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return dash
	}
	return fmt.Sprintf("%.3g", v)
}

// count formats a mean count over seeds: an integer when it is one.
func count(v float64) string {
	if math.IsNaN(v) {
		return dash
	}
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// seconds formats a duration in seconds with an SI prefix: "15.7 ms".
func seconds(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return dash
	case v == 0:
		return "0 s"
	}
	a := math.Abs(v)
	for _, u := range []struct {
		scale  float64
		suffix string
	}{{1, "s"}, {1e-3, "ms"}, {1e-6, "µs"}, {1e-9, "ns"}} {
		if a >= u.scale {
			return fmt.Sprintf("%.3g %s", v/u.scale, u.suffix)
		}
	}
	return fmt.Sprintf("%.3g ns", v/1e-9)
}

// share formats part/total as a percentage.
func share(part, total float64) string {
	if !(total > 0) {
		return dash
	}
	return pct(part / total)
}

// ratio formats a/b as "3.2×".
func ratio(a, b float64) string {
	if !(b > 0) || math.IsNaN(a) {
		return dash
	}
	r := a / b
	if r >= 100 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.2g×", r)
}

// thousands writes a non-negative integer with spaces between groups of
// three digits, as the scenario files do: 1 570, 10 000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 1000 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// cell escapes a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
