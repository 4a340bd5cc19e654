package solver

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// Kernels shared by the solvers that work in the r-dimensional row space
// of J: the Gram matrix J Jᵀ, the block structure of H and its square root.

// gramTile is the tile size of [gramTo]; 160 was fastest for r = 640,
// N = 20,000 among {64, 128, 160, 320} on the 2-core development machine
// (0.81 s against 1.46 s for a full J·Jᵀ product and 2.6 s for Dsyrk).
const gramTile = 160

// gramTo writes G = J Jᵀ into the r×r row-major g, both triangles. It
// computes only the upper tiles, with one Dgemm each (gonum's Dgemm is
// blocked and parallel, its Dsyrk is not), then mirrors.
func gramTo(g, j blas64.General) {
	r, n := j.Rows, j.Cols
	for i := 0; i < r; i += gramTile {
		ri := min(gramTile, r-i)
		for k := i; k < r; k += gramTile {
			rk := min(gramTile, r-k)
			blas64.Gemm(blas.NoTrans, blas.Trans, 1, sub(j, i, 0, ri, n), sub(j, k, 0, rk, n), 0, sub(g, i, k, ri, rk))
		}
	}
	mirrorUpper(g)
}

// mirrorUpper copies the strict upper triangle of the square a into its
// strict lower triangle.
func mirrorUpper(a blas64.General) {
	for i := 1; i < a.Rows; i++ {
		row := a.Data[i*a.Stride:]
		for k := 0; k < i; k++ {
			row[k] = a.Data[k*a.Stride+i]
		}
	}
}

// blockEnds appends to ends[:0] the exclusive end indices of the diagonal
// blocks of the symmetric h: the finest partition of 0…r−1 into
// contiguous ranges with h zero outside the diagonal blocks. A dense h is
// one block; the Hessian of a batch loss has one block per sample.
func blockEnds(ends []int, h blas64.Symmetric) []int {
	ends = ends[:0]
	n := h.N
	reach := 0
	for i := 0; i < n; i++ {
		row := h.Data[i*h.Stride:]
		for j := n - 1; j > reach; j-- {
			if row[j] != 0 {
				reach = j
				break
			}
		}
		if reach <= i {
			ends = append(ends, i+1)
			reach = i + 1
		}
	}
	return ends
}

// copyBlocks writes the diagonal blocks of the (upper-stored) symmetric h
// into the full r×r row-major dst, both triangles; entries of dst outside
// the blocks are left unchanged.
func copyBlocks(dst blas64.General, h blas64.Symmetric, ends []int) {
	s := 0
	for _, e := range ends {
		for i := s; i < e; i++ {
			for k := i; k < e; k++ {
				v := h.Data[i*h.Stride+k]
				dst.Data[i*dst.Stride+k] = v
				dst.Data[k*dst.Stride+i] = v
			}
		}
		s = e
	}
}

// smallBlock is the block size up to which the block products below use
// plain loops: gonum's Dgemm spawns goroutines for a tall r×b·b×b product
// however small b is, which costs more than the O(r·b²) arithmetic.
const smallBlock = 32

// mulBlockRight computes c = a·B for the r×r block-diagonal B whose blocks
// are given by ends and stored in the full matrix b.
func mulBlockRight(c, a, b blas64.General, ends []int) {
	s := 0
	for _, e := range ends {
		m := e - s
		if m > smallBlock {
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, sub(a, 0, s, a.Rows, m), sub(b, s, s, m, m), 0, sub(c, 0, s, a.Rows, m))
			s = e
			continue
		}
		for i := 0; i < a.Rows; i++ {
			ai := a.Data[i*a.Stride+s : i*a.Stride+e]
			ci := c.Data[i*c.Stride+s : i*c.Stride+e]
			clear(ci)
			for k, aik := range ai {
				bk := b.Data[(s+k)*b.Stride+s : (s+k)*b.Stride+e]
				for j, bkj := range bk {
					ci[j] += aik * bkj
				}
			}
		}
		s = e
	}
}

