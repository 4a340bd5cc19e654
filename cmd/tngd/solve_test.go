package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tngd/tngd/circuit"
	"github.com/tngd/tngd/plots"
	"gonum.org/v1/gonum/mat"
)

func TestSolveBadInput(t *testing.T) {
	td := func(name string) string { return filepath.Join("testdata", name) }
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"missing rhs", []string{"--matrix", td("solve_A3.csv")}, "--rhs FILE are required"},
		{"no such file", []string{"--matrix", td("nope.csv"), "--rhs", td("solve_b3.csv")}, "nope.csv"},
		{"non-square", []string{"--matrix", td("solve_A_nonsquare.csv"), "--rhs", td("solve_b3.csv")}, "solve_A_nonsquare.csv: the matrix has 2 rows of 3 values; it must be square"},
		{"ragged", []string{"--matrix", td("solve_A_ragged.csv"), "--rhs", td("solve_b3.csv")}, "solve_A_ragged.csv:2: row has 2 values, the first row has 3"},
		{"not a number", []string{"--matrix", td("solve_A_nan.csv"), "--rhs", td("solve_b3.csv")}, `solve_A_nan.csv:2: value 2, "abc", is not a number`},
		{"size mismatch", []string{"--matrix", td("solve_A3.csv"), "--rhs", td("solve_b2.csv")}, "solve_b2.csv: 2 values, but A (testdata/solve_A3.csv) is 3×3"},
		{"mixed rhs", []string{"--matrix", td("solve_A3.csv"), "--rhs", td("solve_b_mixed.csv")}, "solve_b_mixed.csv:2: 2 values on a line"},
		{"unstable", []string{"--matrix", td("solve_A_unstable.csv"), "--rhs", td("solve_b3.csv")}, "solve_A_unstable.csv: the matrix is not positive-stable (an eigenvalue has real part -1 ≤ 0)"},
		{"hardware key", []string{"--matrix", td("solve_A3.csv"), "--rhs", td("solve_b3.csv"), "--hardware", td("solve_hw_badkey.toml")}, `solve_hw_badkey.toml:3: unknown key "arrays.bitz"`},
		{"negative time", []string{"--matrix", td("solve_A3.csv"), "--rhs", td("solve_b3.csv"), "--time", "-1"}, "--time -1"},
		{"zero samples", []string{"--matrix", td("solve_A3.csv"), "--rhs", td("solve_b3.csv"), "--samples", "0"}, "--samples 0"},
		{"burn-in too long", []string{"--matrix", td("solve_A3.csv"), "--rhs", td("solve_b3.csv"), "--time", "5", "--samples", "3", "--burn-in", "6"}, "--burn-in 6 is longer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, append([]string{"solve"}, tc.args...)...)
			assert.Equal(t, 2, code, "stderr: %s", stderr)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.msg)
		})
	}
}

// solveJSON runs tngd solve --json and decodes its output.
func solveJSON(t *testing.T, args ...string) solveResult {
	t.Helper()
	stdout, stderr, code := runCLI(t, append([]string{"solve", "--json"}, args...)...)
	require.Equal(t, 0, code, "stderr: %s", stderr)
	var res solveResult
	require.NoError(t, json.Unmarshal([]byte(stdout), &res))
	return res
}

