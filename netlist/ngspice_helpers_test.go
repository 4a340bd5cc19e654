package netlist

import (
	"context"
	"math"
	"math/cmplx"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/tngd/tngd/circuit"
)

// requireNgspice returns the path of ngspice, failing (never skipping) the
// test when it is missing: the cross-validation is part of the suite.
func requireNgspice(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ngspice")
	if err != nil {
		t.Fatalf("ngspice is not installed (%v): run scripts/test, which installs the Debian package ngspice", err)
	}
	return p
}

// runNgspice writes n with a control block that writes every node of
// n.Nodes() on the .tran grid, runs ngspice -b on it in a temporary
// directory and returns the columns: time, then the nodes in order.
func runNgspice(t *testing.T, n *Netlist, options string) [][]float64 {
	t.Helper()
	bin := requireNgspice(t)
	dir := t.TempDir()
	deck := filepath.Join(dir, "deck.cir")
	f, err := os.Create(deck)
	require.NoError(t, err)
	require.NoError(t, Write(f, n, &WriteOptions{Wave: "wave.txt", Options: options}))
	require.NoError(t, f.Close())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-b", "deck.cir")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "ngspice failed:\n%s", out)
	_, err = os.Stat(filepath.Join(dir, "wave.txt"))
	require.NoError(t, err, "ngspice wrote no waveform:\n%s", out)
	cols := readWrdata(t, filepath.Join(dir, "wave.txt"))
	require.Len(t, cols, len(n.Nodes())+1, "columns of the waveform")
	return cols
}

// runOurs runs n with Simulate and returns the columns: time, then nodes.
func runOurs(t *testing.T, n *Netlist, opt *SimulateOptions) [][]float64 {
	t.Helper()
	cols := make([][]float64, len(n.Nodes())+1)
	err := Simulate(context.Background(), n, opt, func(tm float64, v []float64) error {
		cols[0] = append(cols[0], tm)
		for j, x := range v {
			cols[j+1] = append(cols[j+1], x)
		}
		return nil
	})
	require.NoError(t, err)
	return cols
}

// bspline3 is the centred cubic B-spline, the autocorrelation of the unit
// hat function: the shape of the autocorrelation of ngspice's linearly
// interpolated TRNOISE samples (in units of NT). ∫B3 = 1.
func bspline3(s float64) float64 {
	s = math.Abs(s)
	switch {
	case s < 1:
		return 2.0/3 - s*s + s*s*s/2
	case s < 2:
		d := 2 - s
		return d * d * d / 6
	}
	return 0
}

// psiTRNoise returns ψ(λ) = ∫₀^∞ r(u) e^{−λu} du for the normalized
// TRNOISE autocorrelation r(u) = B3(u/NT)/NT, i.e. ∫₀² B3(s) e^{−λ·NT·s} ds,
// by Simpson's rule on 4,000 intervals (B3 is a C² cubic, so the error is
// far below 1e-12). White noise is the limit ψ = 1/2.
func psiTRNoise(lambda complex128, nt float64) complex128 {
	const m = 4000
	h := 2.0 / m
	var sum complex128
	for i := 0; i <= m; i++ {
		s := float64(i) * h
		w := 2.0
		switch {
		case i == 0 || i == m:
			w = 1
		case i%2 == 1:
			w = 4
		}
		sum += complex(w*bspline3(s), 0) * cmplx.Exp(-lambda*complex(nt*s, 0))
	}
	return sum * complex(h/3, 0)
}

