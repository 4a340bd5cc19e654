package netlist

import (
	"errors"
	"math"
	"strconv"
)

// ErrValue is returned (wrapped) by [ParseValue] for text that is not a
// SPICE number.
var ErrValue = errors.New("netlist: not a number")

// ParseValue parses a SPICE number: an optional sign, digits with an
// optional decimal point, an optional exponent (e or E, optional sign,
// digits), then an optional scale suffix in any case — f (1e-15), p (1e-12),
// n (1e-9), u (1e-6), m (1e-3), mil (25.4e-6), k (1e3), meg (1e6), g (1e9),
// t (1e12) — and any further letters, which are units and ignored: "1kohm"
// is 1000, "10uF" is 1e-5, "1MEG" is 1e6. As in SPICE, "1F" is one
// femto-something and "1M" is one milli. Scaling is exact up to the final
// rounding: "10u" parses as the decimal 10e-6.
//
// It returns an error wrapping [ErrValue] for empty text, a missing digit,
// a non-letter after the number, or a value that overflows float64.
func ParseValue(s string) (float64, error) {
	if len(s) == 1 && isDigit(s[0]) {
		return float64(s[0] - '0'), nil
	}
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, valueError(s, "expected a number")
	}
	mant := i // s[:mant] is the signed decimal mantissa
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		neg := false
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			neg = s[j] == '-'
			j++
		}
		k := j
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k > j { // an exponent; otherwise the e is a unit letter
			// Cap the magnitude: anything beyond ±10000 over- or
			// underflows whatever the mantissa and suffix are.
			e := 0
			for _, c := range s[j:k] {
				if e < 100000 {
					e = 10*e + int(c-'0')
				}
			}
			if neg {
				e = -e
			}
			exp = e
			i = k
		}
	}
	if i == len(s) {
		// A plain decimal (no suffix): strconv reads it as it stands, the
		// same correctly rounded value as mantissa·10^exp.
		v, err := strconv.ParseFloat(s, 64)
		return checkValue(s, v, err, false)
	}
	mil := false
	switch c := s[i] | 0x20; { // lower case of a letter
	case c == 'm' && len(s)-i >= 3 && s[i+1]|0x20 == 'e' && s[i+2]|0x20 == 'g':
		exp += 6
	case c == 'm' && len(s)-i >= 3 && s[i+1]|0x20 == 'i' && s[i+2]|0x20 == 'l':
		mil = true
	case isLetter(s[i]):
		exp += scale(c) // 0 for a plain unit letter
	}
	for j := i; j < len(s); j++ {
		if !isLetter(s[j]) {
			return 0, valueError(s, "unexpected "+strconv.QuoteRune(rune(s[j]))+" after the number")
		}
	}
	// mantissa "e" exp, in a stack buffer unless the mantissa is long.
	var buf [40]byte
	b := append(buf[:0], s[:mant]...)
	b = append(b, 'e')
	b = strconv.AppendInt(b, int64(exp), 10)
	v, err := strconv.ParseFloat(string(b), 64)
	return checkValue(s, v, err, mil)
}

// scale returns the power of ten of the SPICE scale suffix letter c (lower
// case), 0 for any other letter; "meg" and "mil" are handled apart, "mil"
// (25.4e-6) because it is not a power of ten.
func scale(c byte) int {
	switch c {
	case 'f':
		return -15
	case 'p':
		return -12
	case 'n':
		return -9
	case 'u':
		return -6
	case 'm':
		return -3
	case 'k':
		return 3
	case 'g':
		return 9
	case 't':
		return 12
	}
	return 0
}

// checkValue finishes ParseValue: the result of strconv (whose range
// errors become ±Inf or 0), scaled by 25.4e-6 for mil, or an error.
func checkValue(s string, v float64, err error, mil bool) (float64, error) {
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, valueError(s, "expected a number")
	}
	if mil {
		v *= 25.4e-6
	}
	if math.IsInf(v, 0) {
		return 0, valueError(s, "value out of range")
	}
	return v, nil
}

func valueError(s, msg string) error {
	return &valueErr{text: s, msg: msg}
}

// valueErr is the error of ParseValue; the parser turns it into a
// positioned ParseError.
type valueErr struct{ text, msg string }

func (e *valueErr) Error() string { return "netlist: " + strconv.Quote(e.text) + ": " + e.msg }
func (e *valueErr) Unwrap() error { return ErrValue }

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// FormatValue writes v exactly: the shortest decimal that reads back as the
// same float64 (up to 17 significant digits, so never fewer than needed to
// keep 12), in a form both [ParseValue] and ngspice accept: "1000", "1e-09",
// "-0.5", "0.30000000000000004".
func FormatValue(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