func TestSolveSmall(t *testing.T) {
	A := mat.NewDense(3, 3, []float64{2, -0.5, 0, -0.5, 1.5, 0.25, 0, 0.25, 1})
	b := mat.NewVecDense(3, []float64{1, -2, 0.5})
	var want mat.VecDense
	require.NoError(t, want.SolveVec(A, b))

	for _, rhs := range []string{"solve_b3.csv", "solve_b3_row.csv"} {
		stdout, stderr, code := runCLI(t, "solve", "--matrix", "testdata/solve_A3.csv", "--rhs", "testdata/"+rhs)
		require.Equal(t, 0, code, stderr)
		lines := strings.Fields(stdout)
		require.Len(t, lines, 3)
		for i, l := range lines {
			v, err := strconv.ParseFloat(l, 64)
			require.NoError(t, err)
			// Johnson noise at 300 K: a relative error of order 1e-5.
			assert.InDelta(t, want.AtVec(i), v, 1e-4)
		}
	}

	res := solveJSON(t, "--matrix", "testdata/solve_A3.csv", "--rhs", "testdata/solve_b3.csv", "--time", "30", "--samples", "10")
	assert.Equal(t, 3, res.N)
	assert.Len(t, res.X, 3)
	assert.Equal(t, 30.0, res.TimeTau)
	assert.Equal(t, 15.0, res.BurnInTau)
	assert.Equal(t, 10, res.Samples)
	assert.Equal(t, "exact-dense", res.Method)
	assert.Less(t, res.ErrorVsExact, 1e-4)
	assert.Less(t, res.Residual, 1e-4)
	// Timing: 9 entries and 3 + 3 (input, reset) DAC words and 10 × 3 ADC
	// words of 16 bits at 50 Gb/s; 30 µs of analog time.
	word := 16 / 50e9
	assert.InEpsilon(t, 9*word, res.Phases.Programming, 1e-12)
	assert.InEpsilon(t, 6*word, res.Phases.DAC, 1e-12)
	assert.InEpsilon(t, 30*word, res.Phases.ADC, 1e-12)
	assert.InEpsilon(t, 30e-6, res.Phases.Analog, 1e-12)
	assert.InEpsilon(t, res.Phases.DAC+res.Phases.Programming+res.Phases.Analog+res.Phases.ADC, res.SimTime, 1e-15)
	assert.True(t, res.Spectrum.Exact)
	assert.Equal(t, 0, res.Clipped["arrays"]+res.Clipped["dac"]+res.Clipped["adc"])

	// Quantized hardware: the error grows but stays small.
	q := solveJSON(t, "--matrix", "testdata/solve_A3.csv", "--rhs", "testdata/solve_b3.csv", "--hardware", "testdata/solve_hw_bits.toml")
	assert.Greater(t, q.ErrorVsExact, 1e-4)
	assert.Less(t, q.ErrorVsExact, 0.05)

	// Same seed, same output; another seed, another noise.
	a := solveJSON(t, "--matrix", "testdata/solve_A3.csv", "--rhs", "testdata/solve_b3.csv", "--seed", "7")
	c := solveJSON(t, "--matrix", "testdata/solve_A3.csv", "--rhs", "testdata/solve_b3.csv", "--seed", "7")
	d := solveJSON(t, "--matrix", "testdata/solve_A3.csv", "--rhs", "testdata/solve_b3.csv", "--seed", "8")
	assert.Equal(t, a.X, c.X)
	assert.NotEqual(t, a.X, d.X)
}

// writeCSV writes m rows to a file in dir and returns its path.
func writeCSV(t *testing.T, dir, name string, rows [][]float64) string {
	t.Helper()
	var sb strings.Builder
	for _, row := range rows {
		for j, v := range row {
			if j > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		}
		sb.WriteString("\n")
	}
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(sb.String()), 0o644))
	return path
}

// meanSquaredError returns E‖x̄ − x*‖² for the mean of K samples, Δ apart,
// of the stationary process dx = −M(x − x*)dt + noise with stationary
// covariance Σ, M symmetric: Cov(x_j, x_k) = e^{−M|t_j−t_k|}Σ, so
// Σ_{j,k} Cov = KΣ + GΣ + ΣG with G = Σ_{d=1}^{K−1} (K−d) e^{−MdΔ}.
func meanSquaredError(t *testing.T, M *mat.SymDense, sigma mat.Matrix, k int, delta float64) float64 {
	var eig mat.EigenSym
	require.True(t, eig.Factorize(M, true))
	var q mat.Dense
	eig.VectorsTo(&q)
	vals := eig.Values(nil)
	w := make([]float64, len(vals))
	for i, l := range vals {
		for d := 1; d < k; d++ {
			w[i] += float64(k-d) * math.Exp(-l*float64(d)*delta)
		}
	}
	var g, gs mat.Dense
	g.Mul(&q, mat.NewDiagDense(len(w), w))
	g.Mul(&g, q.T())
	gs.Mul(&g, sigma)
	tr := float64(k)*mat.Trace(sigma) + 2*mat.Trace(&gs)
	return tr / float64(k*k)
}

