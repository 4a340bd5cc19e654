package symeig

import (
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/tngd/tngd/internal/gemm"
)

// Inverse iteration on a symmetric tridiagonal matrix, split into blocks.

// Parameters of tridiagVectors, as in LAPACK's Dstein.
const (
	invMaxIts = 5    // inverse iterations at most
	invExtra  = 2    // iterations after the growth test is met
	invOrtol  = 1e-8 // eigenvalues closer than this times ‖T‖₁ are orthogonalized
)

// splitTol is the off-diagonal entry of T, relative to ‖T‖₁, below
// which T is split into independent blocks: setting such entries to zero
// moves every eigenvalue by at most splitTol·‖T‖₁, far inside the
// residual Check accepts (Tol).
const splitTol = 0x1p-52

// tridiagBlocks returns the boundaries 0 = b_0 < b_1 < … < b_m = n of the
// diagonal blocks of the symmetric tridiagonal T (diagonal d, off-diagonal
// e) once its off-diagonal entries |e_i| ≤ splitTol·‖T‖₁ are taken as
// zero. In TNGD, the output Hessian of a confident network gives S many
// near-zero rows, and T as many splits (about 60 at r = 640): the eigenvectors of
// different blocks are orthogonal by construction, and inverse iteration
// orthogonalizes only within a block's clusters.
func tridiagBlocks(d, e []float64) []int {
	n := len(d)
	tol := splitTol * tridiagNorm(d, e)
	blocks := []int{0}
	for i, v := range e {
		if math.Abs(v) <= tol {
			blocks = append(blocks, i+1)
		}
	}
	return append(blocks, n)
}

// tridiagNorm returns the 1-norm of the symmetric tridiagonal T.
func tridiagNorm(d, e []float64) float64 {
	n := len(d)
	if n == 1 {
		return math.Abs(d[0])
	}
	nrm := max(math.Abs(d[0])+math.Abs(e[0]), math.Abs(d[n-1])+math.Abs(e[n-2]))
	for i := 1; i < n-1; i++ {
		nrm = max(nrm, math.Abs(d[i])+math.Abs(e[i-1])+math.Abs(e[i]))
	}
	return nrm
}

// tridiagVectors writes into the n×n row-major zt the unit eigenvectors
// of the symmetric tridiagonal T (diagonal d, off-diagonal e) split into
// the diagonal blocks of blocks (tridiagBlocks): the eigenvalues of
// block k are w[b_k:b_{k+1}], ascending, and the vector of w[j], zero
// outside its block's rows, goes to column col[j]. Within a block it is
// inverse iteration as in LAPACK's Dstein: a perturbed shift where
// eigenvalues coincide, start vectors that differ per eigenvalue,
// Gram–Schmidt against the earlier vectors of a cluster, stop after the
// growth test and two more iterations (classical Gram–Schmidt in place of
// the modified one, with a second pass after the last iteration).
// Eigenvalues closer than invOrtol times the block's ‖T‖₁ to their
// predecessor form a cluster (Dstein's 1e-3 would chain most of a dense
// spectrum into one sequential cluster, and so would 1e-6 or 1e-7 with the
// many small eigenvalues of a confident network's output Hessian; vectors
// of eigenvalues farther apart are orthogonal to about ε·‖T‖/gap ≤ 2e-8, 50
// times below the caller's check Ortho, and are corrected by the
// caller). Clusters are dealt to the cores; the result does not depend on
// their number.
func tridiagVectors(d, e []float64, blocks []int, w []float64, col []int, zt []float64) {
	n := len(d)
	type cluster struct{ block, first, end int }
	var clusters []cluster
	shift := slices.Clone(w)
	norms := make([]float64, len(blocks)-1)
	for k := range norms {
		b0, b1 := blocks[k], blocks[k+1]
		var eb []float64
		if b1-b0 > 1 {
			eb = e[b0 : b1-1]
		}
		norms[k] = tridiagNorm(d[b0:b1], eb)
		ortol := invOrtol * norms[k]
		for j := b0; j < b1; j++ {
			if j > b0 {
				if pert := 10 * math.Abs(0x1p-52*shift[j]); shift[j]-shift[j-1] < pert {
					shift[j] = shift[j-1] + pert
				}
			}
			if j == b0 || math.Abs(w[j]-w[j-1]) > ortol {
				clusters = append(clusters, cluster{k, j, j + 1})
			} else {
				clusters[len(clusters)-1].end = j + 1
			}
		}
	}
	clear(zt)
	nw := workers(len(clusters))
	var wg sync.WaitGroup
	for id := range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var it *tridiag
			block := -1
			var vecs [][]float64
			for c := id; c < len(clusters); c += nw {
				cl := clusters[c]
				b0, b1 := blocks[cl.block], blocks[cl.block+1]
				if b1-b0 == 1 {
					zt[b0*n+col[cl.first]] = 1
					continue
				}
				if cl.block != block {
					it, block = newTridiag(d[b0:b1], e[b0:b1-1], norms[cl.block]), cl.block
				}
				vecs = vecs[:0]
				for j := cl.first; j < cl.end; j++ {
					v := it.vector(shift[j], j-b0, vecs)
					vecs = append(vecs, v)
					for i, x := range v {
						zt[(b0+i)*n+col[j]] = x
					}
				}
			}
		}()
	}
	wg.Wait()
}

