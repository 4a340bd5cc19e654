package circuit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// spuSnapshot is everything a programming determines: the model's array
// matrices and terms, each array's row sums and conductances, the scale
// and the exported circuit.
type spuSnapshot struct {
	mats    map[string]*mat.Dense
	vecs    map[string][]float64
	scale   Scale
	report  ProgramReport
	circuit *Circuit
}

// takeSnapshot rebuilds s's model and copies what it determines. The
// arrays' conductances are read last, so a deferred array is compared on
// the model terms it wrote before they are formed. With circuit, the
// exported circuit is included.
func takeSnapshot(t *testing.T, s *SPU, rep ProgramReport, circuit bool) spuSnapshot {
	t.Helper()
	s.Reset(nil)
	m := &s.model
	snap := spuSnapshot{mats: map[string]*mat.Dense{}, vecs: map[string][]float64{}, scale: s.Scale(), report: rep}
	cp := func(v []float64) []float64 { return append([]float64(nil), v...) }
	for name, v := range map[string][]float64{
		"gtot": m.gtot, "d": m.d, "eps": m.eps, "c0": m.c0, "sigC": m.sigC, "sigP": m.sigP,
		"u0": m.u0, "w0": m.w0, "sigU": m.sigU, "sigW": m.sigW, "tauU": m.tauU, "tauW": m.tauW,
	} {
		snap.vecs[name] = cp(v)
	}
	for name, d := range map[string]*mat.Dense{"F": m.F, "Ĥ": m.Hs, "B": m.B, "Â": m.Ahat} {
		if d != nil && !d.IsEmpty() {
			snap.mats[name] = mat.DenseCopyOf(d)
		}
	}
	arrays := map[string]*ResistorArray{"J": s.arrJ, "H": s.arrH, "Jᵀ": s.arrJT, "A": s.arrA}
	for name, a := range arrays {
		if a == nil {
			continue
		}
		rows, _ := a.Dims()
		sums := make([]float64, rows)
		a.RowSumsTo(sums)
		snap.vecs["sums "+name] = sums
	}
	if circuit {
		c, err := s.Circuit()
		require.NoError(t, err)
		snap.circuit = c
	}
	for name, a := range arrays {
		if a == nil {
			continue
		}
		p, n := a.Conductances()
		snap.mats["G⁺ "+name], snap.mats["G⁻ "+name] = mat.DenseCopyOf(p), mat.DenseCopyOf(n)
	}
	return snap
}

// assertSameBits checks that two snapshots agree bit for bit.
func assertSameBits(t *testing.T, want, got spuSnapshot) {
	t.Helper()
	assert.Equal(t, want.scale, got.scale, "scale")
	assert.Equal(t, want.report, got.report, "report")
	require.Equal(t, len(want.mats), len(got.mats))
	for name, w := range want.mats {
		g := got.mats[name]
		require.NotNil(t, g, name)
		wr, gr := w.RawMatrix(), g.RawMatrix()
		require.Equal(t, [2]int{wr.Rows, wr.Cols}, [2]int{gr.Rows, gr.Cols}, name)
		bad := 0
		for i := 0; i < wr.Rows; i++ {
			for j := 0; j < wr.Cols; j++ {
				if math.Float64bits(wr.Data[i*wr.Stride+j]) != math.Float64bits(gr.Data[i*gr.Stride+j]) {
					bad++
				}
			}
		}
		assert.Zero(t, bad, "%s: entries that differ", name)
	}
	require.Equal(t, len(want.vecs), len(got.vecs))
	for name, w := range want.vecs {
		g := got.vecs[name]
		require.Len(t, g, len(w), name)
		bad := 0
		for i := range w {
			if math.Float64bits(w[i]) != math.Float64bits(g[i]) {
				bad++
			}
		}
		assert.Zero(t, bad, "%s: entries that differ", name)
	}
	if want.circuit != nil {
		assert.Equal(t, want.circuit, got.circuit, "circuit")
	}
}