// TestSolveAveragingLaw runs tngd solve on a 64×64 SPD system, with the
// default hardware (Johnson noise at 300 K) and with injected κ₀ = 1e-3,
// and checks the error of the K-sample mean against the averaging law,
// computed exactly for the programmed circuit: stationary covariance Σ from
// the Lyapunov equation (Johnson: one-sided PSD 4kTG of every conductance;
// κ₀: Σ = κ₀A⁻¹), then E‖x̄ − x*‖² for K samples Δ apart (see
// meanSquaredError), about (2τ_slow/T)·tr Σ. A = Q diag(λ) Qᵀ with λ in
// [0.2, 0.9] (|A_ij| < 1, so α = 1): τ_slow = 5τ; burn-in 200τ leaves
// e^{−40} of the start; T = 400τ with K = 400. One run's squared error is
// a weighted sum of 64 χ²₁ variables with that mean; its weights (slow
// modes dominate) leave about 15 effective degrees of freedom, a relative
// spread of ≈ 35 % (seeds 1–8 gave ratios 0.70–1.38): the test accepts ¼ to
// 4 times the mean.
func TestSolveAveragingLaw(t *testing.T) {
	const n, burn, span, k = 64, 200.0, 400.0, 400
	rng := rand.New(rand.NewPCG(64, 64))
	var qr mat.QR
	qm := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			qm.Set(i, j, rng.NormFloat64())
		}
	}
	qr.Factorize(qm)
	var q mat.Dense
	qr.QTo(&q)
	lam := make([]float64, n)
	for i := range lam {
		lam[i] = 0.2 + 0.7*float64(i)/float64(n-1)
	}
	var ad mat.Dense
	ad.Mul(&q, mat.NewDiagDense(n, lam))
	ad.Mul(&ad, q.T())
	A := mat.NewSymDense(n, nil)
	rows := make([][]float64, n)
	for i := 0; i < n; i++ {
		rows[i] = make([]float64, n)
		for j := 0; j < n; j++ {
			v := (ad.At(i, j) + ad.At(j, i)) / 2
			A.SetSym(i, j, v)
			rows[i][j] = v
		}
	}
	b := make([]float64, n)
	bRows := make([][]float64, n)
	for i := range b {
		b[i] = rng.NormFloat64()
		bRows[i] = []float64{b[i]}
	}
	dir := t.TempDir()
	aPath := writeCSV(t, dir, "A.csv", rows)
	bPath := writeCSV(t, dir, "b.csv", bRows)
	bInf := 0.0
	for _, v := range b {
		bInf = math.Max(bInf, math.Abs(v))
	}

	for _, tc := range []struct {
		name string
		hw   []string
	}{{"default hardware", nil}, {"kappa0", []string{"--hardware", "testdata/solve_hw_kappa.toml"}}} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--matrix", aPath, "--rhs", bPath, "--time", fmt.Sprint(burn + span), "--burn-in", fmt.Sprint(burn), "--samples", fmt.Sprint(k)}, tc.hw...)
			res := solveJSON(t, args...)
			require.Equal(t, 1.0, res.Alpha)
			require.Equal(t, "exact-dense", res.Method)
			sigma := mat.NewSymDense(n, nil)
			if tc.hw == nil {
				// Johnson noise in units of x per τ: D_ii = 2kT·G_tot,i·τ/(C·s_x)²,
				// G_tot,i = G_in + Σ_j |A_ij|/R (one side of each ideal pair on),
				// G_in = α·s_x·‖b‖_∞/(1 V·R).
				const kT, R, C = circuit.Boltzmann * 300, 1e3, 1e-9
				sx := res.StateScale
				d := mat.NewSymDense(n, nil)
				for i := 0; i < n; i++ {
					g := sx * bInf / R
					for j := 0; j < n; j++ {
						g += math.Abs(A.At(i, j)) / R
					}
					d.SetSym(i, i, 2*kT*g*R*C/(C*C*sx*sx))
				}
				s, err := circuit.SolveLyapunov(A, d)
				require.NoError(t, err)
				sigma = s
			} else {
				var inv mat.Dense
				require.NoError(t, inv.Inverse(A))
				for i := 0; i < n; i++ {
					for j := i; j < n; j++ {
						sigma.SetSym(i, j, 1e-3*(inv.At(i, j)+inv.At(j, i))/2)
					}
				}
			}
			mse := meanSquaredError(t, A, sigma, k, span/k)
			law := 2 * 5 / span * mat.Trace(sigma)
			var x, xs mat.VecDense
			x.CloneFromVec(mat.NewVecDense(n, res.X))
			require.NoError(t, xs.SolveVec(A, mat.NewVecDense(n, b)))
			x.SubVec(&x, &xs)
			got := mat.Dot(&x, &x)
			t.Logf("squared error %.3g, expected %.3g (law %.3g); relative error %.3g", got, mse, law, res.ErrorVsExact)
			assert.LessOrEqual(t, mse, law, "the slowest mode bounds the law")
			assert.Greater(t, mse, law/10)
			assert.Less(t, got, 4*mse)
			assert.Greater(t, got, mse/4)
		})
	}
}

