package circuit

import (
	"cmp"
	"math"
	"slices"
	"sync"

	"github.com/tngd/tngd/internal/gemm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// The symmetric-definite path of the low-rank eigendecomposition.
//
// When the two J copies are identical (no programming error, no stuck
// devices, ideal stage op-amps) and the H stage is symmetric, the
// coupling K = Ĥ P has a symmetric Ĥ and a symmetric P = F diag(ε) Fᵀ,
// positive definite when the J array has full row rank. With the Cholesky
// factorization P = UᵀU, K is similar to the symmetric S = U Ĥ Uᵀ:
//
//	K U⁻¹ = Ĥ Uᵀ = U⁻¹ S,   S = Z Λ Zᵀ   ⇒   K = X Λ X⁻¹,  X = U⁻¹ Z,  X⁻¹ = Zᵀ U,
//
// so the eigenvalues are real and the non-symmetric QR algorithm
// (lrEigen) is replaced by a symmetric one: tridiagonalization (LAPACK's
// Dsytrd), the eigenvalues of the
// tridiagonal T by the root-free QL algorithm (Dsterf), its eigenvectors by
// inverse iteration (lrTridiagVectors, after LAPACK's Dstein), in parallel,
// and the back transformation by the blocked product kernel. The condition
// number of X is that of U, √cond(P).

// lrEigenSymDef computes the eigendecomposition K = X Λ X⁻¹ of K = H·P for
// the n×n row-major symmetric h and symmetric positive definite p (neither
// modified): the eigenvalues into w, X into the row-major x and X⁻¹ into
// xinv, and returns an estimate of the 1-norm condition number of X. It
// reports false, leaving the caller to the general path, if p is not
// positive definite or a check of the result fails.
func lrEigenSymDef(h, p []float64, n int, w, x, xinv []float64) (cond float64, ok bool) {
	if cond, ok, done := lrEigenSymDeflate(h, p, n, w, x, xinv); done {
		return cond, ok
	}
	// P = UᵀU.
	u := append([]float64(nil), p...)
	tri, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: n, Stride: n, Data: u})
	if !ok {
		return 0, false
	}
	for i := 1; i < n; i++ {
		clear(u[i*n : i*n+i]) // the strict lower triangle held P
	}
	work := make([]float64, 3*n)
	rc := lapack64.Trcon(lapack.MaxColumnSum, tri, work, make([]int, n))
	if !(rc > 0) {
		return 0, false
	}
	cond = 1 / rc

	// S = U H Uᵀ.
	tmp := make([]float64, n*n)
	s := make([]float64, n*n)
	lrCongruence(s, tmp, u, h, n)
	orig := append([]float64(nil), s...)

	// S = Z Λ Zᵀ.
	z, g := tmp, make([]float64, n*n)
	if !lrEigenSym(s, n, w, z) || !lrEigenSymCheck(orig, n, w, z, g) {
		return 0, false
	}

	// X = U⁻¹Z; X⁻¹ = Z⁻¹U with Z⁻¹ = (ZᵀZ)⁻¹Zᵀ ≈ (2I − ZᵀZ)Zᵀ, exact to
	// ‖ZᵀZ − I‖² (checked below 1e-6 by lrEigenSymCheck, which left ZᵀZ
	// in g).
	for i, v := range g {
		g[i] = -v
	}
	for i := range n {
		g[i*n+i] += 2
	}
	lrMulTo(s, n, n, n, n, lrOperand{g, n, false}, nil, lrOperand{z, n, true}, false)
	lrMulUpper(xinv, s, u, n)
	copy(x[:n*n], z)
	if !lrUpperSolve(u, x, n) {
		return 0, false
	}
	return cond, true
}

// lrBlockMax is the largest diagonal block of H for which lrCongruence
// works block by block.
const lrBlockMax = 64