// TestSPUDeferredProgrammingBitIdentical: programming exact arrays
// without forming their conductances (the J array keeping a copy of J, the
// Jᵀ array its transpose) gives, bit for bit, the model (F, Ĥ, B or Â, the
// row sums, every noise and offset term), the scale, the report, the
// exported circuit and the conductances formed later that the reference
// programming (arrayNoDefer) gives — for both architectures, with ideal
// arrays and with G_min > 0, ideal and finite-gain stage op-amps, entries
// that clip, either J array inexact, 1 and 3 goroutines and a caller that
// overwrites J after programming. Sizes above 2¹⁶ entries take the
// parallel paths, and rows of 4,096 entries or more the streaming stores.
func TestSPUDeferredProgrammingBitIdentical(t *testing.T) {
	defer func(w int, d bool) { arrayWorkers, arrayNoDefer = w, d }(arrayWorkers, arrayNoDefer)
	gmin := ArraySpec{GMin: 2e-5}
	opamps := &Hardware{
		Arrays:     gmin,
		CellOpAmp:  OpAmp{Gain: 1e4, Offset: 1e-3, NoiseDensity: 1e-8},
		StageOpAmp: OpAmp{Gain: 2e3, Offset: 1e-3, NoiseDensity: 1e-8},
		Noise:      NoiseSpec{Temperature: 300},
	}
	clip := &Hardware{Arrays: gmin, Noise: NoiseSpec{Temperature: 300}, Scaling: Scaling{Mode: ScaleFixed, TimeScale: 1e3}}
	hws := []struct {
		name string
		hw   *Hardware
		clip bool
	}{
		{"ideal", nil, false},
		{"gmin", &Hardware{Arrays: gmin, Noise: NoiseSpec{Temperature: 300}}, false},
		{"gmin+opamps", opamps, false},
		{"gmin+clip", clip, true},
		{"clip", &Hardware{Scaling: clip.Scaling}, true},
	}
	// Stuck devices put on one array only, by hand (a chip property),
	// make it inexact.
	stuckOn := []string{"", "J", "Jᵀ"}
	// r = 6 and 230, N = 11: not multiples of 4; N ≥ 4096 and r = 128
	// (factored only): the streaming stores of gemm.ScaleAbs, ScaleAbsT8
	// and MaxAbsCopy.
	sizes := []struct {
		n, b, dz        int
		circuit, direct bool
	}{{11, 3, 2, true, true}, {300, 23, 10, false, true}, {4100, 16, 8, false, false}}
	for _, size := range sizes {
		for _, hw := range hws {
			for _, st := range stuckOn {
				name := fmt.Sprintf("factored/N=%d/%s", size.n, hw.name)
				if st != "" {
					name += "/stuck " + st
				}
				t.Run(name, func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(size.n), 41))
					J1, H1, g := factoredProblem(size.n, size.b, size.dz, rng)
					J2, H2, _ := factoredProblem(size.n, size.b, size.dz, rng)
					// Signed zeros: G⁺ − G⁻ of −0 is +0.
					J1.Set(0, 0, math.Copysign(0, -1))
					J1.Set(1, 2, 0)
					J1.Set(size.b*size.dz-1, size.n-1, math.Copysign(0, -1))
					run := func(noDefer bool, workers int) []spuSnapshot {
						arrayNoDefer, arrayWorkers = noDefer, workers
						s, err := NewSPU(hw.hw, Factored, size.n, size.b*size.dz, rand.NewPCG(7, 8))
						require.NoError(t, err)
						switch st {
						case "J":
							s.arrJ.stuck = []stuckDevice{{device: 3, high: true}}
						case "Jᵀ":
							s.arrJT.stuck = []stuckDevice{{device: 4, high: true}}
						}
						_, err = s.SetInput(g)
						require.NoError(t, err)
						var snaps []spuSnapshot
						for _, p := range []struct {
							J *mat.Dense
							H *mat.SymDense
						}{{J1, H1}, {J2, H2}} {
							J := mat.DenseCopyOf(p.J)
							rep, err := s.ProgramFactored(J, p.H, 0.01)
							require.NoError(t, err)
							if hw.clip {
								require.Positive(t, rep.Clipped)
							}
							if !noDefer {
								assert.Equal(t, st != "J", s.arrJ.deferred, "J array deferred")
								assert.Equal(t, st != "Jᵀ", s.arrJT.deferred, "Jᵀ array deferred")
							}
							// The SPU retains nothing of the caller's J, and a
							// failed programming changes nothing.
							for i := range J.RawMatrix().Data {
								J.RawMatrix().Data[i] = math.NaN()
							}
							_, err = s.ProgramFactored(J, p.H, 0.01)
							require.ErrorIs(t, err, ErrNonFiniteProblem)
							snaps = append(snaps, takeSnapshot(t, s, rep, size.circuit))
						}
						return snaps
					}
					want := run(true, 0)
					for _, w := range []int{1, 3} {
						got := run(false, w)
						for k := range want {
							assertSameBits(t, want[k], got[k])
						}
					}
				})
			}
		}
		for _, hw := range hws {
			if !size.direct {
				break
			}
			t.Run(fmt.Sprintf("direct/N=%d/%s", size.n, hw.name), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(size.n), 42))
				// A dense A (read in parallel) and a symmetric one (read by At).
				var A1 mat.Dense
				A1.Add(spdMatrix(size.n, 0.5, 2, rng), mat.NewDiagDense(size.n, nil))
				A1.Set(0, size.n-1, math.Copysign(0, -1))
				A1.Set(size.n-1, 0, math.Copysign(0, -1))
				A2 := spdMatrix(size.n, 0.2, 3, rng)
				g := randVec(size.n, rng)
				run := func(noDefer bool, workers int) []spuSnapshot {
					arrayNoDefer, arrayWorkers = noDefer, workers
					s, err := NewSPU(hw.hw, Direct, size.n, 0, rand.NewPCG(9, 10))
					require.NoError(t, err)
					_, err = s.SetInput(g)
					require.NoError(t, err)
					var snaps []spuSnapshot
					for _, A := range []mat.Matrix{mat.DenseCopyOf(&A1), A2} {
						rep, err := s.ProgramDirect(A)
						require.NoError(t, err)
						if hw.clip {
							require.Positive(t, rep.Clipped)
						}
						assert.Equal(t, !noDefer, s.arrA.deferred, "A array deferred")
						snaps = append(snaps, takeSnapshot(t, s, rep, size.circuit))
					}
					return snaps
				}
				want := run(true, 0)
				for _, w := range []int{1, 3} {
					got := run(false, w)
					for k := range want {
						assertSameBits(t, want[k], got[k])
					}
				}
			})
		}
	}
}