// solveA3 is testdata/solve_A3.csv and solveB3 testdata/solve_b3.csv.
var (
	solveA3 = mat.NewSymDense(3, []float64{2, -0.5, 0, -0.5, 1.5, 0.25, 0, 0.25, 1})
	solveB3 = mat.NewVecDense(3, []float64{1, -2, 0.5})
)

// solvePlotRun runs tngd solve --json --plot DIR with args and returns the
// decoded output, the figures drawn and DIR.
func solvePlotRun(t *testing.T, args ...string) (solveResult, map[string]drawn, string) {
	t.Helper()
	figs := captureFigures(t)
	dir := filepath.Join(t.TempDir(), "plots")
	res := solveJSON(t, append([]string{"--matrix", "testdata/solve_A3.csv", "--rhs", "testdata/solve_b3.csv", "--plot", dir}, args...)...)
	return res, figs, dir
}

// TestSolvePlotJohnson draws the figures of the default hardware (Johnson
// noise at 300 K) and checks the stationary figure's law against the
// Lyapunov equation of the cells written from the circuit by hand: in units
// of x and τ the drift is αA and the diffusion D_ii = 2kT·G_tot,i·τ/(C·s_x)²,
// G_tot,i = G_in + Σ_j α|A_ij|/R (one conductance of each ideal pair, the
// diagonal's self-loop included) and G_in = α·s_x·‖b‖_∞/(1 V·R); the cell
// voltage's variance is s_x²Σ_00. Both are exact, so they agree to rounding
// (1e-9 relative).
func TestSolvePlotJohnson(t *testing.T) {
	res, figs, dir := solvePlotRun(t)
	requireFigureFiles(t, dir, "trajectory", "stationary")

	desc := figs["trajectory"].desc
	for _, line := range []string{
		`figure: "solve_A3.csv: cell readings"`,
		`x: "analog time (τ)" [linear]`,
		`y: "reading, in units of x" [linear]`,
		`series "x0"`, `series "x1"`, `series "x2"`, `series "A⁻¹b (LU)"`,
	} {
		assert.Contains(t, desc, line)
	}
	var exact mat.VecDense
	require.NoError(t, exact.SolveVec(solveA3, solveB3))
	traj := figs["trajectory"].spec.(plots.Lines)
	require.Len(t, traj.Series, 6)
	for i := range 3 {
		s := traj.Series[i]
		require.Len(t, s.Y, solvePlotPoints+1)
		assert.Equal(t, solveB3.AtVec(i), s.Y[0], "the run starts at b")
		assert.InDelta(t, res.TimeTau, s.X[len(s.X)-1], 1e-12)
		// 20 slowest time constants: e^{-20}·|b − x*| plus µV of noise.
		assert.InDelta(t, exact.AtVec(i), s.Y[len(s.Y)-1], 1e-4)
		assert.True(t, traj.Series[3+i].Reference)
		assert.Equal(t, exact.AtVec(i), traj.Series[3+i].Y[0])
	}

	st := figs["stationary"].spec.(plots.Stationary)
	sdesc := figs["stationary"].desc
	assert.Contains(t, sdesc, fmt.Sprintf(`figure: "cell 0 for t > %sτ, exact law"`, shortFloat(res.TimeTau/2)))
	assert.Contains(t, sdesc, `x: "V0 − s_x·(A⁻¹b)0 (µV)"; y: "probability density (1/µV)"`)
	assert.Contains(t, sdesc, fmt.Sprintf(`node "cell 0": %d samples`, solvePlotPoints/2))

	const kT, R, C = circuit.Boltzmann * solveDefaultTemperature, 1e3, 1e-9
	alpha, sx := res.Alpha, res.StateScale
	require.Equal(t, 0.5, alpha, "max|A| = 2 fills the arrays at α = ½")
	drift := mat.NewDense(3, 3, nil)
	drift.Scale(alpha, solveA3)
	d := mat.NewSymDense(3, nil)
	for i := range 3 {
		g := alpha * sx * 2 / R // ‖b‖_∞ = 2
		for j := range 3 {
			g += alpha * math.Abs(solveA3.At(i, j)) / R
		}
		d.SetSym(i, i, 2*kT*g*R*C/(C*C*sx*sx))
	}
	sigma, err := circuit.SolveLyapunov(drift, d)
	require.NoError(t, err)
	want := sx * sx * sigma.At(0, 0)
	t.Logf("Johnson noise of cell 0: σ = %.3g µV", 1e6*math.Sqrt(want))
	assert.InEpsilon(t, want, st.Variance, 1e-9)
	assert.InDelta(t, 0, st.Mean, 1e-12, "ideal arrays: the fixed point is A⁻¹b")
}

