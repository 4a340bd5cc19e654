package circuit

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// sortedEigen returns the eigenvalues of m sorted by real, then imaginary
// part.
func sortedEigen(t *testing.T, m mat.Matrix) []complex128 {
	var e mat.Eigen
	require.True(t, e.Factorize(m, mat.EigenNone))
	v := e.Values(nil)
	sort.Slice(v, func(i, j int) bool {
		if real(v[i]) != real(v[j]) {
			return real(v[i]) < real(v[j])
		}
		return imag(v[i]) < imag(v[j])
	})
	return v
}

// TestSPUCircuitMatchesModel assembles the component-level circuit of a
// programmed SPU with the engine (exact MNA reduction) and compares it
// with the SPU's own structured model: the drift's eigenvalues (the state
// coordinates may differ), the stationary mean and covariance of the cell
// voltages.
func TestSPUCircuitMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	J, H, g := factoredProblem(7, 2, 2, rng)
	An := mat.DenseCopyOf(spdMatrix(5, 0.5, 1.5, rng))
	An.Set(0, 3, An.At(0, 3)+0.3) // non-symmetric
	b := randVec(5, rng)
	imperfect := Hardware{
		CapacitorMismatch: 0.05,
		Arrays:            ArraySpec{GMin: 2e-6, Bits: 9, ProgrammingError: 0.03, StuckAtMin: 0.05},
		CellOpAmp:         OpAmp{Gain: 300, Offset: 2e-3, NoiseDensity: 20e-9},
		StageOpAmp:        OpAmp{Gain: 500, Offset: 1e-3, NoiseDensity: 10e-9},
		Noise:             NoiseSpec{Temperature: 300, Kappa0: 1e-4},
	}
	withTau := imperfect
	withTau.StageTau = 0.3
	tests := []struct {
		name string
		arch Architecture
		hw   Hardware
	}{
		{"factored ideal", Factored, Hardware{Noise: NoiseSpec{Temperature: 300, Kappa0: 1e-3}}},
		{"factored imperfect", Factored, imperfect},
		{"factored stage tau", Factored, withTau},
		{"direct imperfect", Direct, imperfect},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s *SPU
			if tc.arch == Factored {
				s = newFactored(t, &tc.hw, J, H, 0.4, g, 21)
			} else {
				s = newDirect(t, &tc.hw, An, b, 21)
			}
			s.Reset(nil)
			ckt, err := s.Circuit()
			require.NoError(t, err)
			model, err := ckt.Assemble()
			require.NoError(t, err)
			tau := s.Tau()
			M, c, L := s.denseModel()
			require.Equal(t, M.RawMatrix().Rows, model.Dim())

			// Drift: engine in 1/s, SPU in 1/τ.
			var ae mat.Dense
			ae.Scale(tau, model.Drift())
			we, ws := sortedEigen(t, &ae), sortedEigen(t, M)
			for i := range we {
				assert.InDelta(t, 0, cmplx.Abs(we[i]-ws[i]), 1e-9*cmplx.Abs(ws[i]), "eigenvalue %d", i)
			}

			// Stationary mean of the cell outputs.
			n, _ := s.Dims()
			state := make([]float64, model.Dim())
			model.StationaryMeanTo(state, nil)
			nodes := make([]float64, len(model.Nodes()))
			model.NodeVoltagesTo(nodes, state, nil)
			var ss mat.VecDense
			require.NoError(t, s.MeanSteadyStateTo(&ss))
			for i := 0; i < n; i++ {
				k := model.NodeIndex(fmt.Sprintf("x%d", i))
				require.GreaterOrEqual(t, k, 0)
				assert.InEpsilon(t, ss.AtVec(i)*s.Scale().State, nodes[k], 1e-9, "x%d", i)
			}
			mean := mat.NewVecDense(len(c), nil)
			require.NoError(t, mean.SolveVec(M, mat.NewVecDense(len(c), c)))

			// Stationary covariance of the cell outputs (V²).
			var D mat.SymDense
			D.SymOuterK(1, L)
			sig, err := SolveLyapunov(M, &D)
			require.NoError(t, err)
			se, err := model.StationaryCovariance()
			require.NoError(t, err)
			vx, _ := model.OutputMatrices()
			var sv, tmp mat.Dense
			tmp.Mul(vx, se)
			sv.Mul(&tmp, vx.T())
			for i := 0; i < n; i++ {
				ki := model.NodeIndex(fmt.Sprintf("x%d", i))
				for j := 0; j < n; j++ {
					kj := model.NodeIndex(fmt.Sprintf("x%d", j))
					want := sig.At(i, j)
					scale := math.Sqrt(sig.At(i, i) * sig.At(j, j))
					assert.InDelta(t, want, sv.At(ki, kj), 1e-8*scale, "Σ(%d,%d)", i, j)
				}
			}
		})
	}
}

func TestSPUCircuitGBWNotRepresentable(t *testing.T) {
	s := newDirect(t, &Hardware{CellOpAmp: OpAmp{GBW: 1e7}}, mat.NewDense(1, 1, []float64{1}), mat.NewVecDense(1, []float64{1}), 1)
	_, err := s.Circuit()
	assert.True(t, errors.Is(err, ErrNotRepresentable))
}
