package plots

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bruteFront applies the definition of dominance to every pair: O(n²).
func bruteFront(cost, value []float64, maximize bool) []int {
	good := func(a, b float64) bool { // a at least as good as b
		if maximize {
			return a >= b
		}
		return a <= b
	}
	var front []int
	for i := range cost {
		if !finite(cost[i]) || !finite(value[i]) {
			continue
		}
		dominated := false
		for j := range cost {
			if j == i || !finite(cost[j]) || !finite(value[j]) {
				continue
			}
			if cost[j] <= cost[i] && good(value[j], value[i]) && (cost[j] < cost[i] || value[j] != value[i]) {
				dominated = true
				break
			}
		}
		if !dominated {
			front = append(front, i)
		}
	}
	slices.SortStableFunc(front, func(a, b int) int {
		switch {
		case cost[a] < cost[b]:
			return -1
		case cost[a] > cost[b]:
			return 1
		}
		return a - b
	})
	return front
}

func TestParetoFrontCases(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name     string
		cost     []float64
		value    []float64
		maximize bool
		want     []int
	}{
		{"empty", nil, nil, true, nil},
		{"single", []float64{1}, []float64{0.5}, true, []int{0}},
		{"chain maximize", []float64{1, 2, 3}, []float64{0.8, 0.9, 0.95}, true, []int{0, 1, 2}},
		{"dominated middle", []float64{1, 2, 3}, []float64{0.8, 0.7, 0.95}, true, []int{0, 2}},
		{"minimize loss", []float64{1, 2, 3}, []float64{0.3, 0.4, 0.1}, false, []int{0, 2}},
		{"identical points both stay", []float64{1, 1}, []float64{0.9, 0.9}, true, []int{0, 1}},
		{"same cost, worse value out", []float64{1, 1}, []float64{0.9, 0.8}, true, []int{0}},
		{"same value, higher cost out", []float64{1, 2}, []float64{0.9, 0.9}, true, []int{0}},
		{"non-finite ignored", []float64{1, nan, 3}, []float64{0.5, 0.99, math.Inf(1)}, true, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ParetoFront(tt.cost, tt.value, tt.maximize))
		})
	}
	t.Run("length mismatch panics", func(t *testing.T) {
		assert.Panics(t, func() { ParetoFront([]float64{1}, nil, true) })
	})
}

func TestParetoFrontAgainstBruteForce(t *testing.T) {
	rng := newRand(t, 4)
	for trial := range 400 {
		n := rng.IntN(40)
		cost := make([]float64, n)
		value := make([]float64, n)
		for i := range cost {
			// Small integer grids force many ties in both coordinates.
			cost[i] = float64(rng.IntN(8))
			value[i] = float64(rng.IntN(8))
			if rng.IntN(20) == 0 {
				value[i] = math.NaN()
			}
		}
		maximize := trial%2 == 0
		want := bruteFront(cost, value, maximize)
		got := ParetoFront(cost, value, maximize)
		require.Equal(t, want, got, "trial %d: cost %v value %v maximize %v", trial, cost, value, maximize)
	}
}