// TestResistorArrayDeferred: a deferred array reads G_min everywhere
// before its first programming, forms exactly the conductances a direct
// programming writes, and a later direct programming replaces them.
func TestResistorArrayDeferred(t *testing.T) {
	defer func(d bool) { arrayNoDefer = d }(arrayNoDefer)
	arrayNoDefer = false
	const rows, cols = 5, 7
	spec := ArraySpec{GMin: 1e-5}
	rng := rand.New(rand.NewPCG(1, 2))
	a := NewResistorArray(spec, rows, cols, rng)
	p, m := a.Conductances()
	for _, g := range append(append([]float64(nil), p.RawMatrix().Data...), m.RawMatrix().Data...) {
		require.Equal(t, spec.GMin, g)
	}
	target := randMatrix(rows, cols, rng)
	ref := NewResistorArray(spec, rows, cols, rng)
	ref.Program(target, 1.5e-3, rng) // some entries clip
	src := mat.DenseCopyOf(target)
	var F mat.Dense
	F.ReuseAs(rows, cols)
	rep := a.programTo(target, 1.5e-3, rng, &arrayDiff{dst: &F, factor: 1}, &arrayKeep{src: src})
	require.True(t, a.deferred)
	assert.Positive(t, rep.Clipped)
	var want mat.Dense
	ref.DiffTo(&want, 1)
	assert.True(t, mat.Equal(&want, &F), "difference written while programming")
	p, m = a.Conductances()
	wp, wm := ref.Conductances()
	assert.True(t, mat.Equal(wp, p), "G⁺")
	assert.True(t, mat.Equal(wm, m), "G⁻")
	assert.False(t, a.deferred)
	// A direct programming replaces deferred conductances.
	a.programTo(target, 1.5e-3, rng, &arrayDiff{dst: &F, factor: 1}, &arrayKeep{src: src})
	a.Program(mat.NewDense(rows, cols, nil), 1e-3, rng)
	p, _ = a.Conductances()
	for _, g := range p.RawMatrix().Data {
		require.Equal(t, spec.GMin, g)
	}
	assert.Panics(t, func() {
		q := NewResistorArray(ArraySpec{Bits: 4}, rows, cols, rng)
		q.programTo(target, 1e-3, rng, &arrayDiff{dst: &F, factor: 1}, &arrayKeep{src: src})
	}, "inexact array")
}

