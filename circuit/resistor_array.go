package circuit

import (
	"cmp"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/tngd/tngd/internal/gemm"
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
			gemm.ScaleAbs(&acc, drow, t, p.scale, d.factor) // G⁺ + G⁻ = |v|, G⁺ − G⁻ = v + 0
		case p.gmin == 0:
			clipped = arrayIdealSumDiff0(&acc, drow, t, p.scale, p.span, d.factor)
		default:
			clipped = arrayIdealSumDiff(&acc, drow, t, p.scale, p.span, p.gmin, d.factor)
		}
		a.sums[i] = (acc[0] + acc[1]) + (acc[2] + acc[3])
		return clipped
	}
	// The gain needs the row's sum: write G⁺ − G⁻ (1·x is exact) in the
	// same pass, then scale it, which rounds as f·(G⁺ − G⁻) does.
	clipped = arrayIdealSumDiff(&acc, drow, t, p.scale, p.span, p.gmin, 1)
	sum := (acc[0] + acc[1]) + (acc[2] + acc[3])
	a.sums[i] = sum
	f := d.factor * d.gain(sum)
	for j := range drow {
		drow[j] *= f
	}
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
			gemm.ScaleAbsT8(acc, dr.Data[lo*dr.Stride+k0:], dr.Stride, raw.Data[k0*raw.Stride+lo:], raw.Stride, n, scale, f)
		}
	}
	for ; k0+4 <= a.cols; k0 += 4 {
		r0 := raw.Data[(k0+0)*raw.Stride+lo : (k0+0)*raw.Stride+hi]
		r1 := raw.Data[(k0+1)*raw.Stride+lo : (k0+1)*raw.Stride+hi]
		r2 := raw.Data[(k0+2)*raw.Stride+lo : (k0+2)*raw.Stride+hi]
		r3 := raw.Data[(k0+3)*raw.Stride+lo : (k0+3)*raw.Stride+hi]
		r1, r2, r3 = r1[:len(r0)], r2[:len(r0)], r3[:len(r0)]
		o := lo*dr.Stride + k0
		if gmin == 0 && p.noClip {
			absCols(acc, dr.Data, o, dr.Stride, r0, r1, r2, r3, scale, f)
			continue
		}
		for ii := 0; ii < n; ii++ {
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
