package circuit

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// stepRelTol is the relative difference below which two step lengths share
// a cached propagator. Times on a grid t_k = k·h differ from k·h by a few
// ulps, so t_k − t_{k−1} wanders by ≈ k·ε·h; 1e-9 absorbs that for grids of
// up to ~10⁶ steps while changing each step by at most 1e-9 relative. The
// clock itself is set exactly to the requested time, so the error does not
// accumulate.
const stepRelTol = 1e-9

// exactCacheSize is the number of step lengths whose propagators an [Exact]
// keeps (least recently used is replaced).
const exactCacheSize = 4

// Exact advances a [Model] by its exact transition law: over any step h,
//
//	x ← x̄ + e^{−Ah}(x − x̄) + F ξ,   F Fᵀ = Q(h),   ξ ~ N(0, I),
//
// with x̄ = A⁻¹Bu the stationary mean for the current inputs and Q(h) the
// exact transition covariance (see [Model.Transition]). There is no
// discretization error for any h, symmetric or non-symmetric drift; inputs
// are held constant over each step. F is a pivoted Cholesky factor, so a
// singular Q (noise on some nodes only) is fine.
//
// The propagator (e^{−Ah} and F) is computed on first use of a step length
// (O(r³)) and cached for the last four lengths; steps with a cached length
// cost O(r²) and allocate nothing. Create with [NewExact].
type Exact struct {
	process
	cache [exactCacheSize]propagator
	tick  uint64
	modal *modal    // of NodeStepsTo, for the last step length
	pcg   *rand.PCG // the source when it is one (fast normal draws)
}

type propagator struct {
	h    float64
	e    []float64 // r×r, e^{−Ah}
	f    *noiseFactor
	used uint64
}

// NewExact returns an exact stepper for m at time 0, with state 0 and the
// model's default inputs. src supplies all randomness; it may be nil only
// for a model without noise (it panics otherwise, and if m is nil). The
// stepper keeps m and src.
func NewExact(m *Model, src rand.Source) *Exact {
	s := &Exact{}
	s.init(m, src)
	s.pcg, _ = src.(*rand.PCG)
	return s
}

// DrawFrom makes s draw its normal variates from ns, which must be a
// stream of s's source (the *rand.PCG given to NewExact): the same
// numbers in the same order, drawn ahead on another goroutine. The stepper
// keeps ns; nil goes back to drawing from the source (after ns.Close). It
// panics if ns draws from another source.
func (s *Exact) DrawFrom(ns *NormalStream) {
	if ns != nil && (s.pcg == nil || ns.src != s.pcg) {
		panic("circuit: Exact.DrawFrom: the stream does not draw from the stepper's source")
	}
	s.ns = ns
}

// SetModel replaces the model (for instance after reprogramming the
// circuit), keeping the time and the state; the inputs are reset to the new
// model's defaults and cached propagators are dropped. It panics if the new
// model has a different number of states, or has noise and the stepper no
// random source.
func (s *Exact) SetModel(m *Model) {
	s.setModel(m)
	s.cache = [exactCacheSize]propagator{}
	s.modal = nil
}

// Step advances the state by h seconds (h ≥ 0, finite; it panics
// otherwise).
func (s *Exact) Step(h float64) {
	checkStep(h)
	if h == 0 {
		return
	}
	s.apply(s.propagator(h))
	s.t += h
	s.check()
}

// AdvanceTo advances the state to time t in one exact transition. It panics
// if t is before the current time or not finite. A step length within
// 1e-9 (relative) of a cached one reuses it, so that a uniform grid of
// times computed as k·h does not recompute the propagator at every step.
func (s *Exact) AdvanceTo(t float64) {
	if !(t >= s.t) || math.IsInf(t, 0) {
		panic(fmt.Sprintf("circuit: AdvanceTo(%g) before current time %g", t, s.t))
	}
	if t == s.t {
		return
	}
	s.apply(s.propagator(t - s.t))
	s.t = t
	s.check()
}