// TestSolvePlotKappa checks the stationary figure of injected noise κ₀ =
// 1e-3 against the paper's law N(A⁻¹b, κ₀A⁻¹), in volts at the cell:
// variance κ₀·s_x²·(A⁻¹)_00 (to rounding), and the samples of a long run
// against it. Run: T = 4000τ in 40,000 pieces, the last 20,000 readings
// (Δ = 0.1τ apart) drawn. Their autocorrelation is exact for the OU
// process with drift αA: ρ(h) = [e^{−αAh}A⁻¹]_00/(A⁻¹)_00, which gives the
// standard errors of sampleMomentErrors (4.0 % for the variance, 0.041σ
// for the mean: the slowest mode decays at α·0.85 ≈ 0.43/τ, so 2000τ hold
// about 600 independent samples of the mean); the test allows 4. The seed
// is fixed, so the check is deterministic.
func TestSolvePlotKappa(t *testing.T) {
	const kappa0, span, pieces = 1e-3, 4000.0, 40000
	res, figs, dir := solvePlotRun(t, "--hardware", "testdata/solve_hw_kappa.toml",
		"--time", fmt.Sprint(span), "--plot-points", fmt.Sprint(pieces), "--plot-cell", "1")
	requireFigureFiles(t, dir, "trajectory", "stationary")
	st := figs["stationary"].spec.(plots.Stationary)
	assert.Contains(t, figs["stationary"].desc, `figure: "cell 1 for t > 2000τ, exact law"`)
	assert.Contains(t, figs["stationary"].desc, `x: "V1 − s_x·(A⁻¹b)1 (mV)"`)
	// The trajectory is thinned to solveLineLimit points per line.
	traj := figs["trajectory"].spec.(plots.Lines)
	assert.Len(t, traj.Series[0].X, solveLineLimit+1)
	assert.Equal(t, span, traj.Series[0].X[solveLineLimit])

	var inv mat.Dense
	require.NoError(t, inv.Inverse(solveA3))
	sx := res.StateScale
	want := kappa0 * sx * sx * inv.At(1, 1)
	assert.InEpsilon(t, want, st.Variance, 1e-9)
	assert.InDelta(t, 0, st.Mean, 1e-12)

	var eig mat.EigenSym
	require.True(t, eig.Factorize(solveA3, true))
	var q mat.Dense
	eig.VectorsTo(&q)
	lam := eig.Values(nil)
	delta := span / pieces
	rho := func(k int) float64 {
		var num float64
		for j, l := range lam {
			num += q.At(1, j) * q.At(1, j) / l * math.Exp(-res.Alpha*l*float64(k)*delta)
		}
		return num / inv.At(1, 1)
	}
	require.Len(t, st.Samples, pieces/2)
	meanSE, varSE := sampleMomentErrors(len(st.Samples), rho)
	m, v := sampleMoments(st.Samples)
	t.Logf("sample variance / theory = %.4f (relative SE %.4f); mean / σ = %.4f (SE %.4f)", v/want, varSE, m/math.Sqrt(want), meanSE)
	assert.InEpsilon(t, want, v, 4*varSE)
	assert.InDelta(t, 0, m, 4*meanSE*math.Sqrt(want))
}

