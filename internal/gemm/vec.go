package gemm

// Dot returns Σ a_i x_i (len(x) ≥ len(a)), summed in a fixed order.
func Dot(a, x []float64) float64 { return dot(a, x) }

// Dot2 returns Σ a_i x_i and Σ a_i y_i, reading a once.
func Dot2(a, x, y []float64) (float64, float64) { return dot2(a, x, y) }

// Axpy computes y += a·x (len(y) ≥ len(x)).
func Axpy(a float64, x, y []float64) { axpy(a, x, y) }

// UsePortable switches to the portable Go kernels until the returned
// function is called (for tests comparing the two; not concurrency-safe).
func UsePortable() (restore func()) {
	k, d, d2, ax := kernel, dot, dot2, axpy
	kernel, dot, dot2, axpy = kernelGo, dotGo, dot2Go, axpyGo
	return func() { kernel, dot, dot2, axpy = k, d, d2, ax }
}

// The kernels in use: set at init to assembly where available.
var (
	kernel = kernelGo
	dot    = dotGo
	dot2   = dot2Go
	axpy   = axpyGo
)

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