func (s *Exact) propagator(h float64) *propagator {
	s.tick++
	slot := 0
	for i := range s.cache {
		c := &s.cache[i]
		if c.e != nil && math.Abs(c.h-h) <= stepRelTol*h {
			c.used = s.tick
			return c
		}
		if c.used < s.cache[slot].used {
			slot = i
		}
	}
	r := s.m.Dim()
	e, q := transition(s.m.a.d, s.m.d.d, r, h)
	if e == nil {
		e = []float64{}
	}
	s.cache[slot] = propagator{h: h, e: e, f: newNoiseFactor(q, r), used: s.tick}
	return &s.cache[slot]
}

func (s *Exact) apply(p *propagator) {
	r := len(s.x)
	if r == 0 {
		return
	}
	for i := range r {
		s.dx[i] = s.x[i] - s.bar[i]
		s.x[i] = s.bar[i]
	}
	blas64.Gemv(blas.NoTrans, 1, blas64.General{Rows: r, Cols: r, Stride: r, Data: p.e},
		blas64.Vector{N: r, Inc: 1, Data: s.dx}, 1, blas64.Vector{N: r, Inc: 1, Data: s.x})
	if p.f.rank > 0 {
		p.f.addTo(s.x, 1, s.draw(p.f.rank))
	}
}

// NodeStepsTo advances the state by k = len(dst)/len(Nodes) steps of h
// seconds each (h ≥ 0, finite) and stores the node voltages after each
// step (volts, [Model.NodeVoltagesTo]) as the rows of dst, row-major. The
// law is that of k calls of Step(h), each followed by NodeVoltagesTo, and
// it is computed that way when the drift is not diagonally symmetrizable
// (see below). The inputs are held; the clock advances by k·h. It panics
// if len(dst) is not a multiple of the number of nodes, or on a bad h.
//
// # Modal stepping
//
// When W A is symmetric for a positive diagonal W (to 1e-12 relative: an
// RC network whose capacitors all go to ground, A = C⁻¹G with G
// symmetric, W = C), S = W^{1/2} A W^{−1/2} is symmetric, A = V Λ V⁻¹
// with V = W^{−1/2}U, U the orthogonal eigenvectors of S and Λ real, and
// the stepper works on the modes y = V⁻¹(x − x̄), which do not drive one
// another:
//
//	y ← e^{−Λh} y + G ξ,   G Gᵀ = Q̃,   Q̃ᵢⱼ = D̃ᵢⱼ (1 − e^{−(λᵢ+λⱼ)h}) / (λᵢ+λⱼ),
//
// with D̃ = V⁻¹ D V⁻ᵀ: the exact transition law again, in other
// coordinates (Gardiner, "Stochastic methods", §4.5.6). The noise G ξ and
// the node voltages v = (Vx V) y + Vx x̄ + Vu u of a block of 256 steps
// are then two matrix products with the steps as columns, done by the
// register-blocked kernel of [MethodLowRank]'s products, and only the
// diagonal recursion is sequential: about r²/2 + r·n multiply-adds per
// step (n nodes) at matrix-product speed, instead of three matrix–vector
// products. The decomposition is computed for the last step length used
// (O(r³), with allocation) and checked (‖AV − VΛ‖ within 1e-10·r of
// ‖A‖·‖V‖) before use; stepping allocates nothing. With a *rand.PCG
// source the normals are drawn with its state held in registers: the same
// numbers as rand.Rand.NormFloat64, in the order of the steps.
func (s *Exact) NodeStepsTo(dst []float64, h float64) {
	checkStep(h)
	nn := len(s.m.nodes)
	if nn == 0 {
		if len(dst) != 0 {
			panic("circuit: NodeStepsTo: the model has no node")
		}
		return
	}
	if len(dst)%nn != 0 {
		panic(fmt.Sprintf("circuit: NodeStepsTo: len(dst) = %d is not a multiple of the %d nodes", len(dst), nn))
	}
	k := len(dst) / nn
	if k == 0 {
		return
	}
	if h > 0 && s.err == nil {
		if p := s.modalFor(h); p != nil {
			s.modalSteps(p, dst, k)
			return
		}
	}
	for i := range k {
		s.Step(h)
		s.NodeVoltagesTo(dst[i*nn : (i+1)*nn])
	}
}