// tridiag holds a tridiagonal matrix and the workspaces of inverse
// iteration on it.
type tridiag struct {
	d, e       []float64
	onenrm     float64
	dl, dd, du []float64 // LU of T − σI (LAPACK's Dgttrf layout)
	du2        []float64
	swap       []bool
	b          []float64
	eps3       float64   // replacement of small pivots
	dtpcrt     float64   // growth test
	coef       []float64 // Gram–Schmidt coefficients
}

func newTridiag(d, e []float64, onenrm float64) *tridiag {
	n := len(d)
	return &tridiag{
		d: d, e: e, onenrm: onenrm,
		dl: make([]float64, n-1), dd: make([]float64, n), du: make([]float64, n-1),
		du2: make([]float64, max(n-2, 0)), swap: make([]bool, n-1),
		eps3:   max(onenrm*0x1p-52, 0x1p-1022),
		dtpcrt: math.Sqrt(0.1 / float64(n)),
	}
}

// factor computes the LU factorization with partial pivoting of T − σI
// (LAPACK's Dgttrf), replacing pivots smaller than ε‖T‖₁ by that value
// with their sign, as LAPACK's Dlagts does.
func (t *tridiag) factor(sigma float64) {
	n := len(t.d)
	copy(t.dl, t.e)
	copy(t.du, t.e)
	for i := range n {
		t.dd[i] = t.d[i] - sigma
	}
	clear(t.du2)
	for i := 0; i < n-1; i++ {
		t.swap[i] = false
		if math.Abs(t.dd[i]) >= math.Abs(t.dl[i]) {
			if t.dd[i] != 0 {
				f := t.dl[i] / t.dd[i]
				t.dl[i] = f
				t.dd[i+1] -= f * t.du[i]
			}
			continue
		}
		f := t.dd[i] / t.dl[i]
		t.dd[i] = t.dl[i]
		t.dl[i] = f
		tmp := t.du[i]
		t.du[i] = t.dd[i+1]
		t.dd[i+1] = tmp - f*t.dd[i+1]
		if i+1 < n-1 {
			t.du2[i] = t.du[i+1]
			t.du[i+1] = -f * t.du[i+1]
		}
		t.swap[i] = true
	}
	for i, v := range t.dd {
		if math.Abs(v) < t.eps3 {
			t.dd[i] = math.Copysign(t.eps3, v)
		}
	}
}

