package nn

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Pass evaluates a model and a loss on one minibatch at one θ and keeps the
// forward activations, so that the loss, the gradient and every curvature
// product (Jacobian, JVP, VJP, GGN-vector product, Gram matrix, output
// Hessian) reuse them. Create one per model and batch size with [NewPass]
// and call [Pass.Forward] for each minibatch. Forward, the gradient, the
// Jacobian, JVP, VJP, GGN products and GramTo allocate nothing after their
// first call (which sizes the workspaces); DampedSolveTo allocates a few
// small headers per call.
//
// Forward and the products run sample by sample on up to GOMAXPROCS
// goroutines, with results that do not depend on the number of
// goroutines, bit for bit: every output entry is computed by one goroutine
// in a fixed order, and the sums over the batch (gradient, VJP, GGN
// product) add fixed chunks of 16 samples in chunk order (see
// parallel.go).
//
// Conventions: b is the batch size of the last Forward, dz the model's
// output size, r = b·dz, and N the number of parameters. Row s·dz + o of the
// output Jacobian J (r×N) is ∂z_{s,o}/∂θ. The output Hessian H (r×r) is
// block diagonal with blocks H_s/b, the batch mean folded in, so that the
// generalized Gauss–Newton matrix F = JᵀHJ is the curvature of the mean
// loss (PHYSICS.md §1), and the gradient of the mean loss is Jᵀ(∂ℓ/∂z)/b.
//
// Forward retains theta, x and y (no copy): every result of the Pass refers
// to their values at the time of the call and is invalid after the caller
// changes them, until the next Forward. A Pass is not safe for concurrent
// use.
type Pass struct {
	m    *Model
	loss Loss
	maxB int
	dz   int

	b           int
	theta, x, y []float64
	lossVal     float64

	acts   [][]float64 // acts[0] aliases x; acts[l+1] = b × out_l
	caches [][]float64 // per layer, maxB × cacheLen
	tmp    []float64
	bufs   [4][]float64 // cotangent and tangent ping-pong buffers, maxSize each
	gz     []float64    // maxB × dz: ∂ℓ_s/∂z / b
	hess   []float64    // maxB × dz²: H_s / b
	hessOK bool
	unit   []float64 // dz: unit cotangent
	hz     []float64 // dz
	gws    [][]float64
	store  [][]float64
	firstP int // first layer with parameters
	// pooledConv: layer firstP is a convolution followed by max pooling,
	// whose gradient backSample takes from the pooling's output
	// cotangent (convLayer.gradPooled).
	pooledConv bool

	gram *gramWork
	wood *woodburyWork

	// Parallel products (see parallel.go): sc[k] is worker k's scratch
	// (sc[0] aliases bufs, tmp, unit, hz, gws and store); workers is the
	// number of workers (0: GOMAXPROCS); par is the current call; parts
	// and quad are the per-chunk sums of sumOverBatch and QuadForm.
	sc      []*scratch
	workers int
	par     parState
	parts   [][]float64
	quad    []float64

	// Evaluation (see eval.go): infer[l] is layer l's cache-free forward
	// pass (nil if it has none); noCache is set while the activations
	// come from inferForward, whose caches are stale or absent; evalOnly
	// marks a Pass built without caches (newEvalPass); helpers are the
	// extra Passes of parallel evaluation.
	infer    []inferLayer
	noCache  bool
	evalOnly bool
	helpers  []*Pass
}

// NewPass returns a Pass for model m, loss and minibatches of at most
// maxBatch samples. It panics if m or loss is nil or maxBatch < 1.
func NewPass(m *Model, loss Loss, maxBatch int) *Pass {
	return newPass(m, loss, maxBatch, false)
}

