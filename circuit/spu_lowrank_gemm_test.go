package circuit

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLowRankWorkers: the low-rank method gives bit-identical results
// with one worker and with several (each product entry is summed by one
// goroutine in a fixed order).
func TestLowRankWorkers(t *testing.T) {
	run := func() []float64 {
		rng := rand.New(rand.NewPCG(43, 43))
		J, H, g := factoredProblem(700, 4, 5, rng)
		J.Scale(3/math.Sqrt(700), J)
		s := newFactored(t, lowRankHardware(true), J, H, 0.3, g, 43)
		s.Reset(g)
		for _, h := range []float64{3, 0.2, 0.2} {
			_, err := s.Run(h, &Evolution{Method: MethodLowRank})
			require.NoError(t, err)
		}
		return append([]float64(nil), s.x...)
	}
	prev := runtime.GOMAXPROCS(1)
	one := run()
	runtime.GOMAXPROCS(max(prev, 4))
	many := run()
	runtime.GOMAXPROCS(prev)
	for i := range one {
		if math.Float64bits(one[i]) != math.Float64bits(many[i]) {
			t.Fatalf("state %d differs: %v with one worker, %v with several", i, one[i], many[i])
		}
	}
}