// solve overwrites b with (T − σI)⁻¹b from the factorization.
func (t *tridiag) solve(b []float64) {
	n := len(t.d)
	for i := 0; i < n-1; i++ {
		if !t.swap[i] {
			b[i+1] -= t.dl[i] * b[i]
		} else {
			b[i], b[i+1] = b[i+1], b[i]-t.dl[i]*b[i+1]
		}
	}
	b[n-1] /= t.dd[n-1]
	if n > 1 {
		b[n-2] = (b[n-2] - t.du[n-2]*b[n-1]) / t.dd[n-2]
	}
	for i := n - 3; i >= 0; i-- {
		b[i] = (b[i] - t.du[i]*b[i+1] - t.du2[i]*b[i+2]) / t.dd[i]
	}
}

// vector returns a unit eigenvector of T for the eigenvalue near sigma
// (index j chooses the start vector), orthogonal to the unit vectors prev
// of its cluster.
func (t *tridiag) vector(sigma float64, j int, prev [][]float64) []float64 {
	n := len(t.d)
	t.factor(sigma)
	b := make([]float64, n)
	for i := range b {
		b[i] = Start(i, j)
	}
	checks := 0
	for range invMaxIts {
		// Scale b so that a converged solve grows past dtpcrt (Dstein).
		amax := maxAbs(b)
		if amax == 0 {
			b[j%n], amax = 1, 1
		}
		scl := float64(n) * t.onenrm * max(0x1p-52, math.Abs(t.dd[n-1])) / amax
		for i := range b {
			b[i] *= scl
		}
		t.solve(b)
		// Classical Gram–Schmidt against the cluster's earlier vectors,
		// once per iteration (which keeps the iteration away from them),
		// and once more after the last (twice in a row is as orthogonal as
		// modified Gram–Schmidt: Giraud et al., Numer. Math. 101, 2005),
		// on the vector kernels.
		t.project(prev, b)
		if maxAbs(b) < t.dtpcrt {
			continue
		}
		if checks++; checks > invExtra {
			break
		}
	}
	t.project(prev, b)
	nrm := 0.0
	for _, v := range b {
		nrm += v * v
	}
	nrm = math.Sqrt(nrm)
	if !(nrm > 0) || math.IsInf(nrm, 0) {
		return b
	}
	for i := range b {
		b[i] /= nrm
	}
	return b
}

// project is one pass of classical Gram–Schmidt of b against prev.
func (t *tridiag) project(prev [][]float64, b []float64) {
	if len(prev) == 0 {
		return
	}
	if cap(t.coef) < len(prev) {
		t.coef = make([]float64, len(prev), 2*len(prev))
	}
	gramSchmidt(t.coef[:len(prev)], prev, b)
}

// gramSchmidtSplit is the number of earlier vectors from which gramSchmidt
// works in two fixed halves on two goroutines (a long cluster of small
// eigenvalues, handled by one worker of tridiagVectors while the others
// are idle).
const gramSchmidtSplit = 48

// gramSchmidt sets b −= Σ_k coef_k p_k with coef_k = p_k·b (one pass of
// classical Gram–Schmidt against the unit vectors p). From gramSchmidtSplit
// vectors on, the dot products and the two halves of b are computed on
// two goroutines; each entry's arithmetic is the same either way.
func gramSchmidt(coef []float64, prev [][]float64, b []float64) {
	if len(prev) < gramSchmidtSplit {
		for k, p := range prev {
			coef[k] = gemm.Dot(p, b)
		}
		for k, p := range prev {
			gemm.Axpy(-coef[k], p, b)
		}
		return
	}
	half, mid := len(prev)/2, len(b)/2
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k, p := range prev[half:] {
			coef[half+k] = gemm.Dot(p, b)
		}
	}()
	for k, p := range prev[:half] {
		coef[k] = gemm.Dot(p, b)
	}
	wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k, p := range prev {
			gemm.Axpy(-coef[k], p[mid:], b[mid:])
		}
	}()
	for k, p := range prev {
		gemm.Axpy(-coef[k], p[:mid], b[:mid])
	}
	wg.Wait()
}

// maxAbs returns max |b_i|.
func maxAbs(b []float64) float64 {
	m := 0.0
	for _, v := range b {
		m = max(m, math.Abs(v))
	}
	return m
}

// workers returns the number of goroutines for n independent tasks, at
// most GOMAXPROCS.
func workers(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n))
}
