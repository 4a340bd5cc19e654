package circuit

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func nan() float64 { return math.NaN() }

// randMatrix returns an r×c matrix with entries uniform in [−1, 1].
func randMatrix(r, c int, rng *rand.Rand) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, 2*rng.Float64()-1)
		}
	}
	return m
}

func TestResistorArrayIdealSigned(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	target := randMatrix(7, 5, rng)
	target.Set(0, 0, -1) // extremes of the range
	target.Set(0, 1, 1)
	for _, gmin := range []float64{0, 1e-5} {
		a := NewResistorArray(ArraySpec{GMin: gmin}, 7, 5, rng)
		scale := 1e-3 - gmin // full range
		rep := a.Program(target, scale, rng)
		assert.Equal(t, 35, rep.Entries)
		assert.Zero(t, rep.Clipped)
		var d mat.Dense
		a.DiffTo(&d, 1)
		plus, minus := a.Conductances()
		for i := 0; i < 7; i++ {
			for j := 0; j < 5; j++ {
				want := scale * target.At(i, j)
				if gmin == 0 {
					assert.Equal(t, want, d.At(i, j), "ideal pair must be exact")
				} else {
					// One rounding in G_min + |v| − G_min.
					assert.InDelta(t, want, d.At(i, j), 1e-19)
				}
				assert.GreaterOrEqual(t, plus.At(i, j), gmin)
				assert.GreaterOrEqual(t, minus.At(i, j), gmin)
				assert.Equal(t, gmin, math.Min(plus.At(i, j), minus.At(i, j)), "one side of each pair is off")
			}
		}
		sums := make([]float64, 7)
		a.RowSumsTo(sums)
		for i := range sums {
			want := 0.0
			for j := 0; j < 5; j++ {
				want += plus.At(i, j) + minus.At(i, j)
			}
			assert.InDelta(t, want, sums[i], 1e-18)
		}
	}
}

func TestResistorArrayClipAndQuantize(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	target := randMatrix(20, 30, rng)
	const bits = 4
	a := NewResistorArray(ArraySpec{GMin: 1e-6, Bits: bits}, 20, 30, rng)
	step := a.Step()
	assert.InDelta(t, (1e-3-1e-6)/15, step, 1e-18)
	scale := 1.5e-3 // beyond the range for |t| > 2/3
	rep := a.Program(target, scale, rng)
	clipped := 0
	var d mat.Dense
	a.DiffTo(&d, 1)
	plus, _ := a.Conductances()
	for i := 0; i < 20; i++ {
		for j := 0; j < 30; j++ {
			v := scale * target.At(i, j)
			if math.Abs(v) > 1e-3-1e-6 {
				clipped++
				v = math.Copysign(1e-3-1e-6, v)
			}
			// Rounding to the code grid errs by at most half a step.
			assert.LessOrEqual(t, math.Abs(d.At(i, j)-v), step/2+1e-18)
			c := (plus.At(i, j) - 1e-6) / step
			assert.InDelta(t, math.Round(c), c, 1e-9, "G⁺ on the code grid")
		}
	}
	assert.Equal(t, clipped, rep.Clipped)
	assert.Positive(t, clipped)
}

func TestResistorArrayProgrammingError(t *testing.T) {
	// 100×100 pairs all programmed to the same value: the relative
	// deviations of the 10⁴ G⁺ are N(0, σ²); their sample mean has standard
	// error σ/100 and their sample standard deviation σ/√(2·10⁴) ≈ 0.007σ.
	const sigma = 0.05
	rng := rand.New(rand.NewPCG(5, 6))
	a := NewResistorArray(ArraySpec{ProgrammingError: sigma}, 100, 100, rng)
	target := mat.NewDense(100, 100, nil)
	for i := range target.RawMatrix().Data {
		target.RawMatrix().Data[i] = 0.5
	}
	a.Program(target, 1e-3, rng)
	plus, _ := a.Conductances()
	var s, s2 float64
	for _, g := range plus.RawMatrix().Data {
		e := g/0.5e-3 - 1
		s += e
		s2 += e * e
	}
	mean := s / 1e4
	sd := math.Sqrt(s2/1e4 - mean*mean)
	assert.InDelta(t, 0, mean, 4*sigma/100)
	assert.InDelta(t, sigma, sd, 4*0.0071*sigma)
	// Re-programming draws new errors.
	before := plus.At(0, 0)
	a.Program(target, 1e-3, rng)
	assert.NotEqual(t, before, plus.At(0, 0))
}