// mulBlockLeft computes c = B·a for the block-diagonal B of mulBlockRight.
func mulBlockLeft(c, b, a blas64.General, ends []int) {
	s := 0
	for _, e := range ends {
		m := e - s
		if m > smallBlock {
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, sub(b, s, s, m, m), sub(a, s, 0, m, a.Cols), 0, sub(c, s, 0, m, a.Cols))
			s = e
			continue
		}
		for i := s; i < e; i++ {
			ci := c.Data[i*c.Stride : i*c.Stride+a.Cols]
			clear(ci)
			for k := s; k < e; k++ {
				bik := b.Data[i*b.Stride+k]
				ak := a.Data[k*a.Stride : k*a.Stride+a.Cols]
				for j, akj := range ak {
					ci[j] += bik * akj
				}
			}
		}
		s = e
	}
}

// eigenWork holds workspaces for symmetric eigendecompositions.
type eigenWork struct {
	work    []float64
	s, z, g []float64 // n×n: the matrix, its eigenvectors, their Gram matrix (eigen)
}

// syev computes in place the eigendecomposition of the n×n symmetric
// matrix stored (full, row-major) in a: on return the rows of a… are
// overwritten by the eigenvectors (column k of a is eigenvector k, as in
// LAPACK's row-major convention) and w holds the eigenvalues in ascending
// order.
func (ew *eigenWork) syev(a blas64.General, w []float64) bool {
	s := blas64.Symmetric{N: a.Rows, Stride: a.Stride, Data: a.Data, Uplo: blas.Upper}
	var q [1]float64
	lapack64.Syev(lapack.EVCompute, s, w, q[:], -1)
	ew.work = grow(ew.work, int(q[0]))
	return lapack64.Syev(lapack.EVCompute, s, w, ew.work, len(ew.work))
}

// psdHessianTol is the relative size below which negative eigenvalues of
// H are taken for round-off and clamped to zero: a softmax cross-entropy
// block diag(p) − ppᵀ is singular, and its computed zero eigenvalue is a
// few ulps either side of 0.
const psdHessianTol = 1e-10

// sqrtBlocks writes into the full r×r dst the symmetric square root of
// each diagonal block of the positive semidefinite h (blocks given by
// ends); entries outside the blocks are left unchanged. It returns
// ErrIndefiniteHessian if an eigenvalue is below −psdHessianTol·max|eig|
// and ErrNoConvergence if LAPACK fails. tmp and w are workspaces of
// length ≥ (largest block)² and ≥ largest block.
func sqrtBlocks(dst blas64.General, h blas64.Symmetric, ends []int, ew *eigenWork, tmp, w []float64) error {
	s := 0
	for _, e := range ends {
		m := e - s
		a := general(tmp[:m*m], m, m)
		for i := 0; i < m; i++ {
			copy(a.Data[i*m+i:i*m+m], h.Data[(s+i)*h.Stride+s+i:(s+i)*h.Stride+e])
		}
		d := w[:m]
		if !ew.syev(a, d) {
			return ErrNoConvergence
		}
		dmax := max(math.Abs(d[0]), math.Abs(d[m-1]))
		if d[0] < -psdHessianTol*dmax {
			return ErrIndefiniteHessian
		}
		// dst block = V diag(√d) Vᵀ = (V diag(d^¼))(V diag(d^¼))ᵀ, V = a
		// (eigenvectors in columns).
		for k := range d {
			d[k] = math.Sqrt(math.Sqrt(max(d[k], 0)))
		}
		for i := 0; i < m; i++ {
			row := a.Data[i*m : i*m+m]
			for k, dk := range d {
				row[k] *= dk
			}
		}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, a, a, 0, sub(dst, s, s, m, m))
		s = e
	}
	return nil
}