// TestMaxAbs: maxAbs and maxAbsCopy find max|m_ij| and refuse NaN and ±Inf
// wherever they are, on one and three goroutines, for a *mat.Dense above
// 2¹⁶ entries (parallel), a small one and a transposed view (oracle: a
// plain loop over At).
func TestMaxAbs(t *testing.T) {
	defer func(w int) { arrayWorkers = w }(arrayWorkers)
	rng := rand.New(rand.NewPCG(3, 4))
	big, small := randMatrix(97, 701, rng), randMatrix(5, 7, rng)
	big.Set(60, 333, -7) // the largest magnitude, negative
	oracle := func(m mat.Matrix) float64 {
		r, c := m.Dims()
		mx := 0.0
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				mx = math.Max(mx, math.Abs(m.At(i, j)))
			}
		}
		return mx
	}
	for _, w := range []int{1, 3} {
		arrayWorkers = w
		for name, m := range map[string]mat.Matrix{"big": big, "small": small, "transposed": big.T()} {
			t.Run(fmt.Sprintf("%s/workers=%d", name, w), func(t *testing.T) {
				got, ok := maxAbs(m)
				require.True(t, ok)
				assert.Equal(t, oracle(m), got)
				r, c := m.Dims()
				dst := mat.NewDense(r, c, nil)
				got, ok = maxAbsCopy(dst, m)
				require.True(t, ok)
				assert.Equal(t, oracle(m), got)
				assert.True(t, mat.Equal(m, dst), "copy")
				for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
					for _, at := range [][2]int{{0, 0}, {r - 1, c - 1}, {r / 2, c / 3}} {
						d := mat.DenseCopyOf(m)
						d.Set(at[0], at[1], bad)
						_, ok := maxAbs(d)
						assert.False(t, ok, "%v at %v", bad, at)
						_, ok = maxAbsCopy(mat.NewDense(r, c, nil), d)
						assert.False(t, ok, "%v at %v (copy)", bad, at)
					}
				}
			})
		}
	}
}

// TestSPUDenseH: the dense copy of H that ProgramFactored programs from
// equals H entry by entry, for a *mat.SymDense (read from its upper
// triangle) and another mat.Symmetric (oracle: At).
func TestSPUDenseH(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	s, err := NewSPU(nil, Factored, 4, 7, rand.NewPCG(1, 1))
	require.NoError(t, err)
	d := make([]float64, 7)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	for name, H := range map[string]mat.Symmetric{"symdense": spdMatrix(7, 0.1, 2, rng), "diagonal": mat.NewDiagDense(7, d)} {
		t.Run(name, func(t *testing.T) {
			got := s.denseH(H)
			for i := 0; i < 7; i++ {
				for j := 0; j < 7; j++ {
					require.Equal(t, H.At(i, j), got.At(i, j), "(%d, %d)", i, j)
				}
			}
		})
	}
}
