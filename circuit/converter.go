package circuit

import (
	"math"
	"math/rand/v2"
)

// quantizeSigned rounds v to the signed mid-tread code of bits bits over ±fs:
// levels k·fs/(2^(bits−1) − 1), |k| ≤ 2^(bits−1) − 1. bits = 0 returns v.
func quantizeSigned(v float64, bits int, fs float64) float64 {
	if bits == 0 {
		return v
	}
	levels := math.Exp2(float64(bits-1)) - 1
	step := fs / levels
	k := math.Round(v / step)
	k = math.Max(-levels, math.Min(levels, k))
	return k * step
}

// clipRange limits v to ±fs when fs > 0, and reports whether it did.
func clipRange(v, fs float64) (float64, bool) {
	if fs > 0 && math.Abs(v) > fs {
		return math.Copysign(fs, v), true
	}
	return v, false
}

// Reference returns the voltage that the controller maps the largest input
// value to: FullScale, or 1 V when it is zero.
func (d DAC) Reference() float64 {
	if d.FullScale > 0 {
		return d.FullScale
	}
	return 1
}

// Output returns the voltage the DAC produces for the requested voltage v:
// clipped to ±FullScale (when set; clipped reports it) and rounded to its
// code (when Bits > 0).
func (d DAC) Output(v float64) (out float64, clipped bool) {
	out, clipped = clipRange(v, d.FullScale)
	return quantizeSigned(out, d.Bits, d.FullScale), clipped
}

// Read returns the ADC's reading of the voltage v: v plus input-referred
// noise drawn from rng (when Noise > 0), clipped to ±FullScale (when set;
// clipped reports it) and rounded to its code (when Bits > 0). rng may be
// nil only when Noise is zero.
func (a ADC) Read(v float64, rng *rand.Rand) (out float64, clipped bool) {
	if a.Noise > 0 {
		v += a.Noise * rng.NormFloat64()
	}
	out, clipped = clipRange(v, a.FullScale)
	return quantizeSigned(out, a.Bits, a.FullScale), clipped
}