// TestSolvePlotHardware checks the figures of hardware without an exact
// Gaussian law or without noise, and the plot flags' errors.
func TestSolvePlotHardware(t *testing.T) {
	t.Run("no noise", func(t *testing.T) {
		figs := captureFigures(t)
		dir := t.TempDir()
		_, stderr, code := runCLI(t, "solve", "--matrix", "testdata/solve_A3.csv", "--rhs", "testdata/solve_b3.csv",
			"--hardware", "testdata/solve_hw_quiet.toml", "--plot", dir)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stderr, "tngd: note: the device has no noise: no stationary figure")
		requireFigureFiles(t, dir, "trajectory")
		assert.NotContains(t, figs, "stationary")
	})
	t.Run("op-amp GBW", func(t *testing.T) {
		_, figs, dir := solvePlotRun(t, "--hardware", "testdata/solve_hw_gbw.toml", "--samples", "4", "--burn-in", "10")
		requireFigureFiles(t, dir, "trajectory", "stationary")
		st := figs["stationary"].spec.(plots.Stationary)
		assert.Contains(t, figs["stationary"].desc, `figure: "cell 0 for t > 10τ, Gaussian fit (op-amp GBW)"`)
		m, v := sampleMoments(st.Samples)
		assert.Equal(t, m, st.Mean)
		assert.Equal(t, v, st.Variance)
	})
	t.Run("quantized", func(t *testing.T) {
		_, figs, _ := solvePlotRun(t, "--hardware", "testdata/solve_hw_bits.toml", "--plot-cell", "2")
		assert.Contains(t, figs["stationary"].desc, "exact law before ADC rounding")
		st := figs["stationary"].spec.(plots.Stationary)
		// 8-bit arrays move the fixed point: the law's mean is the
		// programmed circuit's, not 0.
		assert.Greater(t, math.Abs(st.Mean), 1e-6)
	})
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"cell too large", []string{"--plot", "DIR", "--plot-cell", "3"}, "--plot-cell 3: A (testdata/solve_A3.csv) has 3 rows, want 0 to 2"},
		{"negative cell", []string{"--plot", "DIR", "--plot-cell", "-1"}, "--plot-cell -1: want a cell index ≥ 0"},
		{"one point", []string{"--plot", "DIR", "--plot-points", "1"}, "--plot-points 1: want 2 to 100000"},
		{"cell without plot", []string{"--plot-cell", "1"}, "--plot-cell needs --plot DIR"},
		{"points without plot", []string{"--plot-points", "10"}, "--plot-points needs --plot DIR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"solve", "--matrix", "testdata/solve_A3.csv", "--rhs", "testdata/solve_b3.csv"}
			for _, a := range tc.args {
				if a == "DIR" {
					a = t.TempDir()
				}
				args = append(args, a)
			}
			stdout, stderr, code := runCLI(t, args...)
			assert.Equal(t, 2, code, stderr)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.msg)
		})
	}
}
