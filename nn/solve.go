package nn

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// ErrNotPositiveDefinite is returned when the damped curvature matrix of a
// direct solve fails its Cholesky factorisation.
var ErrNotPositiveDefinite = errors.New("nn: curvature matrix not positive definite")

// solveCG runs matrix-free conjugate gradients on (F + λI) x = g
// (Hestenes & Stiefel 1952), each product a GGN-vector product.
func (o *natural) solveCG(p *Pass) error {
	n := o.n
	if o.cgX == nil {
		o.cgX, o.cgR = make([]float64, n), make([]float64, n)
		o.cgP, o.cgAp = make([]float64, n), make([]float64, n)
	}
	x, r, d, ad := o.cgX, o.cgR, o.cgP, o.cgAp
	lam := o.lambda
	if o.cgWarm && o.cgHaveX {
		p.GGNVecTo(ad, x)
		for i := range r {
			r[i] = o.g[i] - ad[i] - lam*x[i]
		}
	} else {
		clear(x)
		copy(r, o.g)
	}
	copy(d, r)
	rs := dot(r, r)
	stop := o.cgTol * o.cgTol * dot(o.g, o.g)
	it := 0
	for ; it < o.cgIters && rs > stop && rs > 0; it++ {
		p.GGNVecTo(ad, d)
		for i, v := range d {
			ad[i] += lam * v
		}
		curv := dot(d, ad)
		if !(curv > 0) {
			return fmt.Errorf("%w: CG direction with curvature %g", ErrNotPositiveDefinite, curv)
		}
		alpha := rs / curv
		for i := range x {
			x[i] += alpha * d[i]
			r[i] -= alpha * ad[i]
		}
		rsNew := dot(r, r)
		beta := rsNew / rs
		for i := range d {
			d[i] = r[i] + beta*d[i]
		}
		rs = rsNew
	}
	o.cgHaveX = true
	o.info.CGIters = it
	copy(o.gt, x)
	return nil
}

// denseWork holds the N×N system of the dense exact solve.
type denseWork struct {
	root hessRoot
	qj   mat.Dense
	f    mat.SymDense
	chol mat.Cholesky
}

// solveDense forms F + λI = (QJ)ᵀ(QJ) + λI densely (H = Q², Q the block
// square root) and solves it by Cholesky: O(r·N² + N³).
func (o *natural) solveDense(p *Pass) error {
	if o.dense == nil {
		o.dense = &denseWork{}
	}
	w := o.dense
	b, dz, r := p.Batch(), p.dz, p.Rows()
	q := w.root.blocks(p.HessianBlocks(), b, dz)
	w.qj.Reset()
	w.qj.ReuseAs(r, o.n)
	for s := range b {
		for a := range dz {
			row := w.qj.RawRowView(s*dz + a)
			for l := range dz {
				if c := q[(s*dz+a)*dz+l]; c != 0 {
					floats.AddScaled(row, c, o.J.RawRowView(s*dz+l))
				}
			}
		}
	}
	w.f.Reset()
	w.f.SymOuterK(1, w.qj.T())
	for i := range o.n {
		w.f.SetSym(i, i, w.f.At(i, i)+o.lambda)
	}
	if ok := w.chol.Factorize(&w.f); !ok {
		return ErrNotPositiveDefinite
	}
	return w.chol.SolveVecTo(o.gtv, o.gv)
}

// woodburyWork holds the r×r system of the structured Woodbury solve.
type woodburyWork struct {
	gram  mat.SymDense
	gfull []float64 // r×r full copy of the Gram matrix
	t     []float64 // r×r: G Q
	s     *mat.SymDense
	chol  mat.Cholesky
	u, w  []float64
	c     *mat.VecDense
	x     []float64
	root  hessRoot
	q     []float64

	gram2  blas64.Symmetric // the Gram matrix of the current solve
	lambda float64          // λ of the current solve
}