// newPass is NewPass; with evalOnly, the Pass keeps no activations but
// the outputs, the layers that have a cache-free forward pass get no
// cache, and the Pass serves inferForward only.
func newPass(m *Model, loss Loss, maxBatch int, evalOnly bool) *Pass {
	if m == nil || loss == nil {
		panic("nn: NewPass with nil model or loss")
	}
	if maxBatch < 1 {
		panic(fmt.Sprintf("nn: NewPass with batch size %d", maxBatch))
	}
	L := len(m.layers)
	p := &Pass{m: m, loss: loss, maxB: maxBatch, dz: m.OutSize(),
		acts: make([][]float64, L+1), caches: make([][]float64, L),
		gws: make([][]float64, L), store: make([][]float64, L), firstP: L,
		infer: make([]inferLayer, L), evalOnly: evalOnly}
	tmp := 0
	for l, lay := range m.layers {
		if !evalOnly || l == L-1 {
			p.acts[l+1] = make([]float64, maxBatch*lay.out().Size())
		}
		p.infer[l], _ = lay.(inferLayer)
		if !evalOnly || p.infer[l] == nil {
			p.caches[l] = make([]float64, maxBatch*lay.cacheLen())
		}
		tmp = max(tmp, lay.tmpLen())
		if lay.numParams() > 0 && p.firstP == L {
			p.firstP = l
		}
	}
	if f := p.firstP; f+1 < L {
		conv, ok1 := m.layers[f].(*convLayer)
		pool, ok2 := m.layers[f+1].(*poolLayer)
		p.pooledConv = ok1 && ok2 && pool.isMax && conv.out() == pool.in()
	}
	p.tmp = make([]float64, tmp)
	for i := range p.bufs {
		p.bufs[i] = make([]float64, m.maxSize)
	}
	p.gz = make([]float64, maxBatch*p.dz)
	p.hess = make([]float64, maxBatch*p.dz*p.dz)
	p.unit = make([]float64, p.dz)
	p.hz = make([]float64, p.dz)
	return p
}

// Model returns the model of the pass.
func (p *Pass) Model() *Model { return p.m }

// LossFunc returns the loss of the pass.
func (p *Pass) LossFunc() Loss { return p.loss }

// Batch returns b, the number of samples of the last Forward (0 before).
func (p *Pass) Batch() int { return p.b }

// Rows returns r = b·dz, the number of rows of J.
func (p *Pass) Rows() int { return p.b * p.dz }

// Theta returns the θ of the last Forward (the caller's slice).
func (p *Pass) Theta() []float64 { return p.theta }

// Forward runs the model at theta on the inputs x (b×InSize, row-major) and
// returns the mean loss against the targets y (b×dz). y may be nil for
// inference only: the loss is then NaN and the methods that need the loss
// (GradTo, HessianTo, GGNVecTo, QuadForm) panic. It panics if the lengths
// disagree or b exceeds the batch size given to NewPass. The slices are
// retained until the next Forward.
func (p *Pass) Forward(theta, x, y []float64) float64 {
	if p.evalOnly {
		panic("nn: Forward on an evaluation-only Pass")
	}
	b := p.setBatch(theta, x, y)
	p.run(parForward, b)
	return p.evalLoss()
}

// setBatch checks and records the arguments of Forward and returns b.
func (p *Pass) setBatch(theta, x, y []float64) int {
	p.m.checkTheta(theta)
	in := p.m.InSize()
	if len(x)%in != 0 || len(x) == 0 {
		panic(fmt.Sprintf("nn: input length %d is not a positive multiple of %d", len(x), in))
	}
	b := len(x) / in
	if b > p.maxB {
		panic(fmt.Sprintf("nn: batch of %d exceeds the Pass capacity %d", b, p.maxB))
	}
	if y != nil && len(y) != b*p.dz {
		panic(fmt.Sprintf("nn: target length %d, want %d", len(y), b*p.dz))
	}
	p.b, p.theta, p.x, p.y = b, theta, x, y
	p.acts[0] = x
	p.hessOK = false
	p.noCache = false
	return b
}

// ForwardAt reruns Forward on the same minibatch at another theta and
// returns the mean loss. It panics before the first Forward.
func (p *Pass) ForwardAt(theta []float64) float64 {
	if p.b == 0 {
		panic("nn: ForwardAt before Forward")
	}
	return p.Forward(theta, p.x, p.y)
}

func (p *Pass) evalLoss() float64 {
	if p.y == nil {
		p.lossVal = math.NaN()
		return p.lossVal
	}
	dz, inv := p.dz, 1/float64(p.b)
	z := p.acts[len(p.acts)-1]
	sum := 0.0
	for s := range p.b {
		g := p.gz[s*dz : (s+1)*dz]
		sum += p.loss.LossGradTo(g, z[s*dz:(s+1)*dz], p.y[s*dz:(s+1)*dz])
		for o := range g {
			g[o] *= inv
		}
	}
	p.lossVal = sum * inv
	return p.lossVal
}

