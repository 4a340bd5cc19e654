package circuit

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// ResistorArray is a rows×cols crossbar of programmable conductances
// holding a signed matrix. Entry (i, j) is a differential pair: the
// conductance G⁺ connects the j-th input's positive copy and G⁻ its
// inverted copy to the i-th output's summing node, so the output sees the
// signed conductance G⁺ − G⁻ (in siemens).
//
// Programming a value v (in siemens, after the controller's scaling) sets
// the side of its sign to G_min + |v| and the other side to G_min, so an
// ideal array represents negative entries exactly. Then, as described by
// [ArraySpec]: |v| beyond G_max − G_min clips (counted); each conductance is
// rounded to its B-bit code; each device gets its relative programming
// error; stuck devices keep G_min or G_max.
//
// A ResistorArray owns its conductance matrices; the accessors return views
// that must not be modified.
type ResistorArray struct {
	spec        ArraySpec
	rows, cols  int
	plus, minus *mat.Dense
	stuck       []stuckDevice // sorted by device
}

// stuckDevice is a device that ignores programming. Device numbers are
// 2·(i·cols + j) for G⁺ and 2·(i·cols + j) + 1 for G⁻.
type stuckDevice struct {
	device int
	high   bool // stuck at G_max, else at G_min
}

// ArrayReport says what one programming of a [ResistorArray] did.
type ArrayReport struct {
	Entries int // signed entries written (differential pairs)
	Clipped int // entries whose value exceeded G_max − G_min and were clipped
}

// NewResistorArray returns a rows×cols array described by spec, with every
// device at G_min. A zero spec.GMax means 1/DefaultR. The stuck devices are
// drawn from rng now (they belong to the chip, not to a programming); rng is
// used again by [ResistorArray.Program]. It panics if rows or cols < 1, if
// rng is nil, or if spec is invalid (see [Hardware.Validate]).
func NewResistorArray(spec ArraySpec, rows, cols int, rng *rand.Rand) *ResistorArray {
	if rows < 1 || cols < 1 {
		panic("circuit: resistor array dimensions must be positive")
	}
	if rng == nil {
		panic("circuit: nil random source for resistor array")
	}
	if spec.GMax == 0 {
		spec.GMax = 1 / DefaultR
	}
	if err := (&Hardware{R: 1 / spec.GMax, Arrays: spec}).Validate(); err != nil {
		panic("circuit: resistor array: " + err.Error())
	}
	a := &ResistorArray{spec: spec, rows: rows, cols: cols, plus: mat.NewDense(rows, cols, nil), minus: mat.NewDense(rows, cols, nil)}
	if spec.GMin != 0 {
		fillValue(a.plus.RawMatrix().Data, spec.GMin)
		fillValue(a.minus.RawMatrix().Data, spec.GMin)
	}
	if p := spec.StuckAtMin + spec.StuckAtMax; p > 0 {
		// Walk the devices with geometric gaps: P(stuck) = p for each,
		// independently, at a cost proportional to the stuck count.
		n := 2 * rows * cols
		logq := math.Log1p(-p)
		for d := -1; ; {
			if p >= 1 {
				d++
			} else {
				d += 1 + int(math.Floor(math.Log(1-rng.Float64())/logq))
			}
			if d >= n || d < 0 {
				break
			}
			a.stuck = append(a.stuck, stuckDevice{device: d, high: rng.Float64()*p < spec.StuckAtMax})
		}
	}
	return a
}

func fillValue(s []float64, v float64) {
	for i := range s {
		s[i] = v
	}
}

// Dims returns the number of rows and columns.
func (a *ResistorArray) Dims() (rows, cols int) { return a.rows, a.cols }

// Spec returns the array's description (with G_max resolved).
func (a *ResistorArray) Spec() ArraySpec { return a.spec }

// Conductances returns the conductances G⁺ and G⁻ of every pair, in
// siemens, as set by the last programming (all G_min before the first).
// The matrices are views into the array: do not modify them.
func (a *ResistorArray) Conductances() (plus, minus *mat.Dense) { return a.plus, a.minus }

// Stuck returns the number of stuck devices.
func (a *ResistorArray) Stuck() int { return len(a.stuck) }

// Step returns the conductance step of one code, in siemens, or 0 for an
// unquantized array.
func (a *ResistorArray) Step() float64 {
	if a.spec.Bits == 0 {
		return 0
	}
	return (a.spec.GMax - a.spec.GMin) / (math.Exp2(float64(a.spec.Bits)) - 1)
}

