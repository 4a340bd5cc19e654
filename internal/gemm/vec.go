package gemm

// Dot returns Σ a_i x_i (len(x) ≥ len(a)), summed in a fixed order.
func Dot(a, x []float64) float64 {
	if useAsm {
		return dotAsm(a, x)
	}
	return dotGo(a, x)
}

// Dot2 returns Σ a_i x_i and Σ a_i y_i, reading a once.
func Dot2(a, x, y []float64) (float64, float64) {
	if useAsm {
		return dot2Asm(a, x, y)
	}
	return dot2Go(a, x, y)
}

// Dot4 sets dst[k] = Σ_i a[k·lda+i]·x[i] for the four rows k < 4 of the
// row-major a (stride lda ≥ n), i < n, summed in a fixed order: x is read
// once for the four rows, which makes matrix–vector products with long
// rows limited by memory rather than by cache bandwidth.
func Dot4(dst *[4]float64, a []float64, lda, n int, x []float64) {
	if useAsm {
		dot4Asm(dst, a, lda, n, x)
		return
	}
	dot4Go(dst, a, lda, n, x)
}

// Dot4x2 sets dst[k] = Σ_i a[k·lda+i]·x[i] and dst[4+k] = Σ_i
// a[k·lda+i]·y[i] for the four rows k < 4 of a, i < n, reading each row
// once for both vectors and x, y once for the four rows (see Dot4).
func Dot4x2(dst *[8]float64, a []float64, lda, n int, x, y []float64) {
	if useAsm {
		dot4x2Asm(dst, a, lda, n, x, y)
		return
	}
	dot4x2Go(dst, a, lda, n, x, y)
}

// Dot4x3 is Dot4x2 for three vectors: dst[k], dst[4+k] and dst[8+k] are
// the products of row k with x, y and z.
func Dot4x3(dst *[12]float64, a []float64, lda, n int, x, y, z []float64) {
	if useAsm {
		dot4x3Asm(dst, a, lda, n, x, y, z)
		return
	}
	dot4x3Go(dst, a, lda, n, x, y, z)
}

// Axpy computes y += a·x (len(y) ≥ len(x)).
func Axpy(a float64, x, y []float64) {
	if useAsm {
		axpyAsm(a, x, y)
		return
	}
	axpyGo(a, x, y)
}

// UsePortable switches to the portable Go kernels until the returned
// function is called (for tests comparing the two; not concurrency-safe).
func UsePortable() (restore func()) {
	prev := useAsm
	useAsm = false
	return func() { useAsm = prev }
}

// useAsm selects the assembly kernels (set at init where available). The
// kernels are called directly, not through function values, so that their
// small results can stay on the caller's stack.
var useAsm = false

func dot4Go(dst *[4]float64, a []float64, lda, n int, x []float64) {
	for k := range 4 {
		dst[k] = dotGo(a[k*lda:k*lda+n], x)
	}
}

func dot4x3Go(dst *[12]float64, a []float64, lda, n int, x, y, z []float64) {
	for k := range 4 {
		row := a[k*lda : k*lda+n]
		dst[k], dst[4+k] = dot2Go(row, x, y)
		dst[8+k] = dotGo(row, z)
	}
}

func dot4x2Go(dst *[8]float64, a []float64, lda, n int, x, y []float64) {
	for k := range 4 {
		dst[k], dst[4+k] = dot2Go(a[k*lda:k*lda+n], x, y)
	}
}

func axpyGo(a float64, x, y []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}

func dotGo(a, x []float64) float64 {
	x = x[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * x[i]
		s1 += a[i+1] * x[i+1]
		s2 += a[i+2] * x[i+2]
		s3 += a[i+3] * x[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func dot2Go(a, x, y []float64) (float64, float64) {
	x = x[:len(a)]
	y = y[:len(a)]
	var s0, s1, t0, t1 float64
	i := 0
	for ; i+2 <= len(a); i += 2 {
		s0 += a[i] * x[i]
		s1 += a[i+1] * x[i+1]
		t0 += a[i] * y[i]
		t1 += a[i+1] * y[i+1]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * x[i]
		t0 += a[i] * y[i]
	}
	return s0 + s1, t0 + t1
}
