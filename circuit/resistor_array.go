package circuit

import (
	"cmp"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas/blas64"
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
// that must not be modified. An exact array (no quantization, programming
// error or stuck devices) programmed by an [SPU] forms them only when they
// are first asked for (they are then a function of the target), so the
// first call of [ResistorArray.Conductances] or [ResistorArray.DiffTo]
// after such a programming costs a pass over the array. A ResistorArray is
// not safe for concurrent programming; its accessors may be called
// concurrently.
type ResistorArray struct {
	spec       ArraySpec
	rows, cols int
	sums       []float64     // Σ_j G⁺ + G⁻ of each row (arraySum order), kept current
	stuck      []stuckDevice // sorted by device

	// plus and minus hold G⁺ and G⁻ unless deferred is set; they are then
	// stale (or nil), and the conductances are those that programming
	// srcScale·src would set on this exact array (src nil: every device at
	// G_min). src is kept unchanged by its owner (the SPU) until the
	// array's next programming.
	matMu       sync.Mutex
	plus, minus *mat.Dense
	deferred    bool
	src         mat.Matrix
	srcScale    float64

	scratchMu sync.Mutex
	scratch   [][]float64 // per-worker buffers of Program
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
	// Every device starts at G_min: the conductances are formed when first
	// asked for, and every row has the same sum.
	a := &ResistorArray{spec: spec, rows: rows, cols: cols, deferred: true}
	g := make([]float64, cols)
	fillValue(g, spec.GMin)
	var acc [4]float64
	arraySum(&acc, g, g)
	a.sums = make([]float64, rows)
	fillValue(a.sums, (acc[0]+acc[1])+(acc[2]+acc[3]))
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
// The matrices are views into the array, valid until its next programming:
// do not modify them.
func (a *ResistorArray) Conductances() (plus, minus *mat.Dense) {
	a.materialize()
	return a.plus, a.minus
}

// exact reports whether the array's conductances are a function of its
// target alone (no quantization, programming error or stuck devices), so
// that programming may defer them (see programTo).
func (a *ResistorArray) exact() bool {
	return !arrayNoDefer && a.spec.Bits == 0 && a.spec.ProgrammingError == 0 && len(a.stuck) == 0
}

// arrayNoDefer, set by tests, makes every programming form the
// conductances (the reference the deferred path is checked against).
var arrayNoDefer bool

// allocate makes sure G⁺ and G⁻ exist (their contents are not set).
func (a *ResistorArray) allocate() {
	if a.plus == nil {
		a.plus, a.minus = mat.NewDense(a.rows, a.cols, nil), mat.NewDense(a.rows, a.cols, nil)
	}
}

// materialize forms deferred conductances: exactly what the programming
// that deferred them would have written.
func (a *ResistorArray) materialize() {
	a.matMu.Lock()
	defer a.matMu.Unlock()
	if !a.deferred {
		return
	}
	a.allocate()
	if a.src == nil {
		fillValue(a.plus.RawMatrix().Data, a.spec.GMin)
		fillValue(a.minus.RawMatrix().Data, a.spec.GMin)
	} else {
		// An ideal programming writes the same sums again, bit for bit.
		p := a.newProgram(a.srcScale)
		p.run(a.src)
	}
	a.deferred, a.src = false, nil
}

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
// siemens, with the imperfections of the spec. target must be rows×cols
// (else Program panics); scale is in siemens per unit of target. Program
// retains nothing.
//
// A value v = scale·target(i, j) sets the pair (G_min + v, G_min) for
// v ≥ 0 and (G_min, G_min − v) otherwise; |v| beyond G_max − G_min clips
// to it (counted); with B bits the magnitude |v| is rounded to the nearest
// of the 2^B − 1 code steps above G_min; each device's conductance G then
// becomes max(0, G·(1 + σ·z)), z a standard normal deviate and σ the
// programming error; stuck devices keep G_min or G_max.
//
// Draw order (nothing is drawn without a programming error): an array of
// fewer than 2¹⁶ entries draws its deviates from rng with NormFloat64, in
// row-major order, G⁺ before G⁻. A larger array draws two words k₁, k₂
// from rng; the deviates of its row i then come from a stream of the
// row's own, rand.New(rand.NewPCG(k₁, s_i)).NormFloat64() with s_i the
// (i+1)-th output of SplitMix64 seeded with k₂, in column order, G⁺ before
// G⁻. Its rows are programmed in parallel (at most GOMAXPROCS goroutines),
// and the result does not depend on how many.
//
// A *mat.Dense target, or the transpose of one (such as J.T() for a
// *mat.Dense J), is read directly; any other target through At, from one
// goroutine.
func (a *ResistorArray) Program(target mat.Matrix, scale float64, rng *rand.Rand) ArrayReport {
	return a.programTo(target, scale, rng, nil, nil)
}

// arrayDiff asks programTo to write, as it programs, what diffTo would:
// row i of dst (rows×cols) gets factor·gain(Σ_j G⁺ + G⁻)·(G⁺ − G⁻)_i, the
// sum being the row's (see RowSumsTo); gain nil means 1.
type arrayDiff struct {
	dst    *mat.Dense
	factor float64
	gain   func(rowSum float64) float64
}

// arrayKeep lets programTo defer the conductances of an exact array (see
// ResistorArray.exact): the array then writes only its row sums and the
// arrayDiff, and keeps src, a matrix equal to the target that its owner
// leaves unchanged until the array's next programming, to form them from
// when asked. With fill, programTo first copies the target into src, which
// must then be a *mat.Dense of the array's shape.
type arrayKeep struct {
	src  mat.Matrix
	fill bool
	// max, if positive, is max|target| (or more): when scale·max does not
	// exceed G_max − G_min, no entry clips and the kernels skip the test.
	max float64
}

// programTo is Program that also writes the signed conductances described
// by d (nil: none) while each row is still in cache. With keep (which
// needs d, and an exact array: else it panics) it defers the conductances
// instead of writing them; the results are bit for bit those of a
// programming without keep.
func (a *ResistorArray) programTo(target mat.Matrix, scale float64, rng *rand.Rand, d *arrayDiff, keep *arrayKeep) ArrayReport {
	if r, c := target.Dims(); r != a.rows || c != a.cols {
		panic("circuit: resistor array: target dimensions mismatch")
	}
	if rng == nil {
		panic("circuit: nil random source for resistor array")
	}
	p := a.newProgram(scale)
	if d != nil {
		if r, c := d.dst.Dims(); r != a.rows || c != a.cols {
			panic("circuit: resistor array: destination dimensions mismatch")
		}
		p.diff = d
	}
	if keep != nil {
		if d == nil || !a.exact() {
			panic("circuit: resistor array: deferred programming of an inexact array")
		}
		if keep.fill {
			f, ok := keep.src.(*mat.Dense)
			if !ok {
				panic("circuit: resistor array: deferred programming copies into a *mat.Dense")
			}
			if r, c := f.Dims(); r != a.rows || c != a.cols {
				panic("circuit: resistor array: copy dimensions mismatch")
			}
			p.fill = f.RawMatrix()
		}
		p.deferred = true
		p.noClip = keep.max > 0 && scale*keep.max <= p.span // |scale·x| ≤ scale·max: rounding is monotonic
	} else {
		a.matMu.Lock()
		a.allocate()
		a.deferred, a.src = false, nil
		a.matMu.Unlock()
	}
	if p.sigma > 0 {
		if a.rows*a.cols < arrayParallelMin {
			p.seq = rng // one goroutine, rows in order
		} else {
			p.k1, p.k2 = rng.Uint64(), rng.Uint64()
		}
	}
	clipped := p.run(target)
	if keep != nil {
		a.matMu.Lock()
		a.deferred, a.src, a.srcScale = true, keep.src, scale
		a.matMu.Unlock()
	}
	return ArrayReport{Entries: a.rows * a.cols, Clipped: clipped}
}

// newProgram returns a programming of a at scale (siemens per unit of
// target), without random source or outputs.
func (a *ResistorArray) newProgram(scale float64) *arrayProgram {
	s := a.spec
	p := &arrayProgram{a: a, scale: scale, span: s.GMax - s.GMin, gmin: s.GMin, step: a.Step(), sigma: s.ProgrammingError}
	if p.step > 0 {
		p.inv = 1 / p.step
	}
	return p
}

// run programs every row from target (rows×cols) and returns the number
// of clipped entries.
func (p *arrayProgram) run(target mat.Matrix) int {
	a := p.a
	cols := a.cols
	bh := arrayBlockRows(cols)
	work := a.rows * cols
	var clipped atomic.Int64
	switch t := target.(type) {
	case *mat.Dense:
		raw := t.RawMatrix()
		arrayParallel(a.rows, bh, work, func(w int) func(lo, hi int) {
			z, _ := a.scratchFor(w, 0)
			return func(lo, hi int) {
				c := 0
				for i := lo; i < hi; i++ {
					c += p.row(i, raw.Data[i*raw.Stride:i*raw.Stride+cols], z)
				}
				clipped.Add(int64(c))
			}
		})
	default:
		d, ok := transposedDense(target)
		if !ok {
			// Any other matrix: one goroutine (At need not be safe for
			// concurrent use).
			z, t := a.scratchFor(0, cols)
			c := 0
			for i := 0; i < a.rows; i++ {
				for j := range t {
					t[j] = target.At(i, j)
				}
				c += p.row(i, t, z)
			}
			clipped.Add(int64(c))
			break
		}
		raw := d.RawMatrix()
		if p.deferred && p.diff.gain == nil && p.fill.Data == nil {
			const bh = 256 // 8 rows of raw in 16 KiB, 16 KiB of destination lines
			arrayParallel(a.rows, bh, work, func(int) func(lo, hi int) {
				acc := make([][4]float64, bh)
				return func(lo, hi int) { clipped.Add(int64(p.deferredCols(raw, lo, hi, acc))) }
			})
			break
		}
		// Row i of the array is column i of d: transpose a block of rows
		// at a time into a buffer that stays in cache.
		arrayParallel(a.rows, bh, work, func(w int) func(lo, hi int) {
			z, tb := a.scratchFor(w, bh*cols)
			return func(lo, hi int) {
				for k := 0; k < cols; k++ {
					for ii, v := range raw.Data[k*raw.Stride+lo : k*raw.Stride+hi] {
						tb[ii*cols+k] = v
					}
				}
				c := 0
				for i := lo; i < hi; i++ {
					c += p.row(i, tb[(i-lo)*cols:(i-lo+1)*cols], z)
				}
				clipped.Add(int64(c))
			}
		})
	}
	return int(clipped.Load())
}

// transposedDense returns d when m is the transpose of a *mat.Dense d.
func transposedDense(m mat.Matrix) (*mat.Dense, bool) {
	u, ok := m.(mat.Untransposer)
	if !ok {
		return nil, false
	}
	d, ok := u.Untranspose().(*mat.Dense)
	return d, ok
}

// arrayChunk is the number of columns a row is programmed in at a time:
// two rows of 4 KiB and their 2·512 normal deviates stay in L1.
const arrayChunk = 512

// arrayBlockRows returns the rows per block of the fixed partition an array
// of cols columns is processed in: ≈ 256 KiB of float64 per block.
func arrayBlockRows(cols int) int { return max(1, 32768/cols) }

// arrayWorkers, if positive, replaces GOMAXPROCS as the number of
// goroutines that process an array (for tests of worker independence).
var arrayWorkers int

// arrayParallelMin is the work (array entries) below which arrayParallel
// uses one goroutine.
const arrayParallelMin = 1 << 16

// scratchFor returns worker w's buffers: 2·arrayChunk floats for normal
// deviates and n for target rows, kept by the array between programmings.
func (a *ResistorArray) scratchFor(w, n int) (z, t []float64) {
	a.scratchMu.Lock()
	defer a.scratchMu.Unlock()
	for len(a.scratch) <= w {
		a.scratch = append(a.scratch, nil)
	}
	if len(a.scratch[w]) < 2*arrayChunk+n {
		a.scratch[w] = make([]float64, 2*arrayChunk+n)
	}
	b := a.scratch[w]
	return b[:2*arrayChunk], b[2*arrayChunk : 2*arrayChunk+n]
}

// arrayParallel runs the fixed blocks [b·bh, min(rows, (b+1)·bh)) of rows
// on up to GOMAXPROCS goroutines (one below arrayParallelMin work). Each
// goroutine calls worker once with its index (0, 1, …) for its own block
// function; which goroutine runs a block must not change the result.
func arrayParallel(rows, bh, work int, worker func(w int) func(lo, hi int)) {
	nb := (rows + bh - 1) / bh
	nw := runtime.GOMAXPROCS(0)
	if arrayWorkers > 0 {
		nw = arrayWorkers
	}
	nw = min(nw, nb)
	if work < arrayParallelMin {
		nw = 1
	}
	if nw <= 1 {
		fn := worker(0)
		for b := range nb {
			fn(b*bh, min(rows, (b+1)*bh))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn := worker(w)
			for {
				b := int(next.Add(1)) - 1
				if b >= nb {
					return
				}
				fn(b*bh, min(rows, (b+1)*bh))
			}
		}()
	}
	wg.Wait()
}

// arrayProgram is one programming of an array (see Program).
type arrayProgram struct {
	a                                   *ResistorArray
	scale, span, gmin, step, inv, sigma float64
	k1, k2                              uint64         // row streams' keys (large arrays)
	seq                                 *rand.Rand     // the caller's source (small arrays)
	diff                                *arrayDiff     // nil: none
	deferred                            bool           // write sums and diff only (exact array)
	noClip                              bool           // with deferred: no entry clips
	fill                                blas64.General // with deferred: copy of the target (Data nil: none)
}

// row programs row i from the unscaled target row t (length cols), with z
// (length 2·arrayChunk) for the normal deviates, updates the row's sum and
// returns how many entries clipped.
func (p *arrayProgram) row(i int, t, z []float64) (clipped int) {
	if p.deferred {
		return p.deferredRow(i, t)
	}
	a := p.a
	pr, mr := a.plus.RawMatrix(), a.minus.RawMatrix()
	prow := pr.Data[i*pr.Stride : i*pr.Stride+a.cols]
	mrow := mr.Data[i*mr.Stride : i*mr.Stride+a.cols]
	var g pcgNormal
	if p.sigma > 0 && p.seq == nil {
		g = pcgNormal{hi: p.k1, lo: splitMix64(p.k2, uint64(i))}
	}
	// The row's stuck devices are a contiguous run of the sorted list.
	st, _ := slices.BinarySearchFunc(a.stuck, 2*i*a.cols, func(sd stuckDevice, d int) int { return cmp.Compare(sd.device, d) })
	var acc [4]float64
	for j0 := 0; j0 < a.cols; j0 += arrayChunk {
		j1 := min(j0+arrayChunk, a.cols)
		pc, mc, tc := prow[j0:j1], mrow[j0:j1], t[j0:j1]
		if p.step == 0 {
			clipped += p.ideal(pc, mc, tc)
		} else {
			clipped += p.quantized(pc, mc, tc)
		}
		if p.sigma > 0 {
			zc := z[:2*len(tc)]
			if p.seq != nil {
				for k := range zc {
					zc[k] = p.seq.NormFloat64()
				}
			} else {
				g.fill(zc)
			}
			arrayPerturb(pc, mc, zc, p.sigma)
		}
		for ; st < len(a.stuck) && a.stuck[st].device < 2*(i*a.cols+j1); st++ {
			sd := a.stuck[st]
			gs := p.gmin
			if sd.high {
				gs = a.spec.GMax
			}
			j := sd.device/2 - i*a.cols
			if sd.device%2 == 0 {
				prow[j] = gs
			} else {
				mrow[j] = gs
			}
		}
		arraySum(&acc, pc, mc)
		if d := p.diff; d != nil && d.gain == nil {
			dr := d.dst.RawMatrix()
			arrayDiffRow(dr.Data[i*dr.Stride+j0:i*dr.Stride+j1], pc, mc, d.factor)
		}
	}
	sum := (acc[0] + acc[1]) + (acc[2] + acc[3])
	a.sums[i] = sum
	if d := p.diff; d != nil && d.gain != nil {
		dr := d.dst.RawMatrix()
		arrayDiffRow(dr.Data[i*dr.Stride:i*dr.Stride+a.cols], prow, mrow, d.factor*d.gain(sum))
	}
	return clipped
}

// deferredRow is row for a deferred programming: it writes the row's sum,
// its arrayDiff row and its copy (p.fill) from the target row t, with the
// arithmetic of ideal, arraySum and arrayDiffRow, without storing G⁺ and
// G⁻.
func (p *arrayProgram) deferredRow(i int, t []float64) (clipped int) {
	a, d := p.a, p.diff
	if f := p.fill; f.Data != nil {
		copy(f.Data[i*f.Stride:i*f.Stride+a.cols], t)
	}
	dr := d.dst.RawMatrix()
	drow := dr.Data[i*dr.Stride : i*dr.Stride+a.cols]
	var acc [4]float64
	if d.gain == nil {
		switch {
		case p.gmin == 0 && p.noClip:
			arrayAbsSumDiff(&acc, drow, t, p.scale, d.factor)
		case p.gmin == 0:
			clipped = arrayIdealSumDiff0(&acc, drow, t, p.scale, p.span, d.factor)
		default:
			clipped = arrayIdealSumDiff(&acc, drow, t, p.scale, p.span, p.gmin, d.factor)
		}
		a.sums[i] = (acc[0] + acc[1]) + (acc[2] + acc[3])
		return clipped
	}
	clipped = arrayIdealSumDiff(&acc, nil, t, p.scale, p.span, p.gmin, 0)
	sum := (acc[0] + acc[1]) + (acc[2] + acc[3])
	a.sums[i] = sum
	acc = [4]float64{} // the sums again, unused
	arrayIdealSumDiff(&acc, drow, t, p.scale, p.span, p.gmin, d.factor*d.gain(sum))
	return clipped
}

// deferredCols programs rows lo … hi−1 of a deferred array whose target is
// the transpose of raw (row i of the array is column i of raw), for an
// arrayDiff without gain and no copy: it reads raw in tiles of 8 or 4 of
// its rows, so the target streams in its own layout, and writes each
// tile's entries of a destination row at once. acc (length ≥ hi − lo) holds the
// rows' partial sums, in the order of arraySum. It returns the number of
// clipped entries.
func (p *arrayProgram) deferredCols(raw blas64.General, lo, hi int, acc [][4]float64) (clipped int) {
	a := p.a
	dr := p.diff.dst.RawMatrix()
	scale, span, gmin, f := p.scale, p.span, p.gmin, p.diff.factor
	n := hi - lo
	acc = acc[:n]
	clear(acc)
	k0 := 0
	if gmin == 0 && p.noClip {
		// The common case (ideal arrays that do not clip): tiles of 8
		// rows of raw, a whole line of each destination row at a time.
		for ; k0+8 <= a.cols; k0 += 8 {
			b := k0*raw.Stride + lo
			absCols8(acc, dr.Data[lo*dr.Stride+k0:], dr.Stride, raw.Data[b:b+n], raw.Data[b+raw.Stride:b+raw.Stride+n],
				raw.Data[b+2*raw.Stride:b+2*raw.Stride+n], raw.Data[b+3*raw.Stride:b+3*raw.Stride+n],
				raw.Data[b+4*raw.Stride:b+4*raw.Stride+n], raw.Data[b+5*raw.Stride:b+5*raw.Stride+n],
				raw.Data[b+6*raw.Stride:b+6*raw.Stride+n], raw.Data[b+7*raw.Stride:b+7*raw.Stride+n], scale, f)
		}
	}
	for ; k0+4 <= a.cols; k0 += 4 {
		r0 := raw.Data[(k0+0)*raw.Stride+lo : (k0+0)*raw.Stride+hi]
		r1 := raw.Data[(k0+1)*raw.Stride+lo : (k0+1)*raw.Stride+hi]
		r2 := raw.Data[(k0+2)*raw.Stride+lo : (k0+2)*raw.Stride+hi]
		r3 := raw.Data[(k0+3)*raw.Stride+lo : (k0+3)*raw.Stride+hi]
		r1, r2, r3 = r1[:len(r0)], r2[:len(r0)], r3[:len(r0)]
		o := lo*dr.Stride + k0
		for ii := 0; ii < n; ii++ {
			if gmin == 0 && p.noClip {
				absCols(acc, dr.Data, o, dr.Stride, r0, r1, r2, r3, scale, f)
				break
			}
			if gmin == 0 {
				// Up to the next clip.
				ii = idealCols0(acc, dr.Data, o, dr.Stride, r0, r1, r2, r3, ii, scale, span, f)
				if ii == n {
					break
				}
			}
			out := dr.Data[o+ii*dr.Stride : o+ii*dr.Stride+4]
			s := &acc[ii]
			x := [4]float64{r0[ii], r1[ii], r2[ii], r3[ii]}
			for k, xk := range x {
				gp, gm, c := idealPair(scale*xk, span, gmin)
				clipped += c
				s[k] += gp + gm
				out[k] = f * (gp - gm)
			}
		}
	}
	// The last cols mod 4 rows of raw, one at a time.
	for q := 0; k0 < a.cols; k0, q = k0+1, q+1 {
		seg := raw.Data[k0*raw.Stride+lo : k0*raw.Stride+hi]
		for ii, x := range seg {
			gp, gm, c := idealPair(scale*x, span, gmin)
			clipped += c
			acc[ii][q] += gp + gm
			dr.Data[(lo+ii)*dr.Stride+k0] = f * (gp - gm)
		}
	}
	for ii, s := range acc {
		a.sums[lo+ii] = (s[0] + s[1]) + (s[2] + s[3])
	}
	return clipped
}

// idealCols0 is the inner loop of deferredCols for G_min = 0, where
// G⁺ + G⁻ = |v| and G⁺ − G⁻ = v + 0 (see arrayIdealSumDiff0): for ii =
// from, from+1, … it adds |v| of the tile's 4 entries r0[ii] … r3[ii] into
// acc[ii] and writes f·(v + 0) into d[o+ii·stride …], and returns the first
// ii with an entry that clips (untouched), or len(r0).
func idealCols0(acc [][4]float64, d []float64, o, stride int, r0, r1, r2, r3 []float64, from int, scale, span, f float64) int {
	n := len(r0)
	r1, r2, r3, acc = r1[:n], r2[:n], r3[:n], acc[:n]
	o += from * stride
	for ii := from; ii < n; ii, o = ii+1, o+stride {
		v0, v1, v2, v3 := scale*r0[ii], scale*r1[ii], scale*r2[ii], scale*r3[ii]
		a0, a1, a2, a3 := math.Abs(v0), math.Abs(v1), math.Abs(v2), math.Abs(v3)
		if a0 > span || a1 > span || a2 > span || a3 > span {
			return ii
		}
		s := &acc[ii]
		s[0] += a0
		s[1] += a1
		s[2] += a2
		s[3] += a3
		out := d[o : o+4 : o+4]
		out[0], out[1], out[2], out[3] = f*(v0+0), f*(v1+0), f*(v2+0), f*(v3+0)
	}
	return n
}

// absCols8 is absCols for a tile of 8 rows r0 … r7 of the target's
// transpose: a whole line of each destination row at a time, the row's
// partial sums in registers.
func absCols8(acc [][4]float64, d []float64, ds int, r0, r1, r2, r3, r4, r5, r6, r7 []float64, scale, f float64) {
	n := len(r0)
	r1, r2, r3, r4, r5, r6, r7, acc = r1[:n], r2[:n], r3[:n], r4[:n], r5[:n], r6[:n], r7[:n], acc[:n]
	o := 0
	for ii := range n {
		s := &acc[ii]
		out := d[o : o+8 : o+8]
		v0, v1, v2, v3 := scale*r0[ii], scale*r1[ii], scale*r2[ii], scale*r3[ii]
		s0 := s[0] + math.Abs(v0)
		s1 := s[1] + math.Abs(v1)
		s2 := s[2] + math.Abs(v2)
		s3 := s[3] + math.Abs(v3)
		out[0], out[1], out[2], out[3] = f*(v0+0), f*(v1+0), f*(v2+0), f*(v3+0)
		v0, v1, v2, v3 = scale*r4[ii], scale*r5[ii], scale*r6[ii], scale*r7[ii]
		s[0] = s0 + math.Abs(v0)
		s[1] = s1 + math.Abs(v1)
		s[2] = s2 + math.Abs(v2)
		s[3] = s3 + math.Abs(v3)
		out[4], out[5], out[6], out[7] = f*(v0+0), f*(v1+0), f*(v2+0), f*(v3+0)
		o += ds
	}
}

// absCols is idealCols0 when no entry clips.
func absCols(acc [][4]float64, d []float64, o, stride int, r0, r1, r2, r3 []float64, scale, f float64) {
	n := len(r0)
	r1, r2, r3, acc = r1[:n], r2[:n], r3[:n], acc[:n]
	for ii := range n {
		v0, v1, v2, v3 := scale*r0[ii], scale*r1[ii], scale*r2[ii], scale*r3[ii]
		s := &acc[ii]
		s[0] += math.Abs(v0)
		s[1] += math.Abs(v1)
		s[2] += math.Abs(v2)
		s[3] += math.Abs(v3)
		out := d[o : o+4 : o+4]
		out[0], out[1], out[2], out[3] = f*(v0+0), f*(v1+0), f*(v2+0), f*(v3+0)
		o += stride
	}
}

// arrayAbsSumDiff is arrayIdealSumDiff0 when no entry clips.
func arrayAbsSumDiff(acc *[4]float64, d, t []float64, scale, f float64) {
	d = d[:len(t)]
	s0, s1, s2, s3 := acc[0], acc[1], acc[2], acc[3]
	j := 0
	for ; j+4 <= len(t); j += 4 {
		t4, d4 := t[j:j+4:j+4], d[j:j+4:j+4]
		v0, v1, v2, v3 := scale*t4[0], scale*t4[1], scale*t4[2], scale*t4[3]
		s0 += math.Abs(v0)
		s1 += math.Abs(v1)
		s2 += math.Abs(v2)
		s3 += math.Abs(v3)
		d4[0], d4[1], d4[2], d4[3] = f*(v0+0), f*(v1+0), f*(v2+0), f*(v3+0)
	}
	for k := 0; j < len(t); j, k = j+1, k+1 {
		v := scale * t[j]
		switch k {
		case 0:
			s0 += math.Abs(v)
		case 1:
			s1 += math.Abs(v)
		default:
			s2 += math.Abs(v)
		}
		d[j] = f * (v + 0)
	}
	acc[0], acc[1], acc[2], acc[3] = s0, s1, s2, s3
}

// arrayIdealSumDiff computes, for the target t of an unquantized row, the
// pairs (G⁺, G⁻) that ideal would write and, without storing them, adds
// G⁺ + G⁻ into acc as arraySum does and writes f·(G⁺ − G⁻) into d as
// arrayDiffRow does (d nil: not). It returns the number of clipped
// entries.
func arrayIdealSumDiff(acc *[4]float64, d, t []float64, scale, span, gmin, f float64) (clipped int) {
	if d != nil {
		d = d[:len(t)]
	}
	s0, s1, s2, s3 := acc[0], acc[1], acc[2], acc[3]
	j := 0
	for ; j+4 <= len(t); j += 4 {
		t4 := t[j : j+4 : j+4]
		p0, m0, c0 := idealPair(scale*t4[0], span, gmin)
		p1, m1, c1 := idealPair(scale*t4[1], span, gmin)
		p2, m2, c2 := idealPair(scale*t4[2], span, gmin)
		p3, m3, c3 := idealPair(scale*t4[3], span, gmin)
		clipped += c0 + c1 + c2 + c3
		s0 += p0 + m0
		s1 += p1 + m1
		s2 += p2 + m2
		s3 += p3 + m3
		if d != nil {
			d4 := d[j : j+4 : j+4]
			d4[0] = f * (p0 - m0)
			d4[1] = f * (p1 - m1)
			d4[2] = f * (p2 - m2)
			d4[3] = f * (p3 - m3)
		}
	}
	for k := 0; j < len(t); j, k = j+1, k+1 {
		gp, gm, c := idealPair(scale*t[j], span, gmin)
		clipped += c
		switch k {
		case 0:
			s0 += gp + gm
		case 1:
			s1 += gp + gm
		default:
			s2 += gp + gm
		}
		if d != nil {
			d[j] = f * (gp - gm)
		}
	}
	acc[0], acc[1], acc[2], acc[3] = s0, s1, s2, s3
	return clipped
}

// idealPair returns the pair (G⁺, G⁻) that ideal writes for the value v,
// and 1 if v clipped.
func idealPair(v, span, gmin float64) (gp, gm float64, clipped int) {
	a := math.Abs(v)
	if a > span {
		a, v, clipped = span, math.Copysign(span, v), 1
	}
	return gmin + 0.5*(a+v), gmin + 0.5*(a-v), clipped
}

// arrayIdealSumDiff0 is arrayIdealSumDiff for G_min = 0 and d non-nil,
// where G⁺ + G⁻ = |v| and G⁺ − G⁻ = v + 0 exactly (v the clipped value:
// (G⁺, G⁻) is (0.5·2|v|, 0.5·0) or its mirror, both halvings exact; the
// + 0 turns −0 into the +0 of 0 − 0).
func arrayIdealSumDiff0(acc *[4]float64, d, t []float64, scale, span, f float64) (clipped int) {
	d = d[:len(t)]
	s0, s1, s2, s3 := acc[0], acc[1], acc[2], acc[3]
	j := 0
	for ; j+4 <= len(t); j += 4 {
		t4, d4 := t[j:j+4:j+4], d[j:j+4:j+4]
		v0, v1, v2, v3 := scale*t4[0], scale*t4[1], scale*t4[2], scale*t4[3]
		a0, a1, a2, a3 := math.Abs(v0), math.Abs(v1), math.Abs(v2), math.Abs(v3)
		if a0 > span || a1 > span || a2 > span || a3 > span {
			// A clip (rare): these four by the general code, in order.
			acc[0], acc[1], acc[2], acc[3] = s0, s1, s2, s3
			clipped += arrayIdealSumDiff(acc, d4, t4, scale, span, 0, f)
			s0, s1, s2, s3 = acc[0], acc[1], acc[2], acc[3]
			continue
		}
		s0 += a0
		s1 += a1
		s2 += a2
		s3 += a3
		d4[0] = f * (v0 + 0)
		d4[1] = f * (v1 + 0)
		d4[2] = f * (v2 + 0)
		d4[3] = f * (v3 + 0)
	}
	acc[0], acc[1], acc[2], acc[3] = s0, s1, s2, s3
	// The last len(t) mod 4 entries continue the interleaving (acc[0] …).
	return clipped + arrayIdealSumDiff(acc, d[j:], t[j:], scale, span, 0, f)
}

// arrayDiffRow writes f·(p − m) into d.
func arrayDiffRow(d, p, m []float64, f float64) {
	p, m = p[:len(d)], m[:len(d)]
	for j := range d {
		d[j] = f * (p[j] - m[j])
	}
}

// ideal writes the pairs of an unquantized chunk: with a = |v|, the pair
// is G_min + (a ± v)/2, which is exactly (G_min + |v|, G_min) on the side
// of v's sign.
func (p *arrayProgram) ideal(pc, mc, tc []float64) (clipped int) {
	scale, span, gmin := p.scale, p.span, p.gmin
	pc, mc = pc[:len(tc)], mc[:len(tc)]
	for j, x := range tc {
		v := scale * x
		a := math.Abs(v)
		if a > span {
			clipped++
			a = span
			v = math.Copysign(span, v)
		}
		pc[j] = gmin + 0.5*(a+v)
		mc[j] = gmin + 0.5*(a-v)
	}
	return clipped
}

// quantized writes the pairs of a chunk with |v| rounded to the code grid
// (v ≥ 0 here, so ⌊x + ½⌋ rounds half away from zero like math.Round).
func (p *arrayProgram) quantized(pc, mc, tc []float64) (clipped int) {
	scale, span, gmin, step, inv := p.scale, p.span, p.gmin, p.step, p.inv
	pc, mc = pc[:len(tc)], mc[:len(tc)]
	for j, x := range tc {
		v := scale * x
		a := math.Abs(v)
		if a > span {
			clipped++
			a = span
		}
		h := math.Floor(a*inv+0.5) * step
		pos := 0.5 * (h + math.Copysign(h, v)) // h for v ≥ 0, else 0
		pc[j] = gmin + pos
		mc[j] = gmin + (h - pos)
	}
	return clipped
}

// arrayPerturb applies the relative programming errors σ·z (z interleaved:
// G⁺, G⁻ of each pair) to a chunk, clamping conductances at 0.
func arrayPerturb(pc, mc, z []float64, sigma float64) {
	mc, z = mc[:len(pc)], z[:2*len(pc)]
	for j := range pc {
		z2 := z[2*j : 2*j+2 : 2*j+2]
		gp := pc[j] * (1 + sigma*z2[0])
		gm := mc[j] * (1 + sigma*z2[1])
		if gp < 0 {
			gp = 0
		}
		if gm < 0 {
			gm = 0
		}
		pc[j], mc[j] = gp, gm
	}
}

// arraySum adds p[j] + m[j] into acc[j mod 4] (j counted from a multiple of
// 4): the summation order of the row sums, fixed so that they do not
// depend on how a row is split.
func arraySum(acc *[4]float64, p, m []float64) {
	s0, s1, s2, s3 := acc[0], acc[1], acc[2], acc[3]
	m = m[:len(p)]
	j := 0
	for ; j+4 <= len(p); j += 4 {
		p4, m4 := p[j:j+4:j+4], m[j:j+4:j+4]
		s0 += p4[0] + m4[0]
		s1 += p4[1] + m4[1]
		s2 += p4[2] + m4[2]
		s3 += p4[3] + m4[3]
	}
	for k := 0; j < len(p); j, k = j+1, k+1 {
		switch k {
		case 0:
			s0 += p[j] + m[j]
		case 1:
			s1 += p[j] + m[j]
		default:
			s2 += p[j] + m[j]
		}
	}
	acc[0], acc[1], acc[2], acc[3] = s0, s1, s2, s3
}

// DiffTo writes the signed conductances G⁺ − G⁻, multiplied by factor, into
// dst (rows×cols, else it panics; an empty dst is resized).
func (a *ResistorArray) DiffTo(dst *mat.Dense, factor float64) { a.diffTo(dst, factor, nil) }

// diffTo is DiffTo with row i multiplied by factor·rowFactor[i] (rowFactor
// nil: by factor alone).
func (a *ResistorArray) diffTo(dst *mat.Dense, factor float64, rowFactor []float64) {
	if dst.IsEmpty() {
		dst.ReuseAs(a.rows, a.cols)
	}
	if r, c := dst.Dims(); r != a.rows || c != a.cols {
		panic("circuit: resistor array: destination dimensions mismatch")
	}
	a.materialize()
	pr, mr, dr := a.plus.RawMatrix(), a.minus.RawMatrix(), dst.RawMatrix()
	arrayParallel(a.rows, arrayBlockRows(a.cols), a.rows*a.cols, func(int) func(lo, hi int) {
		return func(lo, hi int) {
			for i := lo; i < hi; i++ {
				f := factor
				if rowFactor != nil {
					f *= rowFactor[i]
				}
				arrayDiffRow(dr.Data[i*dr.Stride:i*dr.Stride+a.cols], pr.Data[i*pr.Stride:i*pr.Stride+a.cols], mr.Data[i*mr.Stride:i*mr.Stride+a.cols], f)
			}
		}
	})
}

// RowSumsTo writes into dst (length rows, else it panics) the total
// conductance Σ_j (G⁺ + G⁻) that each row's summing node sees, in siemens:
// what sets its Johnson noise and the noise gain of its op-amp. The sums
// are kept at each programming (in a fixed order: four interleaved partial
// sums), so this costs O(rows).
func (a *ResistorArray) RowSumsTo(dst []float64) {
	if len(dst) != a.rows {
		panic("circuit: resistor array: row sums length mismatch")
	}
	copy(dst, a.sums)
}

// splitMix64 returns the (i+1)-th output of SplitMix64 seeded with seed
// (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014): distinct i give distinct, well-mixed words.
func splitMix64(seed, i uint64) uint64 {
	z := seed + (i+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// pcgNormal is a rand.PCG whose state is kept in registers while it fills
// a slice with standard normal deviates: fill(dst) writes exactly what
// rand.New(rand.NewPCG(hi, lo)).NormFloat64() would return, in order,
// about 1.5 times faster (no interface call per draw). The generators are
// those of math/rand/v2: PCG-DXSM (O'Neill, pcg-cpp) and the ziggurat of
// Marsaglia & Tsang, "The Ziggurat Method for Generating Random Variables",
// J. Stat. Softw. 5(8), 2000, with Go's tables (pcgZigKn, pcgZigWn, pcgZigFn).
type pcgNormal struct{ hi, lo uint64 }

// pcgStep advances a PCG state (hi, lo) and returns the new state and its
// DXSM output (math/rand/v2's PCG.Uint64).
func pcgStep(hi, lo uint64) (nhi, nlo, out uint64) {
	const (
		mulHi    = 2549297995355413924
		mulLo    = 4865540595714422341
		incHi    = 6364136223846793005
		incLo    = 1442695040888963407
		cheapMul = 0xda942042e4dd58b5
	)
	h, l := bits.Mul64(lo, mulLo)
	h += hi*mulLo + lo*mulHi
	l, c := bits.Add64(l, incLo, 0)
	h, _ = bits.Add64(h, incHi, c)
	nhi, nlo = h, l
	h ^= h >> 32
	h *= cheapMul
	h ^= h >> 48
	return nhi, nlo, h * (l | 1)
}

func (g *pcgNormal) uint64() uint64 {
	var u uint64
	g.hi, g.lo, u = pcgStep(g.hi, g.lo)
	return u
}

// float64 is rand.Rand.Float64: uniform in [0, 1).
func (g *pcgNormal) float64() float64 { return float64(g.uint64()<<11>>11) / (1 << 53) }

// pcgZigR is the start of the ziggurat's tail.
const pcgZigR = 3.442619855899

// fill writes standard normal deviates into dst.
func (g *pcgNormal) fill(dst []float64) {
	hi, lo := g.hi, g.lo
	for k := range dst {
		var u uint64
		hi, lo, u = pcgStep(hi, lo)
		j := int32(u)
		i := u >> 32 & 0x7F
		x := float64(j) * float64(pcgZigWn[i])
		aj := uint32(j)
		if j < 0 {
			aj = uint32(-j)
		}
		if aj < pcgZigKn[i] { // more than 99 % of draws
			dst[k] = x
			continue
		}
		g.hi, g.lo = hi, lo
		dst[k] = g.slow(j, i, x)
		hi, lo = g.hi, g.lo
	}
	g.hi, g.lo = hi, lo
}

// slow finishes a draw whose first candidate (j, i, x) was rejected by the
// fast test, as rand.Rand.NormFloat64 does.
func (g *pcgNormal) slow(j int32, i uint64, x float64) float64 {
	for {
		if i == 0 {
			// The base strip: the tail beyond pcgZigR.
			for {
				x = -math.Log(g.float64()) * (1.0 / pcgZigR)
				y := -math.Log(g.float64())
				if y+y >= x*x {
					break
				}
			}
			if j > 0 {
				return pcgZigR + x
			}
			return -pcgZigR - x
		}
		if pcgZigFn[i]+float32(g.float64())*(pcgZigFn[i-1]-pcgZigFn[i]) < float32(math.Exp(-.5*x*x)) {
			return x
		}
		u := g.uint64()
		j = int32(u)
		i = u >> 32 & 0x7F
		x = float64(j) * float64(pcgZigWn[i])
		aj := uint32(j)
		if j < 0 {
			aj = uint32(-j)
		}
		if aj < pcgZigKn[i] {
			return x
		}
	}
}

// The ziggurat tables of math/rand/v2 (normal.go, Copyright 2009 The Go
// Authors, BSD licence), so that pcgNormal reproduces NormFloat64.
var pcgZigKn = [128]uint32{
	0x76ad2212, 0x0, 0x600f1b53, 0x6ce447a6, 0x725b46a2,
	0x7560051d, 0x774921eb, 0x789a25bd, 0x799045c3, 0x7a4bce5d,
	0x7adf629f, 0x7b5682a6, 0x7bb8a8c6, 0x7c0ae722, 0x7c50cce7,
	0x7c8cec5b, 0x7cc12cd6, 0x7ceefed2, 0x7d177e0b, 0x7d3b8883,
	0x7d5bce6c, 0x7d78dd64, 0x7d932886, 0x7dab0e57, 0x7dc0dd30,
	0x7dd4d688, 0x7de73185, 0x7df81cea, 0x7e07c0a3, 0x7e163efa,
	0x7e23b587, 0x7e303dfd, 0x7e3beec2, 0x7e46db77, 0x7e51155d,
	0x7e5aabb3, 0x7e63abf7, 0x7e6c222c, 0x7e741906, 0x7e7b9a18,
	0x7e82adfa, 0x7e895c63, 0x7e8fac4b, 0x7e95a3fb, 0x7e9b4924,
	0x7ea0a0ef, 0x7ea5b00d, 0x7eaa7ac3, 0x7eaf04f3, 0x7eb3522a,
	0x7eb765a5, 0x7ebb4259, 0x7ebeeafd, 0x7ec2620a, 0x7ec5a9c4,
	0x7ec8c441, 0x7ecbb365, 0x7ece78ed, 0x7ed11671, 0x7ed38d62,
	0x7ed5df12, 0x7ed80cb4, 0x7eda175c, 0x7edc0005, 0x7eddc78e,
	0x7edf6ebf, 0x7ee0f647, 0x7ee25ebe, 0x7ee3a8a9, 0x7ee4d473,
	0x7ee5e276, 0x7ee6d2f5, 0x7ee7a620, 0x7ee85c10, 0x7ee8f4cd,
	0x7ee97047, 0x7ee9ce59, 0x7eea0eca, 0x7eea3147, 0x7eea3568,
	0x7eea1aab, 0x7ee9e071, 0x7ee98602, 0x7ee90a88, 0x7ee86d08,
	0x7ee7ac6a, 0x7ee6c769, 0x7ee5bc9c, 0x7ee48a67, 0x7ee32efc,
	0x7ee1a857, 0x7edff42f, 0x7ede0ffa, 0x7edbf8d9, 0x7ed9ab94,
	0x7ed7248d, 0x7ed45fae, 0x7ed1585c, 0x7ece095f, 0x7eca6ccb,
	0x7ec67be2, 0x7ec22eee, 0x7ebd7d1a, 0x7eb85c35, 0x7eb2c075,
	0x7eac9c20, 0x7ea5df27, 0x7e9e769f, 0x7e964c16, 0x7e8d44ba,
	0x7e834033, 0x7e781728, 0x7e6b9933, 0x7e5d8a1a, 0x7e4d9ded,
	0x7e3b737a, 0x7e268c2f, 0x7e0e3ff5, 0x7df1aa5d, 0x7dcf8c72,
	0x7da61a1e, 0x7d72a0fb, 0x7d30e097, 0x7cd9b4ab, 0x7c600f1a,
	0x7ba90bdc, 0x7a722176, 0x77d664e5,
}
var pcgZigWn = [128]float32{
	1.7290405e-09, 1.2680929e-10, 1.6897518e-10, 1.9862688e-10,
	2.2232431e-10, 2.4244937e-10, 2.601613e-10, 2.7611988e-10,
	2.9073963e-10, 3.042997e-10, 3.1699796e-10, 3.289802e-10,
	3.4035738e-10, 3.5121603e-10, 3.616251e-10, 3.7164058e-10,
	3.8130857e-10, 3.9066758e-10, 3.9975012e-10, 4.08584e-10,
	4.1719309e-10, 4.2559822e-10, 4.338176e-10, 4.418672e-10,
	4.497613e-10, 4.5751258e-10, 4.651324e-10, 4.7263105e-10,
	4.8001775e-10, 4.87301e-10, 4.944885e-10, 5.015873e-10,
	5.0860405e-10, 5.155446e-10, 5.2241467e-10, 5.2921934e-10,
	5.359635e-10, 5.426517e-10, 5.4928817e-10, 5.5587696e-10,
	5.624219e-10, 5.6892646e-10, 5.753941e-10, 5.818282e-10,
	5.882317e-10, 5.946077e-10, 6.00959e-10, 6.072884e-10,
	6.135985e-10, 6.19892e-10, 6.2617134e-10, 6.3243905e-10,
	6.386974e-10, 6.449488e-10, 6.511956e-10, 6.5744005e-10,
	6.6368433e-10, 6.699307e-10, 6.7618144e-10, 6.824387e-10,
	6.8870465e-10, 6.949815e-10, 7.012715e-10, 7.075768e-10,
	7.1389966e-10, 7.202424e-10, 7.266073e-10, 7.329966e-10,
	7.394128e-10, 7.4585826e-10, 7.5233547e-10, 7.58847e-10,
	7.653954e-10, 7.719835e-10, 7.7861395e-10, 7.852897e-10,
	7.920138e-10, 7.987892e-10, 8.0561924e-10, 8.125073e-10,
	8.194569e-10, 8.2647167e-10, 8.3355556e-10, 8.407127e-10,
	8.479473e-10, 8.55264e-10, 8.6266755e-10, 8.7016316e-10,
	8.777562e-10, 8.8545243e-10, 8.932582e-10, 9.0117996e-10,
	9.09225e-10, 9.174008e-10, 9.2571584e-10, 9.341788e-10,
	9.427997e-10, 9.515889e-10, 9.605579e-10, 9.697193e-10,
	9.790869e-10, 9.88676e-10, 9.985036e-10, 1.0085882e-09,
	1.0189509e-09, 1.0296151e-09, 1.0406069e-09, 1.0519566e-09,
	1.063698e-09, 1.0758702e-09, 1.0885183e-09, 1.1016947e-09,
	1.1154611e-09, 1.1298902e-09, 1.1450696e-09, 1.1611052e-09,
	1.1781276e-09, 1.1962995e-09, 1.2158287e-09, 1.2369856e-09,
	1.2601323e-09, 1.2857697e-09, 1.3146202e-09, 1.347784e-09,
	1.3870636e-09, 1.4357403e-09, 1.5008659e-09, 1.6030948e-09,
}
var pcgZigFn = [128]float32{
	1, 0.9635997, 0.9362827, 0.9130436, 0.89228165, 0.87324303,
	0.8555006, 0.8387836, 0.8229072, 0.8077383, 0.793177,
	0.7791461, 0.7655842, 0.7524416, 0.73967725, 0.7272569,
	0.7151515, 0.7033361, 0.69178915, 0.68049186, 0.6694277,
	0.658582, 0.6479418, 0.63749546, 0.6272325, 0.6171434,
	0.6072195, 0.5974532, 0.58783704, 0.5783647, 0.56903,
	0.5598274, 0.5507518, 0.54179835, 0.5329627, 0.52424055,
	0.5156282, 0.50712204, 0.49871865, 0.49041483, 0.48220766,
	0.4740943, 0.46607214, 0.4581387, 0.45029163, 0.44252872,
	0.43484783, 0.427247, 0.41972435, 0.41227803, 0.40490642,
	0.39760786, 0.3903808, 0.3832238, 0.37613547, 0.36911446,
	0.3621595, 0.35526937, 0.34844297, 0.34167916, 0.33497685,
	0.3283351, 0.3217529, 0.3152294, 0.30876362, 0.30235484,
	0.29600215, 0.28970486, 0.2834622, 0.2772735, 0.27113807,
	0.2650553, 0.25902456, 0.2530453, 0.24711695, 0.241239,
	0.23541094, 0.22963232, 0.2239027, 0.21822165, 0.21258877,
	0.20700371, 0.20146611, 0.19597565, 0.19053204, 0.18513499,
	0.17978427, 0.17447963, 0.1692209, 0.16400786, 0.15884037,
	0.15371831, 0.14864157, 0.14361008, 0.13862377, 0.13368265,
	0.12878671, 0.12393598, 0.119130544, 0.11437051, 0.10965602,
	0.104987256, 0.10036444, 0.095787846, 0.0912578, 0.08677467,
	0.0823389, 0.077950984, 0.073611505, 0.06932112, 0.06508058,
	0.06089077, 0.056752663, 0.0526674, 0.048636295, 0.044660863,
	0.040742867, 0.03688439, 0.033087887, 0.029356318,
	0.025693292, 0.022103304, 0.018592102, 0.015167298,
	0.011839478, 0.008624485, 0.005548995, 0.0026696292,
}