// Program sets every pair so that G⁺ − G⁻ represents scale·target(i, j)
// siemens, with the imperfections of the spec; the programming errors are
// drawn from rng in row-major order, G⁺ before G⁻. target must
// be rows×cols (else Program panics); scale is in siemens per unit of
// target. Program retains nothing.
func (a *ResistorArray) Program(target mat.Matrix, scale float64, rng *rand.Rand) ArrayReport {
	if r, c := target.Dims(); r != a.rows || c != a.cols {
		panic("circuit: resistor array: target dimensions mismatch")
	}
	if rng == nil {
		panic("circuit: nil random source for resistor array")
	}
	s := a.spec
	span := s.GMax - s.GMin
	step := a.Step()
	rep := ArrayReport{Entries: a.rows * a.cols}
	pr, mr := a.plus.RawMatrix(), a.minus.RawMatrix()
	var raw []float64
	stride := 0
	if d, ok := target.(*mat.Dense); ok {
		rm := d.RawMatrix()
		raw, stride = rm.Data, rm.Stride
	}
	quant := func(g float64) float64 {
		if step == 0 {
			return g
		}
		return s.GMin + math.Round((g-s.GMin)/step)*step
	}
	for i := 0; i < a.rows; i++ {
		prow := pr.Data[i*pr.Stride : i*pr.Stride+a.cols]
		mrow := mr.Data[i*mr.Stride : i*mr.Stride+a.cols]
		for j := range prow {
			var t float64
			if raw != nil {
				t = raw[i*stride+j]
			} else {
				t = target.At(i, j)
			}
			v := scale * t
			if math.Abs(v) > span {
				rep.Clipped++
				v = math.Copysign(span, v)
			}
			gp, gm := s.GMin, s.GMin
			if v >= 0 {
				gp = quant(s.GMin + v)
			} else {
				gm = quant(s.GMin - v)
			}
			if s.ProgrammingError > 0 {
				gp = math.Max(0, gp*(1+s.ProgrammingError*rng.NormFloat64()))
				gm = math.Max(0, gm*(1+s.ProgrammingError*rng.NormFloat64()))
			}
			prow[j], mrow[j] = gp, gm
		}
	}
	for _, sd := range a.stuck {
		e := sd.device / 2
		g := s.GMin
		if sd.high {
			g = s.GMax
		}
		if sd.device%2 == 0 {
			pr.Data[(e/a.cols)*pr.Stride+e%a.cols] = g
		} else {
			mr.Data[(e/a.cols)*mr.Stride+e%a.cols] = g
		}
	}
	return rep
}

// DiffTo writes the signed conductances G⁺ − G⁻, multiplied by factor, into
// dst (rows×cols, else it panics; an empty dst is resized).
func (a *ResistorArray) DiffTo(dst *mat.Dense, factor float64) {
	if dst.IsEmpty() {
		dst.ReuseAs(a.rows, a.cols)
	}
	if r, c := dst.Dims(); r != a.rows || c != a.cols {
		panic("circuit: resistor array: destination dimensions mismatch")
	}
	pr, mr, dr := a.plus.RawMatrix(), a.minus.RawMatrix(), dst.RawMatrix()
	for i := 0; i < a.rows; i++ {
		p := pr.Data[i*pr.Stride : i*pr.Stride+a.cols]
		m := mr.Data[i*mr.Stride : i*mr.Stride+a.cols]
		d := dr.Data[i*dr.Stride : i*dr.Stride+a.cols]
		for j := range d {
			d[j] = factor * (p[j] - m[j])
		}
	}
}

// RowSumsTo writes into dst (length rows, else it panics) the total
// conductance Σ_j (G⁺ + G⁻) that each row's summing node sees, in siemens:
// what sets its Johnson noise and the noise gain of its op-amp.
func (a *ResistorArray) RowSumsTo(dst []float64) {
	if len(dst) != a.rows {
		panic("circuit: resistor array: row sums length mismatch")
	}
	pr, mr := a.plus.RawMatrix(), a.minus.RawMatrix()
	for i := 0; i < a.rows; i++ {
		p := pr.Data[i*pr.Stride : i*pr.Stride+a.cols]
		m := mr.Data[i*mr.Stride : i*mr.Stride+a.cols]
		var s float64
		for j := range p {
			s += p[j] + m[j]
		}
		dst[i] = s
	}
}