// lrCongruence writes S = U H Uᵀ into the n×n row-major s (symmetric to
// the last bit) for the upper triangular u and symmetric h, using the n×n
// tmp as workspace. When H is block diagonal with blocks of at most
// lrBlockMax rows (an output Hessian: one block per sample), each block is
// diagonalized, H = V diag(μ) Vᵀ, and S = M diag(μ) Mᵀ with M = U V is
// formed on its upper triangle: about n³ multiply–adds instead of the
// 2n³ of the two dense products of the general case.
func lrCongruence(s, tmp, u, h []float64, n int) {
	dense := func() {
		lrMulTo(tmp, n, n, n, n, lrOperand{u, n, false}, nil, lrOperand{h, n, false}, false)
		lrMulTo(s, n, n, n, n, lrOperand{tmp, n, false}, nil, lrOperand{u, n, true}, false)
		symmetrize(s, n)
	}
	blocks := lrDiagBlocks(h, n)
	if blocks == nil {
		dense()
		return
	}
	var impl gonum.Implementation
	mu := make([]float64, n)
	m := tmp // M = U V, row-major
	clear(m[:n*n])
	var vb, work []float64
	for b := 0; b+1 < len(blocks); b++ {
		lo, hi := blocks[b], blocks[b+1]
		k := hi - lo
		vb = grow(vb, k*k)
		for i := range k {
			copy(vb[i*k:(i+1)*k], h[(lo+i)*n+lo:(lo+i)*n+hi])
		}
		var q [1]float64
		impl.Dsyev(lapack.EVCompute, blas.Upper, k, vb, k, mu[lo:hi], q[:], -1)
		work = grow(work, int(q[0]))
		if !impl.Dsyev(lapack.EVCompute, blas.Upper, k, vb, k, mu[lo:hi], work, len(work)) {
			// Not expected for a block of ≤ lrBlockMax rows; the dense
			// products are exact in any case.
			dense()
			return
		}
		// Columns lo…hi−1 of M: U's columns of the block (rows ≤ hi−1,
		// U being upper triangular) times V_b.
		for i := range hi {
			urow, mrow := u[i*n+lo:i*n+hi], m[i*n+lo:i*n+hi]
			for t, ut := range urow {
				if ut != 0 {
					gemm.Axpy(ut, vb[t*k:(t+1)*k], mrow)
				}
			}
		}
	}
	lrMulTo(s, n, n, n, n, lrOperand{m, n, false}, mu, lrOperand{m, n, true}, true)
}

// lrDiagBlocks returns the boundaries 0 = b_0 < b_1 < … < b_m = n of the
// finest partition of the n×n row-major symmetric h into diagonal blocks
// (h is zero outside them), or nil if a block has more than lrBlockMax
// rows.
func lrDiagBlocks(h []float64, n int) []int {
	blocks := []int{0}
	end := 0 // last row of the current block, so far
	for i := range n {
		row := h[i*n : (i+1)*n]
		last := i
		for j := n - 1; j > i; j-- {
			if row[j] != 0 {
				last = j
				break
			}
		}
		end = max(end, last)
		if i == end {
			if i+1-blocks[len(blocks)-1] > lrBlockMax {
				return nil
			}
			blocks = append(blocks, i+1)
			end = i + 1
		}
	}
	return blocks
}

// lrEigenSymDeflate handles the rows k of an unused stage (a batch padded
// with zero rows of J and H): P's and Ĥ's row and column k vanish, so e_k
// is an eigenvector of K = Ĥ P for the eigenvalue 0 and the other
// eigenvectors are those of the remaining rows, extended by zeros. It
// solves that smaller problem by lrEigenSymDef and reports done = true,
// or done = false when there is no such row; ok = false if a row has
// P_kk = 0 but is not unused (P is then singular).
func lrEigenSymDeflate(h, p []float64, n int, w, x, xinv []float64) (cond float64, ok, done bool) {
	var act, unused []int
	for k := range n {
		if p[k*n+k] != 0 {
			act = append(act, k)
			continue
		}
		for j := range n {
			if p[k*n+j] != 0 || p[j*n+k] != 0 || h[k*n+j] != 0 || h[j*n+k] != 0 {
				return 0, false, true
			}
		}
		unused = append(unused, k)
	}
	if len(unused) == 0 {
		return 0, false, false
	}
	m := len(act)
	clear(x[:n*n])
	clear(xinv[:n*n])
	for t, k := range unused {
		j := m + t
		w[j], x[k*n+j], xinv[j*n+k] = 0, 1, 1
	}
	if m == 0 {
		return 1, true, true
	}
	ha, pa := make([]float64, m*m), make([]float64, m*m)
	for i, ki := range act {
		for j, kj := range act {
			ha[i*m+j], pa[i*m+j] = h[ki*n+kj], p[ki*n+kj]
		}
	}
	wa, xa, xia := make([]float64, m), make([]float64, m*m), make([]float64, m*m)
	cond, ok = lrEigenSymDef(ha, pa, m, wa, xa, xia)
	if !ok {
		return 0, false, true
	}
	copy(w, wa)
	for i, ki := range act {
		for j := range m {
			x[ki*n+j] = xa[i*m+j]
			xinv[j*n+ki] = xia[j*m+i]
		}
	}
	return cond, true, true
}

// lrEigenSymTol bounds the accepted eigen-residual ‖S z − λ z‖ of each
// unit eigenvector relative to ‖S‖_F, and the departure of the computed
// eigenvectors from orthonormality, max |ZᵀZ − I|: the inverse iteration
// is backward stable to a few n·ε; a larger value means a failure.
const (
	lrEigenSymTol   = 1e-11
	lrEigenSymOrtho = 1e-6
)