// modalBlock is the number of steps of one block of [Exact.NodeStepsTo]'s
// modal path: a multiple of lrNR, with the noise panels of a block (r × 256
// values, 128 KiB at r = 64) in L2.
const modalBlock = 32 * lrNR

// modal is the modal propagator of one step length: see
// [Exact.NodeStepsTo].
type modal struct {
	h      float64
	ok     bool      // false: the drift is not diagonally symmetrizable
	decay  []float64 // e^{−λᵢh}, in mode order
	vinv   []float64 // r×r, V⁻¹ (rows in mode order)
	v      []float64 // r×r, V (columns in mode order)
	rank   int       // of Q̃; modes ≥ rank carry no noise
	gpack  []float64 // G packed in lrMR row panels, panel p with kc_p = min(rank, lrMR(p+1)) columns
	goff   []int     // offset of panel p in gpack
	opack  []float64 // Vx V packed in lrMR row panels of r columns
	xi, y  []float64 // workspaces, modalBlock×r each, in lrNR column panels
	ycur   []float64 // the modes, length r
	z      []float64 // normal draws of a block, step after step
	tile   [lrMR * lrNR]float64
	vxbar  []float64 // Vx x̄ + Vu u for the inputs at the last call
	bar, u []float64 // the x̄ and u behind vxbar
}

func (s *Exact) modalFor(h float64) *modal {
	if p := s.modal; p != nil && math.Abs(p.h-h) <= stepRelTol*h {
		if !p.ok {
			return nil
		}
		return p
	}
	s.modal = newModal(s.m, h)
	if !s.modal.ok {
		return nil
	}
	return s.modal
}

// symmetrizer returns the positive weights w with wᵢAᵢⱼ = wⱼAⱼᵢ (to 1e-12
// relative to max|A|), or nil: spanning-tree propagation wⱼ = wᵢ Aᵢⱼ/Aⱼᵢ
// from each unvisited state, then a check of every pair.
func symmetrizer(a []float64, r int) []float64 {
	amax := 0.0
	for _, v := range a {
		amax = max(amax, math.Abs(v))
	}
	if amax == 0 || math.IsNaN(amax) || math.IsInf(amax, 0) {
		return nil
	}
	w := make([]float64, r)
	queue := make([]int, 0, r)
	for root := range r {
		if w[root] != 0 {
			continue
		}
		w[root] = 1
		queue = append(queue[:0], root)
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			for j := range r {
				aij, aji := a[i*r+j], a[j*r+i]
				if j == i || w[j] != 0 || (aij == 0 && aji == 0) {
					continue
				}
				if aij == 0 || aji == 0 || (aij > 0) != (aji > 0) {
					return nil
				}
				w[j] = w[i] * aij / aji
				queue = append(queue, j)
			}
		}
	}
	// Check |√(wᵢ/wⱼ)Aᵢⱼ − √(wⱼ/wᵢ)Aⱼᵢ| on the symmetrized scale.
	smax := 0.0
	for i := range r {
		for j := range r {
			smax = max(smax, math.Abs(a[i*r+j])*math.Sqrt(w[i]/w[j]))
		}
	}
	for i := range r {
		for j := i + 1; j < r; j++ {
			sij := math.Sqrt(w[i]/w[j]) * a[i*r+j]
			sji := math.Sqrt(w[j]/w[i]) * a[j*r+i]
			if math.Abs(sij-sji) > 1e-12*smax {
				return nil
			}
		}
	}
	return w
}

