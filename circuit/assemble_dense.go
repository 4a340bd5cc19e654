package circuit

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// dense is a row-major matrix that, unlike mat.Dense, may have zero rows or
// columns. The assembly works with it because a circuit may have no
// constraints, no inputs, no capacitor-free node or no state at all.
type dense struct {
	r, c int
	d    []float64 // r*c values, row-major, stride c
}

func newDense(r, c int) *dense { return &dense{r: r, c: c, d: make([]float64, r*c)} }

func identity(n int) *dense {
	m := newDense(n, n)
	for i := range n {
		m.d[i*n+i] = 1
	}
	return m
}

func (m *dense) at(i, j int) float64     { return m.d[i*m.c+j] }
func (m *dense) set(i, j int, v float64) { m.d[i*m.c+j] = v }
func (m *dense) add(i, j int, v float64) { m.d[i*m.c+j] += v }

func (m *dense) clone() *dense {
	return &dense{r: m.r, c: m.c, d: append([]float64(nil), m.d...)}
}

func (m *dense) general() blas64.General {
	return blas64.General{Rows: m.r, Cols: m.c, Stride: max(m.c, 1), Data: m.d}
}

// mul returns a·b.
func mul(a, b *dense) *dense {
	if a.c != b.r {
		panic("circuit: internal dimension mismatch in mul")
	}
	out := newDense(a.r, b.c)
	if a.r == 0 || b.c == 0 || a.c == 0 {
		return out
	}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, a.general(), b.general(), 0, out.general())
	return out
}

// mulT returns a·bᵀ.
func mulT(a, b *dense) *dense {
	if a.c != b.c {
		panic("circuit: internal dimension mismatch in mulT")
	}
	out := newDense(a.r, b.r)
	if a.r == 0 || b.r == 0 || a.c == 0 {
		return out
	}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, a.general(), b.general(), 0, out.general())
	return out
}

// sub returns a − b.
func sub(a, b *dense) *dense {
	if a.r != b.r || a.c != b.c {
		panic("circuit: internal dimension mismatch in sub")
	}
	out := a.clone()
	for i, v := range b.d {
		out.d[i] -= v
	}
	return out
}

// plus returns a + b.
func plus(a, b *dense) *dense {
	if a.r != b.r || a.c != b.c {
		panic("circuit: internal dimension mismatch in plus")
	}
	out := a.clone()
	for i, v := range b.d {
		out.d[i] += v
	}
	return out
}

// cols returns the columns idx of m.
func (m *dense) cols(idx []int) *dense {
	out := newDense(m.r, len(idx))
	for i := range m.r {
		for k, j := range idx {
			out.d[i*out.c+k] = m.d[i*m.c+j]
		}
	}
	return out
}

// rows returns the rows idx of m.
func (m *dense) rows(idx []int) *dense {
	out := newDense(len(idx), m.c)
	for k, i := range idx {
		copy(out.d[k*m.c:(k+1)*m.c], m.d[i*m.c:(i+1)*m.c])
	}
	return out
}

// hcat returns [a b].
func hcat(ms ...*dense) *dense {
	r, c := ms[0].r, 0
	for _, m := range ms {
		if m.r != r {
			panic("circuit: internal dimension mismatch in hcat")
		}
		c += m.c
	}
	out := newDense(r, c)
	off := 0
	for _, m := range ms {
		for i := range r {
			copy(out.d[i*c+off:i*c+off+m.c], m.d[i*m.c:(i+1)*m.c])
		}
		off += m.c
	}
	return out
}

func (m *dense) transpose() *dense {
	out := newDense(m.c, m.r)
	for i := range m.r {
		for j := range m.c {
			out.d[j*m.r+i] = m.d[i*m.c+j]
		}
	}
	return out
}

func (m *dense) scale(f float64) {
	for i := range m.d {
		m.d[i] *= f
	}
}

