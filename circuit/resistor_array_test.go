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

// TestPCGNormalMatchesStdlib: pcgNormal.fill reproduces
// rand.New(rand.NewPCG(hi, lo)).NormFloat64 draw for draw (oracle: the
// standard library). 10⁶ draws take the slow wedge and tail paths
// (≈ 1.2 % of draws) thousands of times.
func TestPCGNormalMatchesStdlib(t *testing.T) {
	for _, seed := range [][2]uint64{{1, 2}, {0, 0}, {math.MaxUint64, 12345}} {
		ref := rand.New(rand.NewPCG(seed[0], seed[1]))
		g := pcgNormal{hi: seed[0], lo: seed[1]}
		buf := make([]float64, 1000)
		mismatch := 0
		for range 1000 {
			g.fill(buf)
			for _, v := range buf {
				if v != ref.NormFloat64() {
					mismatch++
				}
			}
		}
		assert.Zero(t, mismatch, "seed %v", seed)
	}
}

// denseT is a mat.Matrix that is neither a *mat.Dense nor a transpose, to
// exercise Program's generic path.
type denseT struct{ m *mat.Dense }

func (d denseT) Dims() (int, int)    { return d.m.Dims() }
func (d denseT) At(i, j int) float64 { return d.m.At(i, j) }
func (d denseT) T() mat.Matrix       { return mat.Transpose{Matrix: d} }

// TestResistorArrayProgramWorkers: programming (quantized, mismatched,
// stuck devices) gives bit-identical conductances, row sums and clip
// counts with 1, 2, 3 and 7 goroutines, and whether the target is a
// *mat.Dense, the transpose of one or another mat.Matrix (oracle: the
// same computation in one goroutine; the arrays have more than 2¹⁶
// entries, so the row streams are used).
func TestResistorArrayProgramWorkers(t *testing.T) {
	defer func(w int) { arrayWorkers = w }(arrayWorkers)
	const rows, cols = 130, 700 // 91,000 entries; blocks of 46 rows
	spec := ArraySpec{GMin: 1e-6, Bits: 10, ProgrammingError: 0.03, StuckAtMin: 0.01, StuckAtMax: 0.01}
	target := randMatrix(rows, cols, rand.New(rand.NewPCG(11, 12)))
	var tt mat.Dense
	tt.CloneFrom(target.T())
	type result struct {
		plus, minus *mat.Dense
		sums        []float64
		rep         ArrayReport
	}
	program := func(workers int, m mat.Matrix) result {
		arrayWorkers = workers
		rng := rand.New(rand.NewPCG(13, 14))
		a := NewResistorArray(spec, rows, cols, rng)
		rep := a.Program(m, 1.2e-3, rng) // some entries clip
		p, n := a.Conductances()
		sums := make([]float64, rows)
		a.RowSumsTo(sums)
		return result{mat.DenseCopyOf(p), mat.DenseCopyOf(n), sums, rep}
	}
	want := program(1, target)
	require.Positive(t, want.rep.Clipped)
	for _, tc := range []struct {
		name    string
		workers int
		m       mat.Matrix
	}{
		{"dense/2", 2, target}, {"dense/3", 3, target}, {"dense/7", 7, target},
		{"transpose/1", 1, tt.T()}, {"transpose/3", 3, tt.T()},
		{"generic/1", 1, denseT{target}}, {"generic/4", 4, denseT{target}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := program(tc.workers, tc.m)
			assert.True(t, mat.Equal(want.plus, got.plus), "G⁺")
			assert.True(t, mat.Equal(want.minus, got.minus), "G⁻")
			assert.Equal(t, want.sums, got.sums)
			assert.Equal(t, want.rep, got.rep)
		})
	}
}

// TestResistorArrayRowStreams: the programming errors of an array above
// 2¹⁶ entries (per-row streams) follow the reference definition of
// Program's doc comment exactly, and rows are uncorrelated. 300×300 pairs
// at the same value: the correlation of the G⁺ errors of adjacent rows,
// pooled over 299 pairs of 300 entries, has standard error
// 1/√(299·300) ≈ 0.0033; we allow 4 of them.
func TestResistorArrayRowStreams(t *testing.T) {
	const n, sigma = 300, 0.05
	src := rand.NewPCG(15, 16)
	rng := rand.New(src)
	a := NewResistorArray(ArraySpec{ProgrammingError: sigma}, n, n, rng)
	target := mat.NewDense(n, n, nil)
	for i := range target.RawMatrix().Data {
		target.RawMatrix().Data[i] = 0.5
	}
	clone := *src // the words Program will draw
	k1, k2 := clone.Uint64(), clone.Uint64()
	a.Program(target, 1e-3, rng)
	plus, minus := a.Conductances()
	e := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		row := rand.New(rand.NewPCG(k1, splitMix64(k2, uint64(i))))
		for j := 0; j < n; j++ {
			wp := math.Max(0, 0.5e-3*(1+sigma*row.NormFloat64()))
			wm := 0.0 * (1 + sigma*row.NormFloat64())
			require.Equal(t, wp, plus.At(i, j), "G⁺(%d, %d)", i, j)
			require.Equal(t, wm, minus.At(i, j), "G⁻(%d, %d)", i, j)
			e.Set(i, j, plus.At(i, j)/0.5e-3-1)
		}
	}
	var c, s2 float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			s2 += e.At(i, j) * e.At(i, j)
			if i+1 < n {
				c += e.At(i, j) * e.At(i+1, j)
			}
		}
	}
	corr := (c / float64((n-1)*n)) / (s2 / float64(n*n))
	assert.InDelta(t, 0, corr, 4*0.0033)
}