// woodburyRows writes the rows of sample block s (rows s·dz to
// (s+1)·dz − 1) of the full Gram matrix G (w.gfull), of T = G Q and of
// S = λI + Q T (upper triangle).
func (p *Pass) woodburyRows(s int) {
	w := p.wood
	dz, r, b := p.dz, p.Rows(), p.b
	gr := w.gram2
	for i := s * dz; i < (s+1)*dz; i++ {
		grow := w.gfull[i*r : (i+1)*r]
		for j := range i {
			grow[j] = gr.Data[j*gr.Stride+i]
		}
		copy(grow[i:], gr.Data[i*gr.Stride+i:i*gr.Stride+r])
	}
	// T = G Q, column block by column block: T[i, J] = G[i, J] Q_J.
	for i := s * dz; i < (s+1)*dz; i++ {
		grow, trow := w.gfull[i*r:(i+1)*r], w.t[i*r:(i+1)*r]
		for c := range b {
			qc := w.q[c*dz*dz : (c+1)*dz*dz]
			gc := grow[c*dz : (c+1)*dz]
			for j := range dz {
				v := 0.0
				for l, x := range gc {
					v += x * qc[l*dz+j]
				}
				trow[c*dz+j] = v
			}
		}
	}
	// S = λI + Q T, row block by row block: S[I, j] = Q_I T[I, j].
	sr := w.s.RawSymmetric()
	qs := w.q[s*dz*dz : (s+1)*dz*dz]
	for a := range dz {
		i := s*dz + a
		row := sr.Data[i*sr.Stride:]
		for j := i; j < r; j++ {
			v := 0.0
			for l := range dz {
				v += qs[a*dz+l] * w.t[(s*dz+l)*r+j]
			}
			row[j] = v
		}
		row[i] += w.lambda
	}
}

// solveWoodbury writes the exact g̃ into o.gt with the Pass's structured
// Woodbury solve.
func (o *natural) solveWoodbury(p *Pass) error {
	return p.DampedSolveTo(o.gt, o.g, o.lambda)
}

// DampedSolveTo writes the exact damped natural gradient (JᵀHJ + λI)⁻¹ g
// into dst (length N) for the minibatch of the last Forward, by the Woodbury
// identity in its symmetric form (H = Q², Q the block-diagonal square root
// of H):
//
//	(λI + JᵀHJ)⁻¹ g = λ⁻¹ (g − JᵀQ (λI + Q J Jᵀ Q)⁻¹ Q J g),
//
// an r×r Cholesky solve with the Gram matrix from [Pass.GramTo] and J used
// only through one JVP and one VJP: about the cost of GramTo, never forming
// J. It is the reference for comparing an approximate solve (TNGD, CG) on
// networks too large for a dense F. g may not alias dst. It returns
// ErrNotPositiveDefinite if the factorisation fails (λ ≤ 0 or NaN), and
// panics without targets or for wrong lengths.
func (p *Pass) DampedSolveTo(dst, g []float64, lambda float64) error {
	return p.dampedSolveTo(dst, g, lambda, nil)
}

// dampedSolveTo is DampedSolveTo with the Gram matrix of the minibatch
// given (nil: computed by GramTo).
func (p *Pass) dampedSolveTo(dst, g []float64, lambda float64, gram *mat.SymDense) error {
	p.checkN(dst, "solve destination")
	p.checkN(g, "solve right-hand side")
	if p.wood == nil {
		p.wood = &woodburyWork{x: make([]float64, p.m.NumParams())}
	}
	w := p.wood
	b, dz, r := p.Batch(), p.dz, p.Rows()
	w.q = w.root.blocks(p.HessianBlocks(), b, dz)
	if w.gram.IsEmpty() || w.gram.SymmetricDim() != r {
		w.gram.Reset()
		w.gram.ReuseAsSym(r)
		w.gfull = make([]float64, r*r)
		w.t = make([]float64, r*r)
		w.s = mat.NewSymDense(r, nil)
		w.u, w.w = make([]float64, r), make([]float64, r)
		w.c = mat.NewVecDense(r, nil)
	}
	if gram == nil {
		p.GramTo(&w.gram)
		gram = &w.gram
	}
	// The rows of the full Gram matrix, T and S, sample block by sample
	// block on the Pass's workers (each row by one worker, as one would).
	w.gram2 = gram.RawSymmetric()
	w.lambda = lambda
	p.run(parWoodbury, b)
	w.gram2 = blas64.Symmetric{}
	p.JVPTo(w.u, g)
	mulBlocks(w.w, w.q, w.u, dz)
	if err := w.solveS(lambda, false); err != nil {
		return err
	}
	mulBlocks(w.u, w.q, w.c.RawVector().Data, dz)
	p.VJPTo(w.x, w.u)
	inv := 1 / lambda
	for i, gi := range g {
		dst[i] = inv * (gi - w.x[i])
	}
	return nil
}