// trnoiseCovariance returns the stationary covariance of the model's state
// when its white noise is replaced by ngspice's TRNOISE of sample interval
// nt (every source the same NT): the noise then has autocorrelation
// D·r(u) instead of D·δ(u), and with A = V Λ V⁻¹,
//
//	Σ = V (M ∘ Φ) Vᵀ,  M = V⁻¹ D V⁻ᵀ,  Φ_kl = (ψ(λ_k) + ψ(λ_l))/(λ_k + λ_l),
//
// which is the Lyapunov solution when ψ = 1/2. A must be diagonalizable.
func trnoiseCovariance(t *testing.T, m *circuit.Model, nt float64) *mat.Dense {
	t.Helper()
	a := m.Drift()
	r, _ := a.Dims()
	var eig mat.Eigen
	require.True(t, eig.Factorize(a, mat.EigenRight))
	lam := eig.Values(nil)
	var vc mat.CDense
	eig.VectorsTo(&vc)
	v := make([][]complex128, r)
	for i := range v {
		v[i] = make([]complex128, r)
		for j := range v[i] {
			v[i][j] = vc.At(i, j)
		}
	}
	vinv := cinverse(t, v)
	d := m.Diffusion()
	// M = V⁻¹ D V⁻ᵀ
	tmp := make([][]complex128, r)
	for i := range tmp {
		tmp[i] = make([]complex128, r)
		for j := range r {
			var s complex128
			for k := range r {
				s += vinv[i][k] * complex(d.At(k, j), 0)
			}
			tmp[i][j] = s
		}
	}
	psi := make([]complex128, r)
	for k := range psi {
		psi[k] = psiTRNoise(lam[k], nt)
	}
	mphi := make([][]complex128, r)
	for i := range mphi {
		mphi[i] = make([]complex128, r)
		for j := range r {
			var s complex128
			for k := range r {
				s += tmp[i][k] * vinv[j][k]
			}
			mphi[i][j] = s * (psi[i] + psi[j]) / (lam[i] + lam[j])
		}
	}
	out := mat.NewDense(r, r, nil)
	for i := range r {
		for j := range r {
			var s complex128
			for k := range r {
				for l := range r {
					s += v[i][k] * mphi[k][l] * v[j][l]
				}
			}
			out.Set(i, j, real(s))
		}
	}
	return out
}

// cinverse inverts a small complex matrix by Gauss–Jordan elimination with
// partial pivoting.
func cinverse(t *testing.T, a [][]complex128) [][]complex128 {
	n := len(a)
	w := make([][]complex128, n)
	for i := range w {
		w[i] = make([]complex128, 2*n)
		copy(w[i], a[i])
		w[i][n+i] = 1
	}
	for c := range n {
		p := c
		for i := c + 1; i < n; i++ {
			if cmplx.Abs(w[i][c]) > cmplx.Abs(w[p][c]) {
				p = i
			}
		}
		require.Greater(t, cmplx.Abs(w[p][c]), 1e-300, "singular eigenvector matrix")
		w[c], w[p] = w[p], w[c]
		piv := w[c][c]
		for j := range w[c] {
			w[c][j] /= piv
		}
		for i := range n {
			if i != c && w[i][c] != 0 {
				f := w[i][c]
				for j := range w[i] {
					w[i][j] -= f * w[c][j]
				}
			}
		}
	}
	out := make([][]complex128, n)
	for i := range out {
		out[i] = w[i][n:]
	}
	return out
}

// statVariance returns the variance of the statistic Σ_ij W_ij Ŝ_ij, with
// Ŝ the sample covariance of nSamples samples Δ seconds apart of the
// stationary Gaussian process with drift A and covariance Σ: to first order
// in 1/N (Isserlis' theorem, summing the lag covariances Γ(h) = e^{−AhΔ}Σ),
//
//	Var = (2/N) [tr(WΣWΣ) + 2 Σ_{h≥1} tr(W Γ(h) W Γ(h)ᵀ)].
//
// The sum stops when a term falls below 1e-9 of the first.
func statVariance(m *circuit.Model, sigma, w *mat.Dense, delta float64, nSamples int) float64 {
	e, _ := m.Transition(delta)
	term := func(g *mat.Dense) float64 {
		var wg, wgt, p mat.Dense
		wg.Mul(w, g)
		wgt.Mul(w, g.T())
		p.Mul(&wg, &wgt)
		return mat.Trace(&p)
	}
	first := term(sigma)
	total := first
	g := mat.DenseCopyOf(sigma)
	for h := 1; h < 1_000_000; h++ {
		var next mat.Dense
		next.Mul(e, g)
		g = &next
		tr := term(g)
		total += 2 * tr
		if math.Abs(tr) < 1e-9*math.Abs(first) {
			break
		}
	}
	return 2 * total / float64(nSamples)
}

// sampleCovariance returns the sample covariance (divisor N − 1) of the
// given columns from row skip on.
func sampleCovariance(cols [][]float64, skip int) *mat.Dense {
	k := len(cols)
	n := len(cols[0]) - skip
	mean := make([]float64, k)
	for i, c := range cols {
		for _, x := range c[skip:] {
			mean[i] += x
		}
		mean[i] /= float64(n)
	}
	s := mat.NewDense(k, k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			sum := 0.0
			for r := skip; r < len(cols[0]); r++ {
				sum += (cols[i][r] - mean[i]) * (cols[j][r] - mean[j])
			}
			s.Set(i, j, sum/float64(n-1))
			s.Set(j, i, sum/float64(n-1))
		}
	}
	return s
}
