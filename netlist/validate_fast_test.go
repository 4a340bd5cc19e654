package netlist

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQuickValid checks quickValid against Validate: it accepts the decks
// the parser returns (else the shortcut would never be taken), and on
// 20,000 randomly damaged copies it never accepts a deck Validate rejects.
func TestQuickValid(t *testing.T) {
	var decks []*Netlist
	for _, s := range diffSeeds {
		if n, err := Parse(strings.NewReader(s), "q.cir"); err == nil && len(n.Elements) > 0 {
			decks = append(decks, n)
		}
	}
	data, err := os.ReadFile(benchDeckPath)
	require.NoError(t, err)
	big, err := Parse(bytes.NewReader(data), benchDeckPath)
	require.NoError(t, err)
	decks = append(decks, big)
	for _, n := range decks {
		require.NoError(t, n.Validate())
		if len(n.ICs) == 0 {
			assert.True(t, n.quickValid(), "%s", n.Title)
		}
	}
	assert.True(t, big.quickValid())

	rng := rand.New(rand.NewPCG(5, 5))
	nodes := []string{"a", "A", "b", "0", "gnd", "GND", "n1", "N1", "", "x y", "$c", "p(", "q=", "r;"}
	names := []string{"R1", "r1", "C1", "I9", "G1", "E1", "V1", "X1", "", "R 1", "Rn1_n2", "rN1_N2"}
	values := []float64{0, 1, -1, 1e-9, math.NaN(), math.Inf(1), math.Inf(-1)}
	kinds := []Kind{Resistor, Capacitor, CurrentSource, VoltageSource, VCCS, VCVS, 'X'}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		src := decks[rng.IntN(len(decks)-1)] // the small decks
		if rng.IntN(50) == 0 {
			src = big
		}
		d := *src
		d.Elements = append([]Element(nil), src.Elements...)
		d.ICs = append([]InitialCondition(nil), src.ICs...)
		if src.Tran != nil {
			tr := *src.Tran
			d.Tran = &tr
		}
		for range 1 + rng.IntN(3) {
			e := &d.Elements[rng.IntN(len(d.Elements))]
			switch rng.IntN(12) {
			case 0:
				e.Name = names[rng.IntN(len(names))]
			case 1:
				e.Name = d.Elements[rng.IntN(len(d.Elements))].Name
			case 2:
				e.Plus = nodes[rng.IntN(len(nodes))]
			case 3:
				e.Minus = nodes[rng.IntN(len(nodes))]
			case 4:
				e.CtrlPlus = nodes[rng.IntN(len(nodes))]
			case 5:
				e.Kind = kinds[rng.IntN(len(kinds))]
			case 6:
				e.Value = values[rng.IntN(len(values))]
			case 7:
				e.IC, e.HasIC = values[rng.IntN(len(values))], rng.IntN(2) == 0
			case 8:
				e.Noise = TRNoise{NA: values[rng.IntN(len(values))], NT: values[rng.IntN(len(values))]}
			case 9:
				if d.Tran != nil {
					d.Tran.Start = values[rng.IntN(len(values))]
				}
			case 10:
				d.Temp, d.HasTemp = -300+600*rng.Float64(), true
			case 11:
				e.Plus, e.Minus = e.Minus, e.Plus
			}
		}
		if d.quickValid() {
			require.NoError(t, d.Validate(), "quickValid accepted an invalid deck")
		}
	}
}