// maxAbs returns the largest absolute entry of m (0 when empty).
func (m *dense) maxAbs() float64 {
	v := 0.0
	for _, x := range m.d {
		v = max(v, math.Abs(x))
	}
	return v
}

// symmetrize replaces the square m by (m + mᵀ)/2.
func (m *dense) symmetrize() {
	for i := range m.r {
		for j := i + 1; j < m.c; j++ {
			v := 0.5 * (m.d[i*m.c+j] + m.d[j*m.c+i])
			m.d[i*m.c+j], m.d[j*m.c+i] = v, v
		}
	}
}

// solve returns a⁻¹·b for a square, nonsingular a, by LU with partial
// pivoting after scaling the rows and columns of a to unit max-norm (which
// changes neither the solution nor the pivots' meaning, and makes the
// condition test independent of units). ok is false when the estimated
// condition number of the scaled a exceeds 1/ε (infinite when a is exactly
// singular). The determinant is not a test: it underflows for
// well-conditioned matrices of small entries (64 capacitances of 1 nF give
// 1e-576).
func solve(a, b *dense) (x *dense, ok bool) {
	if a.r != a.c || a.r != b.r {
		panic("circuit: internal dimension mismatch in solve")
	}
	n := a.r
	x = newDense(b.r, b.c)
	if n == 0 || b.c == 0 {
		return x, true
	}
	as, bs := a.clone(), b.clone()
	for i := range n {
		s := 0.0
		for j := range n {
			s = max(s, math.Abs(as.at(i, j)))
		}
		if s == 0 {
			return x, false
		}
		for j := range n {
			as.set(i, j, as.at(i, j)/s)
		}
		for j := range b.c {
			bs.set(i, j, bs.at(i, j)/s)
		}
	}
	cs := make([]float64, n)
	for j := range n {
		s := 0.0
		for i := range n {
			s = max(s, math.Abs(as.at(i, j)))
		}
		if s == 0 {
			return x, false
		}
		cs[j] = s
		for i := range n {
			as.set(i, j, as.at(i, j)/s)
		}
	}
	var lu mat.LU
	lu.Factorize(as.toMat())
	if c := lu.Cond(); math.IsNaN(c) || c > 1/dlamchE {
		return x, false
	}
	dst := mat.NewDense(b.r, b.c, x.d)
	if err := lu.SolveTo(dst, false, bs.toMat()); err != nil {
		return x, false
	}
	for i := range n {
		for j := range b.c {
			x.set(i, j, x.at(i, j)/cs[i])
		}
	}
	return x, true
}

// toMat returns m as a *mat.Dense sharing its data, or nil when m is empty.
func (m *dense) toMat() *mat.Dense {
	if m.r == 0 || m.c == 0 {
		return nil
	}
	return mat.NewDense(m.r, m.c, m.d)
}

// toMatCopy returns a copy of m as a *mat.Dense, or nil when m is empty.
func (m *dense) toMatCopy() *mat.Dense {
	if m.r == 0 || m.c == 0 {
		return nil
	}
	return mat.NewDense(m.r, m.c, append([]float64(nil), m.d...))
}

// toSym returns a copy of the square, symmetric m as a *mat.SymDense, or nil
// when m is empty.
func (m *dense) toSym() *mat.SymDense {
	if m.r == 0 {
		return nil
	}
	return mat.NewSymDense(m.r, append([]float64(nil), m.d...))
}

// denseOf copies any mat.Matrix into a dense (nil gives 0×0).
func denseOf(a mat.Matrix) *dense {
	if a == nil {
		return newDense(0, 0)
	}
	r, c := a.Dims()
	out := newDense(r, c)
	for i := range r {
		for j := range c {
			out.d[i*c+j] = a.At(i, j)
		}
	}
	return out
}

// dlamchE is the machine epsilon of float64 (unit roundoff 2⁻⁵³ times 2).
const dlamchE = 0x1p-52
