package netlist

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tngd/tngd/circuit"
)

// TestAssembleDirect: the direct path gives Assemble's model exactly (the
// same stamps reduced the same way) on the decks it takes, and declines
// (nil) the decks outside its subset or with errors, for which
// assembleModel returns Assemble's positioned error.
func TestAssembleDirect(t *testing.T) {
	taken := []struct {
		name, src string
		opt       *BuildOptions
	}{
		{"bench deck", "", nil},
		{"ladder with DC and TRNOISE", `ladder
R1 a b 1k
R2 b 0 2k
C1 a 0 1n
C2 b 0 2n
I1 0 a DC 1m TRNOISE(1n 10n 0 0)
I2 b 0 DC 0 TRNOISE(2n 10n 0 0)
I3 a b 2u
.temp 50
.tran 10n 1u
`, nil},
		{"Johnson, floating capacitor, capacitor-free node", `mixed
Ca a 0 1n
Cab a b 2n
R1 a 0 1k
R2 b mid 1k
R3 mid gnd 500
.tran 10n 1u
`, &BuildOptions{Johnson: true}},
	}
	for _, tc := range taken {
		t.Run(tc.name, func(t *testing.T) {
			var n *Netlist
			if tc.src == "" {
				var err error
				n, err = ParseFile(benchDeckPath)
				require.NoError(t, err)
			} else {
				n = parseString(t, tc.src)
			}
			want, _, err := Assemble(n, tc.opt)
			require.NoError(t, err)
			got := assembleDirect(n, tc.opt)
			require.NotNil(t, got)
			assert.Equal(t, want.Drift(), got.Drift())
			assert.Equal(t, want.InputMatrix(), got.InputMatrix())
			assert.Equal(t, want.Diffusion(), got.Diffusion())
			wx, wu := want.OutputMatrices()
			gx, gu := got.OutputMatrices()
			assert.Equal(t, wx, gx)
			assert.Equal(t, wu, gu)
			assert.Equal(t, want.States(), got.States())
			assert.Equal(t, want.Nodes(), got.Nodes())
			assert.Equal(t, want.Inputs(), got.Inputs())
			assert.Equal(t, want.InputValues(), got.InputValues())
			assert.Equal(t, want.Temperature(), got.Temperature())
		})
	}
	declined := []struct{ name, src string }{
		{"voltage source", "v\nV1 a 0 1\nR1 a b 1k\nC1 b 0 1n\n.tran 1n 1u\n"},
		{"negative resistor", "r\nR1 a 0 -1k\nR2 a 0 500\nC1 a 0 1n\n.tran 1n 1u\n"},
		{"VCCS", "g\nG1 a 0 a 0 1m\nR1 a 0 1k\nC1 a 0 1n\n.tran 1n 1u\n"},
		{"ic", "ic\nR1 a 0 1k\nC1 a 0 1n\n.ic v(a)=1\n.tran 1n 1u\n"},
		{"duplicate", "dup\nR1 a 0 1k\nr1 a 0 1k\nC1 a 0 1n\n.tran 1n 1u\n"},
		{"unstable", "open\nC1 a 0 1n\nI1 0 a 1m\n.tran 1n 1u\n"},
		{"no node", "empty\n.tran 1n 1u\n"},
	}
	for _, tc := range declined {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse(strings.NewReader(tc.src), "deck.cir")
			if err != nil {
				return // refused by the parser already
			}
			assert.Nil(t, assembleDirect(n, nil))
			want, _, werr := Assemble(n, nil)
			got, gerr := assembleModel(n, nil)
			if werr != nil {
				assert.Equal(t, werr.Error(), gerr.Error())
				return
			}
			require.NoError(t, gerr)
			assert.Equal(t, want.Drift(), got.Drift())
		})
	}
	var ue *circuit.UnstableError
	_, err := assembleModel(parseString(t, "open\nC1 a 0 1n\nI1 0 a 1m\n.tran 1n 1u\n"), nil)
	assert.ErrorAs(t, err, &ue)
	var ce *CircuitError
	assert.ErrorAs(t, err, &ce, "positioned at the card")
}
