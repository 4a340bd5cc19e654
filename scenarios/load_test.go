package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The swept keys keep the file's order (which fixes the job order) through
// --set overrides, sweep points and the resolved file, although the TOML
// encoder sorts keys.
func TestSweepOrderSurvivesReencoding(t *testing.T) {
	const src = `
[run]
iterations = 3
[[optimizer]]
kind = "adam"
[sweep.params]
"optimizer.adam.lr" = [1e-3, 2e-3]
"hardware.arrays.bits" = [4, 8]
`
	want := []string{"optimizer.adam.lr", "hardware.arrays.bits"}
	s, err := Parse("f.toml", []byte(src), "run.iterations=4")
	require.NoError(t, err)
	assert.Equal(t, want, s.Sweep.Keys())
	pts, err := s.Sweep.Points()
	require.NoError(t, err)
	p, err := s.At(pts[1])
	require.NoError(t, err)
	assert.Equal(t, want, p.Sweep.Keys())
	back, err := Parse("scenario.toml", s.TOML())
	require.NoError(t, err)
	assert.Equal(t, want, back.Sweep.Keys())
	assert.Equal(t, 4, back.Run.Iterations)
}

func TestFieldErrorsNameLineAndKey(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown key in an optimizer", "[[optimizer]]\nkind = \"adam\"\nlrr = 1\n", "f.toml:3: optimizer.lrr: unknown key"},
		{"hardware range", "[[optimizer]]\nkind = \"adam\"\n[hardware.arrays]\nbits = 99\n", "f.toml:4: hardware.arrays.bits: must be between 0 (unquantized) and 52, got 99"},
		{"window on a named optimizer", "[[optimizer]]\nname = \"t\"\nkind = \"tngd\"\nwindow.time = -1\n", "f.toml:4: optimizer.0.window: solver: Window.Time = -1, want a finite value ≥ 0"},
		{"no optimizer", "[run]\niterations = 3\n", "f.toml: optimizer: at least one [[optimizer]] table is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.toml", []byte(tt.src))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestProductSweepIsCapped(t *testing.T) {
	sw := Sweep{Params: map[string][]any{}}
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		vals := make([]any, 10)
		for i := range vals {
			vals[i] = int64(i)
		}
		sw.Params[k] = vals
		sw.order = append(sw.order, k)
	}
	_, err := sw.Points()
	assert.ErrorContains(t, err, "more than 100000 points")
}