func TestResistorArrayStuck(t *testing.T) {
	// 2·200·200 = 8·10⁴ devices, each stuck with p = 0.02 (binomial: mean
	// 1600, sd 40); of those, a fraction 0.25 high (sd ≈ 0.011 of the count).
	rng := rand.New(rand.NewPCG(7, 8))
	spec := ArraySpec{GMin: 1e-6, StuckAtMin: 0.015, StuckAtMax: 0.005}
	a := NewResistorArray(spec, 200, 200, rng)
	assert.InDelta(t, 1600, a.Stuck(), 4*40)
	high := 0
	for _, s := range a.stuck {
		if s.high {
			high++
		}
	}
	assert.InDelta(t, 0.25, float64(high)/float64(a.Stuck()), 4*0.011)
	target := randMatrix(200, 200, rng)
	a.Program(target, 0.5e-3, rng)
	plus, minus := a.Conductances()
	for _, s := range a.stuck {
		e := s.device / 2
		m := plus
		if s.device%2 == 1 {
			m = minus
		}
		want := spec.GMin
		if s.high {
			want = 1e-3
		}
		assert.Equal(t, want, m.At(e/200, e%200))
	}
	// Same seed, same chip.
	b := NewResistorArray(spec, 200, 200, rand.New(rand.NewPCG(7, 8)))
	assert.Equal(t, a.stuck, b.stuck)
}

func TestResistorArrayPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	assert.Panics(t, func() { NewResistorArray(ArraySpec{}, 0, 3, rng) })
	assert.Panics(t, func() { NewResistorArray(ArraySpec{}, 2, 3, nil) })
	a := NewResistorArray(ArraySpec{}, 2, 3, rng)
	assert.Panics(t, func() { a.Program(mat.NewDense(3, 2, nil), 1, rng) })
}

func TestConverters(t *testing.T) {
	d := DAC{Bits: 3, FullScale: 1.5} // levels k·0.5, |k| ≤ 3
	for _, tc := range []struct {
		in, out float64
		clipped bool
	}{
		{0.2, 0, false}, {0.3, 0.5, false}, {-1.2, -1.0, false}, {1.5, 1.5, false}, {2, 1.5, true}, {-9, -1.5, true},
	} {
		out, c := d.Output(tc.in)
		assert.InDelta(t, tc.out, out, 1e-15, "in %v", tc.in)
		assert.Equal(t, tc.clipped, c)
	}
	ideal := DAC{}
	out, c := ideal.Output(123.456)
	assert.Equal(t, 123.456, out)
	assert.False(t, c)
	assert.Equal(t, 1.0, ideal.Reference())

	// ADC noise: 10⁴ readings of 0 with σ = 0.01 V; sample sd has relative
	// standard error 1/√(2·10⁴) ≈ 0.7 %.
	rng := rand.New(rand.NewPCG(9, 10))
	adc := ADC{Noise: 0.01}
	var s2 float64
	for range 10000 {
		v, _ := adc.Read(0, rng)
		s2 += v * v
	}
	assert.InEpsilon(t, 0.01, math.Sqrt(s2/1e4), 4*0.007)
	v, c := ADC{Bits: 8, FullScale: 1}.Read(0.75, nil)
	require.False(t, c)
	assert.InDelta(t, 95.0/127, v, 1e-15)
}
