package main

// Fast fixed-precision formatting of float64 for the CSV of tngd tran.
//
// appendG produces exactly the bytes of strconv.AppendFloat(dst, x, 'g',
// digits, 64) for 1 ≤ digits ≤ 17 (a test compares the two on millions of
// values), about twice as fast at 15 digits (go test -run '^$' -bench
// AppendG ./cmd/tngd), because it skips strconv's generic dispatch and
// decimal buffers, writes eight digits at a time and, for up to 15 digits
// of numbers from about 10^(digits−23) to 10^(digits−1), rounds in
// float64 arithmetic (fastDigits). Otherwise
// the digit generation is the fixed-precision algorithm of Go's
// internal/strconv (ftoafixed.go, Copyright 2025 The Go
// Authors, BSD licence): the value is multiplied by a 128-bit power of ten
// and rounded half to even from the 192-bit product, which is correctly
// rounded for every float64 up to 18 digits (Adams, "Ryū: fast
// float-to-string conversion", PLDI 2018). The powers of ten are in
// tran_pow10.go, generated and checked against math/big by
// TestPow10Table.

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
)

// maxDigits is the largest --digits: 17 significant digits identify every
// float64 (the CSV then parses back bit for bit).
const maxDigits = 17

var uint64pow10 = [...]uint64{
	1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

// appendG appends x formatted as strconv.AppendFloat(dst, x, 'g', digits,
// 64) does. It panics unless 1 ≤ digits ≤ 17.
func appendG(dst []byte, x float64, digits int) []byte {
	if digits < 1 || digits > maxDigits {
		panic("tngd: appendG: digits out of range")
	}
	b := math.Float64bits(x)
	exp := int(b>>52) & 0x7ff
	mant := b & (1<<52 - 1)
	switch {
	case exp == 0x7ff, exp == 0 && mant == 0:
		// Inf, NaN and zeros: rare, leave them to strconv.
		return strconv.AppendFloat(dst, x, 'g', digits, 64)
	case exp == 0:
		exp++ // subnormal
	default:
		mant |= 1 << 52
	}
	exp -= 1023 + 52
	var d [48]byte
	nd, dp, ok := fastDigits((*[24]byte)(d[:24]), math.Abs(x), exp+52, digits)
	if !ok {
		nd, dp = fixedDigits((*[24]byte)(d[:24]), mant, exp, digits)
	}
	// digitsAt(j) copies 24 bytes from digit j on: the caller keeps only
	// what it needs (fixed-size copies are register moves, not calls).
	digitsAt := func(dst []byte, j int) {
		*(*[24]byte)(dst) = *(*[24]byte)(d[24-digits+j:])
	}
	neg := b>>63 != 0

	// strconv's formatDigits for 'g' with precision digits, written
	// straight into the spare capacity of dst (at most 24 bytes, plus 24
	// of slack for the fixed-size copies).
	if cap(dst)-len(dst) < 48 {
		dst = append(dst, make([]byte, 48)...)[:len(dst)]
	}
	out := dst[len(dst) : len(dst)+48]
	n := 0
	if neg {
		out[0] = '-'
		n = 1
	}
	prec := digits
	eprec := prec
	if eprec > nd && nd >= dp {
		eprec = nd
	}
	if e := dp - 1; e < -4 || e >= eprec {
		// %e with min(prec, nd)−1 digits after the point (nd ≤ prec).
		out[n] = d[24-digits]
		n++
		if nd > 1 {
			out[n] = '.'
			n++
			digitsAt(out[n:], 1)
			n += nd - 1
		}
		sign := byte('+')
		if e < 0 {
			sign, e = '-', -e
		}
		out[n], out[n+1] = 'e', sign
		n += 2
		if e >= 100 {
			out[n] = byte(e/100) + '0'
			n++
			e %= 100
		}
		out[n], out[n+1] = byte(e/10)+'0', byte(e%10)+'0'
		return dst[:len(dst)+n+2]
	}
	// %f with max(prec', 0) decimals, prec' = (prec > dp ? nd : prec) − dp.
	if prec > dp {
		prec = nd
	}
	decimals := max(prec-dp, 0)
	if dp > 0 {
		m := min(nd, dp)
		digitsAt(out[n:], 0)
		n += m
		for ; m < dp; m++ {
			out[n] = '0'
			n++
		}
	} else {
		out[n] = '0'
		n++
	}
	if decimals > 0 {
		out[n] = '.'
		n++
		i := 0
		for ; i < decimals && dp+i < 0; i++ {
			out[n] = '0'
			n++
		}
		if j := dp + i; i < decimals && j < nd {
			k := min(nd-j, decimals-i)
			digitsAt(out[n:], j)
			n += k
			i += k
		}
		for ; i < decimals; i++ {
			out[n] = '0'
			n++
		}
	}
	return dst[:len(dst)+n]
}

// exactPow10 holds 10^0 … 10^22, the powers of ten that are float64s.
var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastDigits is fixedDigits in float64 arithmetic, for a normal x > 0 with
// binary exponent e2 = ⌊log₂x⌋, digits ≤ 15 and a scale 10^s, s =
// digits−1−⌊log₁₀x⌋, in [0, 22] (x from about 10^(digits−23) to
// 10^(digits−1); ok is false otherwise). x·10^s = hi + lo exactly (10^s
// is a float64 and lo is the FMA residual of the product), below 2⁵³, so
// rounding it half to even is decided exactly from the fraction of hi and
// the sign of (frac − ½) + lo, both exact.
func fastDigits(d *[24]byte, x float64, e2, digits int) (nd, dp int, ok bool) {
	if digits > 15 {
		return 0, 0, false
	}
	k := mulLog10_2(e2) // ⌊log₁₀x⌋ or one less
	top := float64(uint64pow10[digits])
	for range 2 {
		s := digits - 1 - k
		if s < 0 || s > 22 {
			return 0, 0, false
		}
		p := exactPow10[s]
		hi := x * p
		if hi >= top {
			k++ // k was one short
			continue
		}
		lo := math.FMA(x, p, -hi)
		fl := math.Floor(hi)
		n := uint64(fl)
		if t := (hi - fl - 0.5) + lo; t > 0 || t == 0 && n&1 == 1 {
			n++
		}
		dp = k + 1
		if n == uint64pow10[digits] {
			n = uint64pow10[digits-1] // 999… rolled over to 1000…
			dp++
		}
		formatBase10(d, n, digits)
		nd = digits
		for nd > 1 && d[24-digits+nd-1] == '0' {
			nd--
		}
		return nd, dp, true
	}
	return 0, 0, false
}

// fixedDigits stores the digits of mant·2^exp (mant > 0) rounded half to
// even to digits significant digits into d[24−digits:], and returns the
// number nd of them before the trailing zeros and the decimal point
// position dp: the value is 0.d₁d₂… × 10^dp. It is fixedFtoa of Go's internal/strconv for the
// 'e' and 'g' formats.
func fixedDigits(d *[24]byte, mant uint64, exp, digits int) (nd, dp int) {
	// Shift the mantissa to 64 bits so that the 192-bit product below has
	// at least 63 bits in its top word.
	s := 64 - bits.Len64(mant)
	mant <<= s
	exp -= s

	// 10^p scales mant·2^exp to digits digits plus a rounding bit.
	p := (digits - 1) - mulLog10_2(63+exp)
	pow := pow10Tab[p-pow10Min]
	exp2 := 1 + mulLog2_10(p)
	if -22 <= p && p < 0 {
		// Dividing by 10^q (q = −p ≤ 22): rounding the constant up makes
		// the division exact when mant is a multiple of 5^q (Hacker's
		// Delight, 2nd ed., ch. 10).
		pow[1]++
	}
	dm, lo1, lo0 := umul192(mant, pow)
	de := exp + exp2

	// dt ≠ 0 when bits were truncated from dm.
	var dt uint
	switch {
	default:
		dt = 1
	case 0 <= p && p <= 55:
		// 10^p is exact in 128 bits (5⁵⁵ < 2¹²⁸).
		dt = bool2uint(lo1|lo0 != 0)
	case -22 <= p && p < 0 && divisiblePow5(mant, -p):
		dt = 0
	}

	// dm·2^de with one extra bit for rounding.
	shift := -de - 1
	dt |= bool2uint(dm&(1<<shift-1) != 0)
	dm >>= shift
	dp = digits - p

	top := uint64pow10[digits] << 1
	if dm >= top {
		var r uint
		dm, r = dm/10, uint(dm%10)
		dt |= bool2uint(r != 0)
		dp++
	}
	// Round half to even and drop the rounding bit.
	dm += uint64(uint(dm) & (dt | uint(dm)>>1) & 1)
	dm >>= 1
	if dm == top>>1 {
		dm = uint64pow10[digits-1] // 999… rolled over to 1000…
		dp++
	}
	formatBase10(d, dm, digits)
	nd = digits
	for nd > 1 && d[24-digits+nd-1] == '0' {
		nd--
	}
	return nd, dp
}

// formatBase10 writes the digits of u < 10^digits, digits ≤ 17, into
// d[24−digits:], padded with leading zeros.
func formatBase10(d *[24]byte, u uint64, digits int) {
	if digits <= 8 {
		write8(d[16:24], uint32(u))
		return
	}
	write8(d[16:24], uint32(u%1e8))
	u /= 1e8
	write8(d[8:16], uint32(u%1e8))
	d[7] = byte('0' + u/1e8)
}

// write8 writes v < 10^8 as eight decimal digits into a[:8], with SIMD
// within a register: the two 4-digit halves in 32-bit lanes, then the
// four 2-digit quarters in 16-bit lanes, then the eight digits in bytes;
// division by 100 and 10 in the lanes is by multiplication, exact for the
// ranges used: ⌊10486n/2²⁰⌋ = ⌊n/100⌋ for n < 10⁴ and ⌊103n/2¹⁰⌋ =
// ⌊n/10⌋ for n < 100 (TestWrite8 checks every v of a sample and the
// edges).
func write8(a []byte, v uint32) {
	x := uint64(v/10000) | uint64(v%10000)<<32
	hi := (x * 10486 >> 20) & 0x0000007f0000007f
	y := hi | (x-hi*100)<<16
	t := (y * 103 >> 10) & 0x000f000f000f000f
	z := t | (y-t*10)<<8
	binary.LittleEndian.PutUint64(a, z|0x3030303030303030)
}

// umul192 returns the 192-bit product x·y, y = y[0]·2⁶⁴ + y[1].
func umul192(x uint64, y [2]uint64) (hi, mid, lo uint64) {
	mid1, lo := bits.Mul64(x, y[1])
	hi, mid2 := bits.Mul64(x, y[0])
	mid, carry := bits.Add64(mid1, mid2, 0)
	return hi + carry, mid, lo
}

// mulLog10_2 returns ⌊x·log₁₀2⌋ for −1600 ≤ x ≤ 1600 (78913/2¹⁸ ≈
// log₁₀2; the range is checked by TestMulLog).
func mulLog10_2(x int) int { return (x * 78913) >> 18 }

// mulLog2_10 returns ⌊x·log₂10⌋ for −500 ≤ x ≤ 500 (108853/2¹⁵ ≈ log₂10).
func mulLog2_10(x int) int { return (x * 108853) >> 15 }

func bool2uint(b bool) uint {
	if b {
		return 1
	}
	return 0
}

// divisiblePow5 reports whether x is divisible by 5^p, 1 ≤ p ≤ 22 (false
// otherwise), by multiplying with the inverse of 5^p modulo 2⁶⁴ (Hacker's
// Delight, 2nd ed., §10-16).
func divisiblePow5(x uint64, p int) bool {
	if p < 1 || p > 22 {
		return false
	}
	inv, lim := uint64(1), uint64(math.MaxUint64)
	for range p {
		inv *= 0xcccccccccccccccd // 5⁻¹ mod 2⁶⁴
		lim /= 5
	}
	return x*inv <= lim
}