// newModal computes the modal propagator of m for steps of h > 0 (ok
// false when the drift does not qualify).
func newModal(m *Model, h float64) *modal {
	p := &modal{h: h}
	r := m.Dim()
	a := m.a.d
	w := symmetrizer(a, r)
	if w == nil {
		return p
	}
	// S = W^{1/2} A W^{−1/2}, symmetrized.
	sq := make([]float64, r)
	for i := range r {
		sq[i] = math.Sqrt(w[i])
	}
	sym := mat.NewSymDense(r, nil)
	for i := range r {
		for j := i; j < r; j++ {
			sym.SetSym(i, j, 0.5*(sq[i]/sq[j]*a[i*r+j]+sq[j]/sq[i]*a[j*r+i]))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, true) {
		return p
	}
	lambda := eig.Values(nil)
	var u mat.Dense
	eig.VectorsTo(&u)
	// V = W^{−1/2} U, V⁻¹ = Uᵀ W^{1/2}.
	v := make([]float64, r*r)
	vinv := make([]float64, r*r)
	vmax := 0.0
	for i := range r {
		for j := range r {
			uij := u.At(i, j)
			v[i*r+j] = uij / sq[i]
			vinv[j*r+i] = uij * sq[i]
			vmax = max(vmax, math.Abs(v[i*r+j]))
		}
	}
	// Residual ‖AV − VΛ‖_max against ‖A‖_max·‖V‖_max·r.
	amax, res := 0.0, 0.0
	for _, x := range a {
		amax = max(amax, math.Abs(x))
	}
	av := make([]float64, r*r)
	gemmRM(av, a, v, r, false)
	for i := range r {
		for j := range r {
			res = max(res, math.Abs(av[i*r+j]-v[i*r+j]*lambda[j]))
		}
	}
	if !(res <= 1e-10*amax*vmax*float64(r)) {
		return p
	}
	for _, l := range lambda {
		if !(l > 0) {
			return p // not stable: leave it to the general path and its checks
		}
	}
	// D̃ = V⁻¹ D V⁻ᵀ and Q̃.
	tmp := make([]float64, r*r)
	dt := make([]float64, r*r)
	gemmRM(tmp, vinv, m.d.d, r, false)
	gemmRM(dt, tmp, vinv, r, true)
	q := tmp
	for i := range r {
		for j := range r {
			l := lambda[i] + lambda[j]
			q[i*r+j] = 0.5 * (dt[i*r+j] + dt[j*r+i]) * -math.Expm1(-l*h) / l
		}
	}
	f := newNoiseFactor(q, r)
	// Reorder the modes by the pivots, so that G = L is lower trapezoidal.
	order := make([]int, r)
	for i := range order {
		order[i] = i
	}
	if f.rank > 0 {
		copy(order, f.piv)
	}
	p.ok, p.rank = true, f.rank
	p.decay = make([]float64, r)
	p.v = make([]float64, r*r)
	p.vinv = make([]float64, r*r)
	for k, o := range order {
		p.decay[k] = math.Exp(-lambda[o] * h)
		copy(p.vinv[k*r:(k+1)*r], vinv[o*r:(o+1)*r])
		for i := range r {
			p.v[i*r+k] = v[i*r+o]
		}
	}
	// G panels: rows k of L (mode k), kc_p = min(rank, lrMR(p+1)).
	np := (r + lrMR - 1) / lrMR
	p.goff = make([]int, np+1)
	for pi := range np {
		p.goff[pi+1] = p.goff[pi] + min(p.rank, lrMR*(pi+1))*lrMR
	}
	p.gpack = make([]float64, p.goff[np])
	for pi := range np {
		kc := min(p.rank, lrMR*(pi+1))
		panel := p.gpack[p.goff[pi]:p.goff[pi+1]]
		for rr := range lrMR {
			k := pi*lrMR + rr
			if k >= r {
				break
			}
			for t := 0; t < kc && t < p.rank && t <= k; t++ {
				panel[t*lrMR+rr] = f.l[k*f.rank+t]
			}
		}
	}
	// Output panels: Vx V (nodes × r).
	nn := len(m.nodes)
	o := make([]float64, nn*r)
	if m.vx.c > 0 {
		gemmGen(o, m.vx.d, p.v, nn, r, r)
	}
	npo := (nn + lrMR - 1) / lrMR
	p.opack = make([]float64, npo*r*lrMR)
	for pi := range npo {
		panel := p.opack[pi*r*lrMR : (pi+1)*r*lrMR]
		for rr := range lrMR {
			i := pi*lrMR + rr
			if i >= nn {
				break
			}
			for t := range r {
				panel[t*lrMR+rr] = o[i*r+t]
			}
		}
	}
	p.ycur = make([]float64, r)
	p.z = make([]float64, modalBlock*p.rank)
	p.xi = make([]float64, modalBlock*r)
	p.y = make([]float64, modalBlock*r)
	p.vxbar = make([]float64, nn)
	return p
}

// gemmRM stores a·b (or a·bᵀ) of r×r row-major matrices into c.
func gemmRM(c, a, b []float64, r int, transB bool) {
	tb := blas.NoTrans
	if transB {
		tb = blas.Trans
	}
	g := func(d []float64) blas64.General { return blas64.General{Rows: r, Cols: r, Stride: r, Data: d} }
	blas64.Gemm(blas.NoTrans, tb, 1, g(a), g(b), 0, g(c))
}

// gemmGen stores the m×n product of the m×k a and the k×n b into c.
func gemmGen(c, a, b []float64, m, k, n int) {
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: m, Cols: k, Stride: k, Data: a},
		blas64.General{Rows: k, Cols: n, Stride: n, Data: b}, 0,
		blas64.General{Rows: m, Cols: n, Stride: n, Data: c})
}