// Loss returns the mean loss of the last Forward (NaN without targets).
func (p *Pass) Loss() float64 { return p.lossVal }

// Outputs returns the network outputs z of the last Forward, b×dz
// row-major. The slice belongs to the Pass and is overwritten by the next
// Forward.
func (p *Pass) Outputs() []float64 { return p.acts[len(p.acts)-1][:p.b*p.dz] }

// OutputGrad returns ∂(mean loss)/∂z of the last Forward (b×dz, the 1/b
// folded in). The slice belongs to the Pass.
func (p *Pass) OutputGrad() []float64 {
	p.needLoss()
	return p.gz[:p.b*p.dz]
}

func (p *Pass) needLoss() {
	if p.noCache {
		panic("nn: Pass after an evaluation forward pass has no caches: call Forward first")
	}
	if p.b == 0 || p.y == nil {
		panic("nn: Pass has no loss: call Forward with targets first")
	}
}

func (p *Pass) act(l, s int) []float64 {
	n := p.m.inShape.Size()
	if l > 0 {
		n = p.m.layers[l-1].out().Size()
	}
	return p.acts[l][s*n : (s+1)*n]
}

func (p *Pass) cache(l, s int) []float64 {
	n := p.m.layers[l].cacheLen()
	return p.caches[l][s*n : (s+1)*n]
}

func (p *Pass) params(l int) []float64 {
	return p.theta[p.m.offsets[l]:p.m.offsets[l+1]]
}

func (p *Pass) forwardSample(s int) {
	for l, lay := range p.m.layers {
		lay.forward(p.act(l+1, s), p.act(l, s), p.params(l), p.cache(l, s))
	}
}

// backSample backpropagates the output cotangent u (length dz) of sample s
// with the scratch sc. For each layer l, a non-nil sc.gws[l] receives the
// layer's parameter gradient (accumulated, or written over it when set is
// true) and a non-nil sc.store[l] receives a copy of the cotangent of the
// layer's output. u must not alias sc.bufs. With set, the caller must make
// sure that the backpropagation reaches every layer with a non-nil gws.
func (p *Pass) backSample(sc *scratch, s int, u []float64, set bool) {
	dy := u
	k := 0
	for l := len(p.m.layers) - 1; l >= 0; l-- {
		lay := p.m.layers[l]
		if st := sc.store[l]; st != nil {
			copy(st, dy)
		}
		if l == p.firstP+1 && p.pooledConv && sc.store[l-1] == nil {
			// Max pooling on the first layer with parameters, a
			// convolution: its gradient straight from the pooling's
			// output cotangent (the same bits; see gradPooled).
			if gw := sc.gws[l-1]; gw != nil {
				conv := p.m.layers[l-1].(*convLayer)
				conv.gradPooled(gw, dy, lay.(*poolLayer), p.cache(l, s), p.cache(l-1, s), set)
			}
			break
		}
		var dx []float64
		if l > p.firstP {
			dx = sc.bufs[k][:lay.in().Size()]
			k ^= 1
		}
		lay.backward(dx, sc.gws[l], dy, p.act(l, s), p.act(l+1, s), p.params(l), p.cache(l, s), sc.tmp, set)
		if dx == nil {
			break
		}
		dy = dx
	}
}

// setGwsIn points gws at the per-layer segments of g (nil clears them).
func (p *Pass) setGwsIn(gws [][]float64, g []float64) {
	for l := range gws {
		lo, hi := p.m.offsets[l], p.m.offsets[l+1]
		if g == nil || lo == hi {
			gws[l] = nil
		} else {
			gws[l] = g[lo:hi]
		}
	}
}

// jvpSample writes into dst (length dz) the output tangent J_s v of sample
// s for the parameter tangent v (length N), with the scratch sc.
func (p *Pass) jvpSample(sc *scratch, dst []float64, s int, v []float64) {
	var tx []float64
	k := 2
	for l, lay := range p.m.layers {
		ty := sc.bufs[k][:lay.out().Size()]
		k ^= 1
		var tw []float64
		if lo, hi := p.m.offsets[l], p.m.offsets[l+1]; lo < hi {
			tw = v[lo:hi]
		}
		lay.jvp(ty, tx, tw, p.act(l, s), p.act(l+1, s), p.params(l), p.cache(l, s), sc.tmp)
		tx = ty
	}
	copy(dst, tx)
}

