package nn

import (
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas/blas64"
)

// The per-sample products of a Pass (the forward pass, the rows of the
// Jacobian and of the Gram matrix's cotangents, JVPs, VJPs, gradients and
// GGN products) run on up to GOMAXPROCS goroutines. The results do not
// depend on the number of workers, bit for bit:
//
//   - the work is cut into fixed chunks (one sample, or gradChunk samples
//     for the sums over the batch), claimed in any order;
//   - every output entry is written by the one chunk that owns it, with
//     the same operations in the same order as a single worker;
//   - a sum over the batch (gradient, VJP, GGN product) accumulates each
//     chunk into its own buffer, and the buffers are added in chunk order
//     by the caller.
//
// Each worker has its own scratch (cotangent and tangent buffers, the
// layers' tmp). The helper goroutines are long-lived and shared by all
// Passes (started on first use, one fewer than the largest worker count
// seen); the calling goroutine always works too and claims every chunk
// the helpers have not, so a busy pool delays nothing but its own share.

// gradChunk is the number of samples per chunk of the sums over the batch:
// at the usual b = 64, four chunks keep two to four cores busy, and the
// three extra gradient buffers (3·N values) cost little to add.
const gradChunk = 16

// scratch is one worker's buffers for backSample and jvpSample.
type scratch struct {
	bufs  [4][]float64 // 0, 1: backSample; 2, 3: jvpSample (maxSize each)
	tmp   []float64    // the layers' tmp
	unit  []float64    // dz: unit or product cotangent
	hz    []float64    // dz
	gws   [][]float64  // per layer: parameter-gradient destination
	store [][]float64  // per layer: copy of the output cotangent
}

// parKind names the per-chunk work of a parallel call.
type parKind int

const (
	parForward parKind = iota
	parJacobian
	parGram
	parJVP
	parGrad
	parVJP
	parGGN
	parQuad
	parWoodbury
)

// parState is the current parallel call of a Pass: what to do, the
// number of chunks, the next unclaimed chunk and the arguments.
type parState struct {
	kind parKind
	n    int
	next atomic.Int64
	wg   sync.WaitGroup

	out, in []float64      // destination and argument vectors
	parts   [][]float64    // per chunk: sum destinations
	mat     blas64.General // JacobianTo destination
}

// job is one helper's share of a parallel call: worker k of Pass p.
type job struct {
	p *Pass
	k int
}

// pool is the package's helper goroutines.
var pool struct {
	mu   sync.Mutex
	n    int
	jobs chan job
}

// startHelpers makes sure at least n helper goroutines run.
func startHelpers(n int) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.jobs == nil {
		pool.jobs = make(chan job, 64)
	}
	for ; pool.n < n; pool.n++ {
		go helper(pool.jobs)
	}
}

func helper(jobs <-chan job) {
	for j := range jobs {
		j.p.work(j.k)
		j.p.par.wg.Done()
	}
}

// numWorkers returns the number of workers for n chunks: p.workers (0
// means GOMAXPROCS), at most n, at least 1.
func (p *Pass) numWorkers(n int) int {
	w := p.workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return max(1, min(w, n))
}

// run does the work of kind on n chunks with the arguments already in
// p.par, on numWorkers(n) goroutines, and returns when every chunk is
// done.
func (p *Pass) run(kind parKind, n int) {
	w := p.numWorkers(n)
	p.ensureScratch(w)
	p.par.kind, p.par.n = kind, n
	p.par.next.Store(0)
	if w == 1 {
		p.work(0)
		return
	}
	startHelpers(w - 1)
	p.par.wg.Add(w - 1)
	for k := 1; k < w; k++ {
		pool.jobs <- job{p, k}
	}
	p.work(0)
	p.par.wg.Wait()
}

// ensureScratch gives the Pass the scratch of w workers (worker 0's
// aliases the Pass's own buffers).
func (p *Pass) ensureScratch(w int) {
	L := len(p.m.layers)
	if len(p.sc) == 0 {
		p.sc = append(p.sc, &scratch{bufs: p.bufs, tmp: p.tmp, unit: p.unit, hz: p.hz,
			gws: p.gws, store: p.store})
	}
	for len(p.sc) < w {
		sc := &scratch{tmp: make([]float64, len(p.tmp)), unit: make([]float64, p.dz),
			hz: make([]float64, p.dz), gws: make([][]float64, L), store: make([][]float64, L)}
		for i := range sc.bufs {
			sc.bufs[i] = make([]float64, p.m.maxSize)
		}
		p.sc = append(p.sc, sc)
	}
}

// work claims and does chunks as worker k until none is left.
func (p *Pass) work(k int) {
	sc := p.sc[k]
	for {
		i := int(p.par.next.Add(1) - 1)
		if i >= p.par.n {
			return
		}
		p.chunk(sc, i)
	}
}

// chunk does chunk i of the current call with scratch sc.
func (p *Pass) chunk(sc *scratch, i int) {
	dz := p.dz
	switch p.par.kind {
	case parForward:
		p.forwardSample(i)
	case parJacobian:
		p.jacobianSample(sc, i)
	case parGram:
		p.gramSample(sc, i)
	case parJVP:
		p.jvpSample(sc, p.par.out[i*dz:(i+1)*dz], i, p.par.in)
	case parGrad, parVJP, parGGN:
		p.sumChunk(sc, i)
	case parQuad:
		p.quadSample(sc, i)
	case parWoodbury:
		p.woodburyRows(i)
	}
}

// sumChunk accumulates the per-sample VJPs of chunk i (samples
// i·gradChunk to the end of the chunk, in order) into p.par.parts[i],
// cleared first.
func (p *Pass) sumChunk(sc *scratch, i int) {
	dz := p.dz
	dst := p.par.parts[i]
	clear(dst)
	p.setGwsIn(sc.gws, dst)
	for s := i * gradChunk; s < min((i+1)*gradChunk, p.b); s++ {
		switch p.par.kind {
		case parGrad:
			p.backSample(sc, s, p.gz[s*dz:(s+1)*dz], false)
		case parVJP:
			copy(sc.hz, p.par.in[s*dz:(s+1)*dz])
			p.backSample(sc, s, sc.hz, false)
		case parGGN:
			p.jvpSample(sc, sc.unit, s, p.par.in)
			mulBlocks(sc.hz, p.hess[s*dz*dz:(s+1)*dz*dz], sc.unit, dz)
			p.backSample(sc, s, sc.hz, false)
		}
	}
	p.setGwsIn(sc.gws, nil)
}

// sumOverBatch writes into dst (length N) the sum over the batch of the
// per-sample VJPs of kind (parGrad, parVJP or parGGN) with argument in:
// each chunk of gradChunk samples is summed in sample order, and the
// chunk sums are added in chunk order, whatever the number of workers.
func (p *Pass) sumOverBatch(kind parKind, dst, in []float64) {
	n := (p.b + gradChunk - 1) / gradChunk
	if cap(p.parts) < n {
		p.parts = make([][]float64, n)
	}
	parts := p.parts[:n]
	parts[0] = dst
	for c := 1; c < n; c++ {
		if len(parts[c]) != len(dst) {
			parts[c] = make([]float64, len(dst))
		}
	}
	p.par.in, p.par.parts = in, parts
	p.run(kind, n)
	for _, part := range parts[1:] {
		for j, v := range part {
			dst[j] += v
		}
	}
	parts[0] = nil
	p.par.in, p.par.parts = nil, nil
}
