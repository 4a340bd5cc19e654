package netlist

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// ErrValue is returned (wrapped) by [ParseValue] for text that is not a
// SPICE number.
var ErrValue = errors.New("netlist: not a number")

// scale maps SPICE scale suffixes (lower case) to powers of ten; "mil"
// (25.4e-6) is handled apart because it is not a power of ten.
var scale = map[byte]int{'f': -15, 'p': -12, 'n': -9, 'u': -6, 'm': -3, 'k': 3, 'g': 9, 't': 12}

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
	i := 0
	var b strings.Builder
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		b.WriteByte(s[i])
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		b.WriteByte(s[i])
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		b.WriteByte('.')
		i++
		for i < len(s) && isDigit(s[i]) {
			b.WriteByte(s[i])
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, valueError(s, "expected a number")
	}
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
	mil := false
	if i < len(s) {
		rest := lowerASCII(s[i:])
		switch {
		case strings.HasPrefix(rest, "meg"):
			exp += 6
		case strings.HasPrefix(rest, "mil"):
			mil = true
		default:
			exp += scale[rest[0]] // 0 for a plain unit letter
		}
		for j := i; j < len(s); j++ {
			if !isLetter(s[j]) {
				return 0, valueError(s, "unexpected "+strconv.QuoteRune(rune(s[j]))+" after the number")
			}
		}
	}
	b.WriteString("e")
	b.WriteString(strconv.Itoa(exp))
	v, err := strconv.ParseFloat(b.String(), 64)
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