// solveS solves S c = w.w into w.c, S = λI + (a positive semi-definite
// matrix) in w.s. mat.Cholesky estimates the condition number after
// factorising (Dlansy and Dpocon: a norm and several triangular solves
// on top of the factorisation), to report mat.Condition above
// mat.ConditionTolerance. S's 2-norm condition number is at most tr S/λ
// and its 1-norm one at most r·tr S/λ; when that bound is below the
// tolerance the error cannot arise, and S is factorised in place by the
// same Potrf and solved by the same Potrs (the same bits) without the
// estimate, unless estimate is set. S is overwritten.
func (w *woodburyWork) solveS(lambda float64, estimate bool) error {
	sr := w.s.RawSymmetric()
	r := sr.N
	tr := 0.0
	for i := range r {
		tr += sr.Data[i*sr.Stride+i]
	}
	if !estimate && lambda > 0 && float64(r)*tr/lambda <= mat.ConditionTolerance {
		u, ok := lapack64.Potrf(sr)
		if !ok {
			return ErrNotPositiveDefinite
		}
		c := w.c.RawVector().Data
		copy(c, w.w)
		lapack64.Potrs(u, blas64.General{Rows: r, Cols: 1, Stride: 1, Data: c})
		return nil
	}
	if ok := w.chol.Factorize(w.s); !ok {
		return ErrNotPositiveDefinite
	}
	return w.chol.SolveVecTo(w.c, mat.NewVecDense(r, w.w))
}

// hessRoot computes Q_s = H_s^{1/2}, the symmetric square root of each
// Hessian block, by an eigendecomposition (negative round-off eigenvalues
// clipped to 0).
type hessRoot struct {
	q    []float64 // b blocks dz×dz
	eig  mat.EigenSym
	blk  *mat.SymDense
	vecs mat.Dense
	vals []float64
	dz   int
}

func (w *hessRoot) blocks(h []float64, b, dz int) []float64 {
	if w.dz != dz || len(w.q) < b*dz*dz {
		w.q = make([]float64, b*dz*dz)
		w.blk = mat.NewSymDense(dz, nil)
		w.vals = make([]float64, dz)
		w.dz = dz
	}
	for s := range b {
		hs := h[s*dz*dz : (s+1)*dz*dz]
		for i := range dz {
			for j := i; j < dz; j++ {
				w.blk.SetSym(i, j, hs[i*dz+j])
			}
		}
		qs := w.q[s*dz*dz : (s+1)*dz*dz]
		if !w.eig.Factorize(w.blk, true) {
			// Only non-finite blocks fail; NaN propagates to the estimate,
			// which the optimizer reports as ErrNonFinite.
			for i := range qs {
				qs[i] = math.NaN()
			}
			continue
		}
		w.eig.Values(w.vals)
		w.eig.VectorsTo(&w.vecs)
		for i := range dz {
			for j := range dz {
				v := 0.0
				for k, l := range w.vals {
					if l > 0 {
						v += w.vecs.At(i, k) * math.Sqrt(l) * w.vecs.At(j, k)
					}
				}
				qs[i*dz+j] = v
			}
		}
	}
	return w.q[:b*dz*dz]
}