func (p *Pass) checkN(v []float64, what string) {
	if len(v) != p.m.NumParams() {
		panic(fmt.Sprintf("nn: %s has length %d, want N = %d", what, len(v), p.m.NumParams()))
	}
}

func (p *Pass) checkR(v []float64, what string) {
	if len(v) != p.b*p.dz {
		panic(fmt.Sprintf("nn: %s has length %d, want r = %d", what, len(v), p.b*p.dz))
	}
}

func (p *Pass) needForward() {
	if p.noCache {
		panic("nn: Pass after an evaluation forward pass has no caches: call Forward first")
	}
	if p.b == 0 {
		panic("nn: Pass used before Forward")
	}
}

// GradTo writes the gradient of the mean loss with respect to θ into dst
// (length N). It panics without targets.
func (p *Pass) GradTo(dst []float64) {
	p.needLoss()
	p.checkN(dst, "gradient")
	p.sumOverBatch(parGrad, dst, nil)
}

// VJPTo writes Jᵀu into dst (length N) for u of length r.
func (p *Pass) VJPTo(dst, u []float64) {
	p.needForward()
	p.checkN(dst, "VJP destination")
	p.checkR(u, "VJP cotangent")
	p.sumOverBatch(parVJP, dst, u)
}

// JVPTo writes Jv into dst (length r) for v of length N.
func (p *Pass) JVPTo(dst, v []float64) {
	p.needForward()
	p.checkN(v, "JVP tangent")
	p.checkR(dst, "JVP destination")
	p.par.out, p.par.in = dst, v
	p.run(parJVP, p.b)
	p.par.out, p.par.in = nil, nil
}

// hessian fills the per-sample blocks H_s/b if needed.
func (p *Pass) hessian() []float64 {
	p.needLoss()
	dz, d2 := p.dz, p.dz*p.dz
	if !p.hessOK {
		z := p.Outputs()
		inv := 1 / float64(p.b)
		for s := range p.b {
			h := p.hess[s*d2 : (s+1)*d2]
			p.loss.HessianTo(h, z[s*dz:(s+1)*dz], p.y[s*dz:(s+1)*dz])
			for i := range h {
				h[i] *= inv
			}
		}
		p.hessOK = true
	}
	return p.hess[:p.b*d2]
}

// HessianBlocks returns the b diagonal blocks of H (each dz×dz row-major,
// H_s/b), concatenated. The slice belongs to the Pass and is valid until
// the next Forward. It panics without targets.
func (p *Pass) HessianBlocks() []float64 { return p.hessian() }

// HessianTo writes the block-diagonal output Hessian H (r×r, the batch mean
// folded in) into dst. An empty dst is resized; otherwise it must be r×r.
// It panics without targets.
func (p *Pass) HessianTo(dst *mat.SymDense) {
	h := p.hessian()
	r, dz := p.Rows(), p.dz
	reuseSym(dst, r)
	raw := dst.RawSymmetric()
	for i := range r {
		clear(raw.Data[i*raw.Stride+i : i*raw.Stride+r])
	}
	for s := range p.b {
		blk := h[s*dz*dz:]
		for i := range dz {
			row := raw.Data[(s*dz+i)*raw.Stride:]
			for j := i; j < dz; j++ {
				row[s*dz+j] = blk[i*dz+j]
			}
		}
	}
}

func reuseSym(dst *mat.SymDense, n int) {
	if dst.IsEmpty() {
		dst.ReuseAsSym(n)
		return
	}
	if dst.SymmetricDim() != n {
		panic(fmt.Sprintf("nn: destination is %d×%d, want %d×%d", dst.SymmetricDim(), dst.SymmetricDim(), n, n))
	}
}

func reuseDense(dst *mat.Dense, r, c int) {
	if dst.IsEmpty() {
		dst.ReuseAs(r, c)
		return
	}
	if rr, cc := dst.Dims(); rr != r || cc != c {
		panic(fmt.Sprintf("nn: destination is %d×%d, want %d×%d", rr, cc, r, c))
	}
}