// modalSteps is the modal path of NodeStepsTo: k steps, node voltages into
// dst.
func (s *Exact) modalSteps(p *modal, dst []float64, k int) {
	r, nn := len(s.x), len(s.m.nodes)
	// Constant part of the output for the current inputs.
	if !slicesEqual(p.bar, s.bar) || !slicesEqual(p.u, s.u) {
		p.bar = append(p.bar[:0], s.bar...)
		p.u = append(p.u[:0], s.u...)
		if s.m.vx.c > 0 {
			gemvTo(p.vxbar, s.m.vx, s.bar, false)
		} else {
			clear(p.vxbar)
		}
		gemvTo(p.vxbar, s.m.vu, s.u, true)
	}
	// Modes of the current state.
	y := p.ycur
	for i := range r {
		s.dx[i] = s.x[i] - s.bar[i]
	}
	for kk := range r {
		y[kk] = dotGo(p.vinv[kk*r:(kk+1)*r], s.dx)
	}
	tile := &p.tile
	npr := (r + lrMR - 1) / lrMR
	npo := (nn + lrMR - 1) / lrMR
	for b0 := 0; b0 < k; b0 += modalBlock {
		kb := min(modalBlock, k-b0)
		nq := (kb + lrNR - 1) / lrNR
		// Noise: Ξ in panels (r × lrNR each), then W = G Ξ into p.y.
		xi, wy := p.xi[:nq*r*lrNR], p.y[:nq*r*lrNR]
		if p.rank > 0 {
			switch {
			case s.ns != nil:
				s.ns.Fill(p.z[:kb*p.rank])
			case s.pcg != nil:
				exFillNormals(s.pcg, p.z[:kb*p.rank])
			}
			for q := range nq {
				panel := xi[q*r*lrNR : (q+1)*r*lrNR]
				for j := range lrNR {
					if q*lrNR+j >= kb {
						for t := range p.rank {
							panel[t*lrNR+j] = 0
						}
						continue
					}
					if s.pcg != nil { // drawn into z above (ns, if set, draws from pcg)
						z := p.z[(q*lrNR+j)*p.rank:]
						for t := range p.rank {
							panel[t*lrNR+j] = z[t]
						}
						continue
					}
					for t := range p.rank {
						panel[t*lrNR+j] = s.rng.NormFloat64()
					}
				}
			}
		}
		clear(wy)
		for q := range nq {
			bp := xi[q*r*lrNR : (q+1)*r*lrNR]
			out := wy[q*r*lrNR : (q+1)*r*lrNR]
			for pi := range npr {
				kc := min(p.rank, lrMR*(pi+1))
				if kc == 0 {
					break
				}
				lrKernel(kc, p.gpack[p.goff[pi]:p.goff[pi+1]], bp, tile)
				for rr := range lrMR {
					t := pi*lrMR + rr
					if t >= r {
						break
					}
					copy(out[t*lrNR:(t+1)*lrNR], tile[rr*lrNR:(rr+1)*lrNR])
				}
			}
		}
		// The diagonal recursion, in place, four modes at a time (four
		// independent dependency chains for the out-of-order core).
		t := 0
		for ; t+4 <= r; t += 4 {
			y0, y1, y2, y3 := y[t], y[t+1], y[t+2], y[t+3]
			d0, d1, d2, d3 := p.decay[t], p.decay[t+1], p.decay[t+2], p.decay[t+3]
			for q := range nq {
				n := min(lrNR, kb-q*lrNR)
				base := q*r*lrNR + t*lrNR
				r0 := wy[base : base+n]
				r1 := wy[base+lrNR : base+lrNR+n]
				r2 := wy[base+2*lrNR : base+2*lrNR+n]
				r3 := wy[base+3*lrNR : base+3*lrNR+n]
				for j := range r0 {
					y0 = d0*y0 + r0[j]
					y1 = d1*y1 + r1[j]
					y2 = d2*y2 + r2[j]
					y3 = d3*y3 + r3[j]
					r0[j], r1[j], r2[j], r3[j] = y0, y1, y2, y3
				}
			}
			y[t], y[t+1], y[t+2], y[t+3] = y0, y1, y2, y3
		}
		for ; t < r; t++ {
			yt, d := y[t], p.decay[t]
			for q := range nq {
				row := wy[q*r*lrNR+t*lrNR : q*r*lrNR+t*lrNR+min(lrNR, kb-q*lrNR)]
				for j := range row {
					yt = d*yt + row[j]
					row[j] = yt
				}
			}
			y[t] = yt
		}
		// Node voltages: (Vx V) Y + Vx x̄ + Vu u.
		for q := range nq {
			bp := wy[q*r*lrNR : (q+1)*r*lrNR]
			for pi := range npo {
				lrKernel(r, p.opack[pi*r*lrMR:(pi+1)*r*lrMR], bp, tile)
				for rr := range lrMR {
					i := pi*lrMR + rr
					if i >= nn {
						break
					}
					c := p.vxbar[i]
					for j := range lrNR {
						step := b0 + q*lrNR + j
						if step >= b0+kb {
							break
						}
						dst[step*nn+i] = tile[rr*lrNR+j] + c
					}
				}
			}
		}
	}
	// The state after the last step: x = V y + x̄.
	for i := range r {
		s.x[i] = s.bar[i] + dotGo(p.v[i*r:(i+1)*r], y)
	}
	s.t += float64(k) * p.h
	s.check()
}

func dotGo(a, b []float64) float64 {
	sum := 0.0
	for i, v := range a {
		sum += v * b[i]
	}
	return sum
}

func slicesEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// exFillNormals fills dst with standard normal variates from p, exactly
// those of rand.New(p).NormFloat64(), with the PCG state held in registers
// (pcgNormal; the state is read and written back through
// AppendBinary/UnmarshalBinary, "pcg:" then the high and low state words,
// big-endian).
func exFillNormals(p *rand.PCG, dst []float64) {
	g := pcgState(p)
	g.fill(dst)
	setPCGState(p, g)
}