// lrEigenSymCheck checks S Z = Z Λ column by column and the
// orthonormality of Z (n×n row-major s, z), leaving ZᵀZ in the n×n g.
func lrEigenSymCheck(s []float64, n int, w, z, g []float64) bool {
	sz := make([]float64, n*n)
	lrMulTo(sz, n, n, n, n, lrOperand{s, n, false}, nil, lrOperand{z, n, false}, false)
	norm := 0.0
	for _, v := range s {
		norm += v * v
	}
	norm = math.Sqrt(norm)
	res := make([]float64, n)
	for i := range n {
		for j := range n {
			d := sz[i*n+j] - w[j]*z[i*n+j]
			res[j] += d * d
		}
	}
	for _, r := range res {
		if !(math.Sqrt(r) <= lrEigenSymTol*norm) {
			return false
		}
	}
	lrMulTo(g, n, n, n, n, lrOperand{z, n, true}, nil, lrOperand{z, n, false}, true)
	for i := range n {
		for j := range n {
			want := 0.0
			if i == j {
				want = 1
			}
			if !(math.Abs(g[i*n+j]-want) <= lrEigenSymOrtho) {
				return false
			}
		}
	}
	return true
}

// lrEigenSym computes S = Z diag(w) Zᵀ for the n×n row-major symmetric s
// (destroyed): the tridiagonal reduction S = Q T Qᵀ (LAPACK's Dsytrd on
// the upper triangle; Q formed by Dorgtr on another goroutine), T split
// into blocks at negligible off-diagonal entries (lrTridiagBlocks), the
// eigenvalues of each block (Dsterf), their eigenvectors by inverse
// iteration (lrTridiagVectors) and Z = Q Z_T, with w ascending. The
// columns of the row-major z are unit vectors, orthogonal to about ε/gap
// (the caller corrects for it). It reports false if the QL algorithm did
// not converge.
func lrEigenSym(s []float64, n int, w, z []float64) bool {
	if n == 1 {
		w[0], z[0] = s[0], 1
		return true
	}
	var impl gonum.Implementation
	d, e, tau := make([]float64, n), make([]float64, n-1), make([]float64, n-1)
	var q [1]float64
	impl.Dsytrd(blas.Upper, n, s, n, d, e, tau, q[:], -1)
	work := make([]float64, max(int(q[0]), 1))
	impl.Dsytrd(blas.Upper, n, s, n, d, e, tau, work, len(work))
	qm := slices.Clone(s) // the reflectors, then Q
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ql [1]float64
		impl.Dorgtr(blas.Upper, n, qm, n, tau, ql[:], -1)
		lw := max(int(ql[0]), 1)
		impl.Dorgtr(blas.Upper, n, qm, n, tau, make([]float64, lw), lw)
	}()
	// T splits where an off-diagonal entry is negligible next to ‖T‖₁;
	// the eigenpairs of each block are computed alone (see
	// lrTridiagBlocks), then ordered by eigenvalue.
	blocks := lrTridiagBlocks(d, e)
	copy(w, d)
	ee := append([]float64(nil), e...)
	for k := 0; k+1 < len(blocks); k++ {
		b0, b1 := blocks[k], blocks[k+1]
		if b1-b0 > 1 && !impl.Dsterf(b1-b0, w[b0:b1], ee[b0:b1-1]) {
			<-done
			return false
		}
	}
	order := make([]int, n) // order[r]: the r-th smallest eigenvalue
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(w[a], w[b]) })
	rank := make([]int, n) // rank[j]: the column of eigenvalue j
	for r, j := range order {
		rank[j] = r
	}
	zt := s // T's eigenvectors, row-major, columns
	lrTridiagVectors(d, e, blocks, w, rank, zt)
	ws := make([]float64, n)
	for j, r := range rank {
		ws[r] = w[j]
	}
	copy(w, ws)
	<-done
	lrMulTo(z, n, n, n, n, lrOperand{qm, n, false}, nil, lrOperand{zt, n, false}, false)
	return true
}

// Parameters of lrTridiagVectors, as in LAPACK's Dstein.
const (
	lrInvMaxIts = 5    // inverse iterations at most
	lrInvExtra  = 2    // iterations after the growth test is met
	lrInvOrtol  = 1e-8 // eigenvalues closer than this times ‖T‖₁ are orthogonalized
)

// lrTridiagSplit is the off-diagonal entry of T, relative to ‖T‖₁, below
// which T is split into independent blocks: setting such entries to zero
// moves every eigenvalue by at most lrTridiagSplit·‖T‖₁, far inside the
// residual the symmetric-definite path accepts (lrEigenSymTol).
const lrTridiagSplit = 0x1p-52