// MulHessianTo writes H u into dst (both length r), using the block
// structure of H (O(r·dz) operations). dst and u may not alias. It panics
// without targets.
func (p *Pass) MulHessianTo(dst, u []float64) {
	h := p.hessian()
	p.checkR(u, "Hessian product argument")
	p.checkR(dst, "Hessian product destination")
	mulBlocks(dst, h, u, p.dz)
}

func mulBlocks(dst, h, u []float64, dz int) {
	for s := range len(u) / dz {
		blk := h[s*dz*dz : (s+1)*dz*dz]
		us := u[s*dz : (s+1)*dz]
		for i := range dz {
			v := 0.0
			row := blk[i*dz : (i+1)*dz]
			for j, x := range us {
				v += row[j] * x
			}
			dst[s*dz+i] = v
		}
	}
}

// GGNVecTo writes F v = Jᵀ(H(Jv)) into dst (length N) without forming J or
// F: one JVP, a block Hessian product and one VJP per sample, about the
// cost of a forward and a backward pass. It panics without targets.
func (p *Pass) GGNVecTo(dst, v []float64) {
	p.hessian()
	p.checkN(v, "GGN tangent")
	p.checkN(dst, "GGN destination")
	p.sumOverBatch(parGGN, dst, v)
}

// QuadForm returns vᵀ F v = (Jv)ᵀ H (Jv), the curvature of the mean loss
// along v, with one JVP. It panics without targets.
func (p *Pass) QuadForm(v []float64) float64 {
	p.hessian()
	p.checkN(v, "quadratic-form argument")
	r := p.Rows()
	if len(p.quad) < p.maxB*p.dz {
		p.quad = make([]float64, p.maxB*p.dz)
	}
	p.par.in = v
	p.run(parQuad, p.b)
	p.par.in = nil
	q := 0.0
	for _, t := range p.quad[:r] {
		q += t
	}
	return q
}

// quadSample writes the terms (J_s v)_o (H_s J_s v)_o of sample s into
// p.quad[s·dz:(s+1)·dz].
func (p *Pass) quadSample(sc *scratch, s int) {
	dz := p.dz
	jz := sc.unit
	p.jvpSample(sc, jz, s, p.par.in)
	mulBlocks(sc.hz, p.hess[s*dz*dz:(s+1)*dz*dz], jz, dz)
	for o, x := range jz {
		p.quad[s*dz+o] = x * sc.hz[o]
	}
}

// JacobianTo writes the output Jacobian J (r×N) into dst: one backward pass
// per output and sample on the cached forward pass. An empty dst is
// resized; otherwise it must be r×N.
func (p *Pass) JacobianTo(dst *mat.Dense) {
	p.needForward()
	r, n := p.Rows(), p.m.NumParams()
	reuseDense(dst, r, n)
	p.par.mat = dst.RawMatrix()
	p.run(parJacobian, p.b)
	p.par.mat = blas64.General{}
}

// jacobianSample writes the dz rows of J of sample s into p.par.mat.
func (p *Pass) jacobianSample(sc *scratch, s int) {
	dz, n, raw := p.dz, p.m.NumParams(), p.par.mat
	for o := range dz {
		// Every layer with parameters writes its segment of the row
		// (set mode), so the row needs no clearing.
		row := raw.Data[(s*dz+o)*raw.Stride : (s*dz+o)*raw.Stride+n]
		p.setGwsIn(sc.gws, row)
		clear(sc.unit)
		sc.unit[o] = 1
		p.backSample(sc, s, sc.unit, true)
	}
	p.setGwsIn(sc.gws, nil)
}

// gramWork holds the workspaces of GramTo, sized for maxB.
type gramWork struct {
	dense []int         // layers handled by the outer-product structure
	other []int         // other layers with parameters (explicit blocks)
	delta []*mat.Dense  // per dense layer: r × out cotangents (full capacity)
	block []*mat.Dense  // per other layer: r × np gradient rows
	d     *mat.SymDense // r × r
	k     *mat.SymDense // b × b

	// Views at the size of the current call: deltas[j] is delta[j]'s
	// first r rows and out columns, blocks[j] block[j]'s first r rows,
	// acts[j] the b inputs of dense layer j.
	deltas, blocks, acts []blas64.General
}