// lrTridiagBlocks returns the boundaries 0 = b_0 < b_1 < … < b_m = n of the
// diagonal blocks of the symmetric tridiagonal T (diagonal d, off-diagonal
// e) once its off-diagonal entries |e_i| ≤ lrTridiagSplit·‖T‖₁ are taken as
// zero. The output Hessian of a confident network gives S many near-zero
// rows, and T as many splits (about 60 at r = 640): the eigenvectors of
// different blocks are orthogonal by construction, and inverse iteration
// orthogonalizes only within a block's clusters.
func lrTridiagBlocks(d, e []float64) []int {
	n := len(d)
	tol := lrTridiagSplit * lrTridiagNorm(d, e)
	blocks := []int{0}
	for i, v := range e {
		if math.Abs(v) <= tol {
			blocks = append(blocks, i+1)
		}
	}
	return append(blocks, n)
}

// lrTridiagNorm returns the 1-norm of the symmetric tridiagonal T.
func lrTridiagNorm(d, e []float64) float64 {
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

// lrTridiagVectors writes into the n×n row-major zt the unit eigenvectors
// of the symmetric tridiagonal T (diagonal d, off-diagonal e) split into
// the diagonal blocks of blocks (lrTridiagBlocks): the eigenvalues of
// block k are w[b_k:b_{k+1}], ascending, and the vector of w[j], zero
// outside its block's rows, goes to column col[j]. Within a block it is
// inverse iteration as in LAPACK's Dstein: a perturbed shift where
// eigenvalues coincide, start vectors that differ per eigenvalue,
// Gram–Schmidt against the earlier vectors of a cluster, stop after the
// growth test and two more iterations (classical Gram–Schmidt in place of
// the modified one, with a second pass after the last iteration).
// Eigenvalues closer than lrInvOrtol times the block's ‖T‖₁ to their
// predecessor form a cluster (Dstein's 1e-3 would chain most of a dense
// spectrum into one sequential cluster, and so would 1e-6 or 1e-7 with the
// many small eigenvalues of a confident network's output Hessian; vectors
// of eigenvalues farther apart are orthogonal to about ε·‖T‖/gap ≤ 2e-8, 50
// times below the caller's check lrEigenSymOrtho, and are corrected by the
// caller). Clusters are dealt to the cores; the result does not depend on
// their number.
func lrTridiagVectors(d, e []float64, blocks []int, w []float64, col []int, zt []float64) {
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
		norms[k] = lrTridiagNorm(d[b0:b1], eb)
		ortol := lrInvOrtol * norms[k]
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
	nw := lrWorkers(len(clusters))
	var wg sync.WaitGroup
	for id := range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var it *lrTridiag
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
					it, block = newLrTridiag(d[b0:b1], e[b0:b1-1], norms[cl.block]), cl.block
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

// lrTridiag holds a tridiagonal matrix and the workspaces of inverse
// iteration on it.
type lrTridiag struct {
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

func newLrTridiag(d, e []float64, onenrm float64) *lrTridiag {
	n := len(d)
	return &lrTridiag{
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
func (t *lrTridiag) factor(sigma float64) {
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
func (t *lrTridiag) solve(b []float64) {
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
func (t *lrTridiag) vector(sigma float64, j int, prev [][]float64) []float64 {
	n := len(t.d)
	t.factor(sigma)
	b := make([]float64, n)
	for i := range b {
		b[i] = lrStart(i, j)
	}
	checks := 0
	for range lrInvMaxIts {
		// Scale b so that a converged solve grows past dtpcrt (Dstein).
		amax := lrAmax(b)
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
		if lrAmax(b) < t.dtpcrt {
			continue
		}
		if checks++; checks > lrInvExtra {
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
func (t *lrTridiag) project(prev [][]float64, b []float64) {
	if len(prev) == 0 {
		return
	}
	if cap(t.coef) < len(prev) {
		t.coef = make([]float64, len(prev), 2*len(prev))
	}
	lrProject(t.coef[:len(prev)], prev, b)
}

// lrProjectSplit is the number of earlier vectors from which lrProject
// works in two fixed halves on two goroutines (a long cluster of small
// eigenvalues, handled by one worker of lrTridiagVectors while the others
// are idle).
const lrProjectSplit = 48

// lrProject sets b −= Σ_k coef_k p_k with coef_k = p_k·b (one pass of
// classical Gram–Schmidt against the unit vectors p). From lrProjectSplit
// vectors on, the dot products and the two halves of b are computed on
// two goroutines; each entry's arithmetic is the same either way.
func lrProject(coef []float64, prev [][]float64, b []float64) {
	if len(prev) < lrProjectSplit {
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

// lrAmax returns max |b_i|.
func lrAmax(b []float64) float64 {
	m := 0.0
	for _, v := range b {
		m = max(m, math.Abs(v))
	}
	return m
}