// GramTo writes the Gram matrix J Jᵀ (r×r) into dst, using the structure of
// each layer rather than r²N brute force. For a dense layer with inputs a_s
// and output cotangents δ_{s,o}, the block of J for that layer is the outer
// product δ ⊗ [a, 1], so its share of the Gram matrix is
// (δ_i·δ_j)(a_{s(i)}·a_{s(j)} + 1): O(r²·out + b²·in) instead of
// O(r²·out·in). The other layers with parameters (convolutions, whose
// parameter count is small) contribute B Bᵀ from their explicit Jacobian
// block B. The cotangents are computed on the Pass's workers, sample by
// sample; the products go through the installed BLAS (blas64.Use). An
// empty dst is resized; otherwise it must be r×r.
func (p *Pass) GramTo(dst *mat.SymDense) {
	p.needForward()
	r, dz, b := p.Rows(), p.dz, p.b
	reuseSym(dst, r)
	gw := p.gramWork()
	// Views of the workspaces at the current size.
	for i, l := range gw.dense {
		in := p.m.layers[l].in().Size()
		gw.deltas[i] = gw.delta[i].RawMatrix()
		gw.deltas[i].Rows, gw.deltas[i].Cols = r, p.m.layers[l].out().Size()
		gw.acts[i] = blas64.General{Rows: b, Cols: in, Stride: in, Data: p.acts[l][:b*in]}
	}
	for i, l := range gw.other {
		gw.blocks[i] = gw.block[i].RawMatrix()
		gw.blocks[i].Rows, gw.blocks[i].Cols = r, p.m.layers[l].numParams()
	}
	p.run(parGram, b)

	out := dst.RawSymmetric()
	for i := range r {
		clear(out.Data[i*out.Stride+i : i*out.Stride+r])
	}
	dr := gw.d.RawSymmetric()
	dr.N = r
	kr := gw.k.RawSymmetric()
	kr.N = b
	for j := range gw.dense {
		blas64.Syrk(blas.NoTrans, 1, gw.deltas[j], 0, dr)
		blas64.Syrk(blas.NoTrans, 1, gw.acts[j], 0, kr)
		for i := range r {
			si := i / dz
			orow := out.Data[i*out.Stride:]
			drow := dr.Data[i*dr.Stride:]
			krow := kr.Data[si*kr.Stride:]
			for jj := i; jj < r; jj++ {
				orow[jj] += drow[jj] * (krow[jj/dz] + 1)
			}
		}
	}
	for j := range gw.other {
		blas64.Syrk(blas.NoTrans, 1, gw.blocks[j], 1, out)
	}
}

// gramSample writes the dz rows of sample s of the Gram workspaces: the
// output cotangents of the dense layers and the Jacobian blocks of the
// others.
func (p *Pass) gramSample(sc *scratch, s int) {
	gw := p.gram
	for o := range p.dz {
		i := s*p.dz + o
		for j, l := range gw.dense {
			d := gw.deltas[j]
			sc.store[l] = d.Data[i*d.Stride : i*d.Stride+d.Cols]
		}
		for j, l := range gw.other {
			bl := gw.blocks[j]
			sc.gws[l] = bl.Data[i*bl.Stride : i*bl.Stride+bl.Cols]
		}
		clear(sc.unit)
		sc.unit[o] = 1
		p.backSample(sc, s, sc.unit, true)
	}
	clear(sc.store)
	clear(sc.gws)
}

func (p *Pass) gramWork() *gramWork {
	if p.gram != nil {
		return p.gram
	}
	rmax := p.maxB * p.dz
	gw := &gramWork{d: mat.NewSymDense(rmax, nil), k: mat.NewSymDense(p.maxB, nil)}
	for l, lay := range p.m.layers {
		if lay.numParams() == 0 {
			continue
		}
		if _, ok := lay.(*denseLayer); ok {
			gw.dense = append(gw.dense, l)
			gw.delta = append(gw.delta, mat.NewDense(rmax, lay.out().Size(), nil))
		} else {
			gw.other = append(gw.other, l)
			gw.block = append(gw.block, mat.NewDense(rmax, lay.numParams(), nil))
		}
	}
	gw.deltas = make([]blas64.General, len(gw.dense))
	gw.acts = make([]blas64.General, len(gw.dense))
	gw.blocks = make([]blas64.General, len(gw.other))
	p.gram = gw
	return gw
}
