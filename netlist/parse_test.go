package netlist

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseString(t *testing.T, src string) *Netlist {
	t.Helper()
	n, err := Parse(strings.NewReader(src), "test.cir")
	require.NoError(t, err)
	return n
}

func TestParseElements(t *testing.T) {
	src := `RC test deck
* a comment line
R1 in out 1kohm ; inline comment
  r2 OUT 0 2.2k $ another comment
C1 out 0 10nF IC=0.5
C2 in gnd 1n ic = -1
I1 0 in DC 1mA
I2 in 0 dc 0 trnoise(1n 1u 0 0)
Inoise out 0 TRNOISE(2n, 10n)
V1 vdd 0 DC 5
V2 vdd2 0 3.3
G1 out 0 in 0 1m
E1 amp 0 0 out 1e5
+ $ a continuation with only a comment
.ic V(out)=0.25
+ v(In)=0.5
.temp 50
.tran 1u 100u 0 10n uic
.end
R9 after end is ignored
`
	n := parseString(t, src)
	assert.Equal(t, "RC test deck", n.Title)
	pos := func(line, col int) Position { return Position{File: "test.cir", Line: line, Col: col} }
	want := []Element{
		{Kind: Resistor, Name: "R1", Plus: "in", Minus: "out", Value: 1e3, At: pos(3, 1)},
		{Kind: Resistor, Name: "r2", Plus: "out", Minus: "0", Value: 2.2e3, At: pos(4, 3)},
		{Kind: Capacitor, Name: "C1", Plus: "out", Minus: "0", Value: 10e-9, IC: 0.5, HasIC: true, At: pos(5, 1)},
		{Kind: Capacitor, Name: "C2", Plus: "in", Minus: "0", Value: 1e-9, IC: -1, HasIC: true, At: pos(6, 1)},
		{Kind: CurrentSource, Name: "I1", Plus: "0", Minus: "in", Value: 1e-3, At: pos(7, 1)},
		{Kind: CurrentSource, Name: "I2", Plus: "in", Minus: "0", Noise: TRNoise{NA: 1e-9, NT: 1e-6}, At: pos(8, 1)},
		{Kind: CurrentSource, Name: "Inoise", Plus: "out", Minus: "0", Noise: TRNoise{NA: 2e-9, NT: 10e-9}, At: pos(9, 1)},
		{Kind: VoltageSource, Name: "V1", Plus: "vdd", Minus: "0", Value: 5, At: pos(10, 1)},
		{Kind: VoltageSource, Name: "V2", Plus: "vdd2", Minus: "0", Value: 3.3, At: pos(11, 1)},
		{Kind: VCCS, Name: "G1", Plus: "out", Minus: "0", CtrlPlus: "in", CtrlMinus: "0", Value: 1e-3, At: pos(12, 1)},
		{Kind: VCVS, Name: "E1", Plus: "amp", Minus: "0", CtrlPlus: "0", CtrlMinus: "out", Value: 1e5, At: pos(13, 1)},
	}
	assert.Equal(t, want, n.Elements)
	assert.Equal(t, []InitialCondition{
		{Node: "out", Volts: 0.25, At: pos(15, 5)},
		{Node: "in", Volts: 0.5, At: pos(16, 3)},
	}, n.ICs)
	assert.Equal(t, &Tran{Step: 1e-6, Stop: 100e-6, MaxStep: 10e-9, UIC: true, At: pos(18, 1)}, n.Tran)
	assert.True(t, n.HasTemp)
	assert.Equal(t, 50.0, n.Temp)
	assert.InDelta(t, 323.15, n.Kelvin(), 1e-12)
	assert.Equal(t, []string{"in", "out", "vdd", "vdd2", "amp"}, n.Nodes())
	assert.Empty(t, n.Notes)
}

func TestParseNotes(t *testing.T) {
	src := `title
R1 a 0 1k
.options reltol=1e-6
.control
run
this line is not SPICE at all (
.endc
.subckt foo x y
R1 x y 1
.ends
V1 b 0 AC 1 0
I1 a 0
.print tran v(a)
`
	n := parseString(t, src)
	require.Len(t, n.Elements, 3, "the subcircuit's R1 is skipped, so no duplicate")
	var msgs []string
	for _, no := range n.Notes {
		msgs = append(msgs, no.String())
	}
	assert.Equal(t, []string{
		"test.cir:3:1: unsupported dot-card .options skipped",
		"test.cir:4:1: skipped .control … .endc block (tngd runs only the .tran card)",
		"test.cir:8:1: skipped .subckt … .ends block (subcircuits are not supported)",
		"test.cir:11:8: AC specification of V1 ignored (tngd runs only .tran)",
		"test.cir:11:1: V1 has no value: DC 0 assumed",
		"test.cir:12:1: I1 has no value: DC 0 assumed",
		"test.cir:13:1: unsupported dot-card .print skipped",
	}, msgs)
	assert.Nil(t, n.Tran)
	assert.Equal(t, DefaultTemp, n.Kelvin())
}

func TestParseCaseInsensitiveNodes(t *testing.T) {
	n := parseString(t, "t\nR1 Out GND 1\nC1 OUT 0 1\n.ic v(out)=1\n")
	assert.Equal(t, "Out", n.Elements[1].Plus, "first spelling wins")
	assert.Equal(t, "0", n.Elements[0].Minus, "gnd is ground")
	assert.Equal(t, "Out", n.ICs[0].Node)
	assert.Equal(t, []string{"Out"}, n.Nodes())
}

func TestParseCRLFAndEmpty(t *testing.T) {
	n := parseString(t, "title\r\nR1 a 0 1k\r\n.end\r\n")
	assert.Equal(t, "title", n.Title)
	require.Len(t, n.Elements, 1)
	assert.Equal(t, 1e3, n.Elements[0].Value)

	n = parseString(t, "")
	assert.Equal(t, "", n.Title)
	assert.Empty(t, n.Elements)
}

func TestParseTranPoints(t *testing.T) {
	tests := []struct {
		card string
		n    int
	}{
		{".tran 1u 100u", 101},
		{".tran 0.1 1", 11}, // 1/0.1 is 9.999999999999998 in floating point
		{".tran 1e-7 1e-5", 101},
		{".tran 3 10", 4},
		{".tran 10 1", 1},
		{".tran 3 10 2", 3}, // 2, 5, 8
		{".tran 1e-7 1e-5 5e-6", 51},
	}
	for _, tt := range tests {
		t.Run(tt.card, func(t *testing.T) {
			n := parseString(t, "t\nR1 a 0 1\n"+tt.card+"\n")
			assert.Equal(t, tt.n, n.Tran.Points())
			assert.LessOrEqual(t, n.Tran.Time(tt.n-1), n.Tran.Stop)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		line, col int
		sentinel  error
		msg       string // substring
	}{
		{"inductor", "t\nL1 a b 1u\n", 2, 1, ErrUnsupported, `unsupported element "L1"`},
		{"subckt instance", "t\nX1 a b foo\n", 2, 1, ErrUnsupported, "unsupported element"},
		{"not an element", "t\n123 a b\n", 2, 1, ErrSyntax, "expected an element or a dot-card"},
		{"missing value", "t\nR1 a b\n", 2, 7, ErrSyntax, "expected resistance at the end of the R1 card"},
		{"missing node", "t\nR1 a\n", 2, 5, ErrSyntax, "expected node n-"},
		{"bad value", "t\nR1 a b 1k5\n", 2, 8, ErrSyntax, `bad resistance "1k5"`},
		{"not a number", "t\nC1 a b abc\n", 2, 8, ErrSyntax, `expected capacitance, found "abc"`},
		{"zero resistance", "t\nR1 a b 0\n", 2, 8, ErrSyntax, "resistance of R1 is zero"},
		{"resistor parameter", "t\nR1 a b 1k tc1=0.1\n", 2, 11, ErrUnsupported, "parameter tc1 of R1"},
		{"extra field", "t\nR1 a b 1k 2k\n", 2, 11, ErrSyntax, `unexpected "2k"`},
		{"duplicate", "t\nR1 a b 1\nr1 b 0 1\n", 3, 1, ErrSyntax, "already defined at test.cir:2:1"},
		{"capacitor ic without =", "t\nC1 a 0 1n IC 1\n", 2, 14, ErrSyntax, `expected "="`},
		{"pulse", "t\nV1 a 0 PULSE(0 1 0 1n 1n 1u 2u)\n", 2, 8, ErrUnsupported, "PULSE source function"},
		{"trnoise on V", "t\nV1 a 0 0 TRNOISE(1n 1u 0 0)\n", 2, 10, ErrUnsupported, "TRNOISE on voltage source"},
		{"1/f noise", "t\nI1 a 0 0 TRNOISE(1n 1u 1 1n)\n", 2, 24, ErrUnsupported, "1/f noise"},
		{"rts noise", "t\nI1 a 0 0 TRNOISE(1n 1u 0 0 1u 1 1)\n", 2, 28, ErrUnsupported, "random telegraph"},
		{"trnoise short", "t\nI1 a 0 TRNOISE(1n)\n", 2, 8, ErrSyntax, "at least NA and NT"},
		{"trnoise unclosed", "t\nI1 a 0 TRNOISE(1n 1u\n", 2, 21, ErrSyntax, "expected ) to close"},
		{"trnoise negative NT", "t\nI1 a 0 TRNOISE(1n -1u 0 0)\n", 2, 19, ErrSyntax, "NT must be > 0"},
		{"two dc values", "t\nI1 a 0 1 2\n", 2, 10, ErrSyntax, `unexpected "2"`},
		{"poly", "t\nE1 a 0 poly(1) b 0 0 1\n", 2, 8, ErrUnsupported, "poly form of E1"},
		{"vccs short", "t\nG1 a 0 b\n", 2, 9, ErrSyntax, "controlling node nc-"},
		{"continuation first", "t\n+ R1 a b 1\n", 2, 1, ErrSyntax, "continuation line"},
		{"tran short", "t\nR1 a 0 1\n.tran 1u\n", 3, 9, ErrSyntax, ".tran TSTEP TSTOP"},
		{"tran zero step", "t\nR1 a 0 1\n.tran 0 1u\n", 3, 7, ErrSyntax, "TSTEP must be > 0"},
		{"tran start", "t\nR1 a 0 1\n.tran 1n 1u 2u\n", 3, 13, ErrSyntax, "TSTART must be in [0, TSTOP)"},
		{"tran extra", "t\nR1 a 0 1\n.tran 1n 1u 0 1n 5\n", 3, 18, ErrSyntax, "expected uic or the end"},
		{"tran after uic", "t\nR1 a 0 1\n.tran 1n 1u uic 5\n", 3, 17, ErrSyntax, `unexpected "5"`},
		{"second tran", "t\nR1 a 0 1\n.tran 1n 1u\n.tran 1n 1u\n", 4, 1, ErrSyntax, "second .tran card (the first is at test.cir:3:1)"},
		{"ic syntax", "t\nR1 a 0 1\n.ic a=1\n", 3, 5, ErrSyntax, "expected V(node)=value"},
		{"ic ground", "t\nR1 a 0 1\n.ic V(0)=1\n", 3, 7, ErrSyntax, "ground"},
		{"ic twice", "t\nR1 a 0 1\n.ic V(a)=1 V(A)=2\n", 3, 12, ErrSyntax, "second initial condition for node a"},
		{"ic unknown node", "t\nR1 a 0 1\n.ic V(b)=1\n", 3, 5, ErrSyntax, ".ic names node b, which no element connects"},
		{"ic missing value", "t\nR1 a 0 1\n.ic V(a)=\n", 3, 10, ErrSyntax, "expected initial voltage"},
		{"include", "t\n.include models.lib\n", 2, 1, ErrUnsupported, ".include is not supported"},
		{"temp below zero", "t\n.temp -300\n", 2, 7, ErrSyntax, "below absolute zero"},
		{"value overflow", "t\nR1 a 0 1e400\n", 2, 8, ErrSyntax, "out of range"},
		{"node is a paren", "t\nR1 ( 0 1\n", 2, 4, ErrSyntax, `expected node n+, found "("`},
		{"continued card error", "t\nR1 a\n+ b\n+ x\n", 4, 3, ErrSyntax, `expected resistance, found "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.src), "test.cir")
			require.Error(t, err)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "%T %v", err, err)
			assert.Equal(t, "test.cir", pe.File)
			assert.Equal(t, tt.line, pe.Line, "line of %v", err)
			assert.Equal(t, tt.col, pe.Col, "column of %v", err)
			assert.ErrorIs(t, err, tt.sentinel)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestWriteRoundTrip(t *testing.T) {
	src := `round trip
R1 in out 1kohm
C1 out 0 10nF IC=0.5
I1 0 in DC 1mA
I2 in 0 dc 0 trnoise(1n 1u 0 0)
V1 vdd 0 DC 5
G1 out 0 in 0 1m
E1 amp 0 0 out 1e5
.ic V(out)=0.25 v(In)=0.5
.temp 50
.tran 1u 100u 0 10n uic
`
	n := parseString(t, src)
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, n, &WriteOptions{Wave: "wave.txt", Options: "reltol=1e-6"}))
	out := buf.String()
	assert.Contains(t, out, "set wr_singlescale\nset wr_vecnames\nset numdgt=15\nrun\nlinearize v(in) v(out) v(vdd) v(amp)\nwrdata wave.txt v(in) v(out) v(vdd) v(amp)\n")
	assert.NotContains(t, out, "interp")
	assert.Contains(t, out, "I2 in 0 DC 0 TRNOISE(1e-09 1e-06 0 0)\n")
	assert.Contains(t, out, ".options reltol=1e-6\n")
	m := parseString(t, out)
	assertSameDeck(t, n, m)
}

// assertSameDeck compares two decks, ignoring positions and notes.
func assertSameDeck(t *testing.T, want, got *Netlist) {
	t.Helper()
	strip := func(n *Netlist) Netlist {
		c := *n
		c.Notes = nil
		c.Elements = append([]Element(nil), n.Elements...)
		for i := range c.Elements {
			c.Elements[i].At = Position{}
		}
		c.ICs = append([]InitialCondition(nil), n.ICs...)
		for i := range c.ICs {
			c.ICs[i].At = Position{}
		}
		if n.Tran != nil {
			tr := *n.Tran
			tr.At = Position{}
			c.Tran = &tr
		}
		if len(c.Elements) == 0 {
			c.Elements = nil
		}
		if len(c.ICs) == 0 {
			c.ICs = nil
		}
		return c
	}
	assert.Equal(t, strip(want), strip(got))
}

func TestWriteInvalid(t *testing.T) {
	tests := []struct {
		name string
		n    Netlist
		msg  string
	}{
		{"bad name", Netlist{Elements: []Element{{Kind: Resistor, Name: "X1", Plus: "a", Minus: "0", Value: 1}}}, "starting with R"},
		{"node with blank", Netlist{Elements: []Element{{Kind: Resistor, Name: "R1", Plus: "a b", Minus: "0", Value: 1}}}, "not a SPICE field"},
		{"case clash", Netlist{Elements: []Element{
			{Kind: Resistor, Name: "R1", Plus: "a", Minus: "0", Value: 1},
			{Kind: Resistor, Name: "R2", Plus: "A", Minus: "0", Value: 1}}}, "differ only in case"},
		{"duplicate", Netlist{Elements: []Element{
			{Kind: Resistor, Name: "R1", Plus: "a", Minus: "0", Value: 1},
			{Kind: Resistor, Name: "r1", Plus: "a", Minus: "0", Value: 1}}}, "defined twice"},
		{"noise on R", Netlist{Elements: []Element{{Kind: Resistor, Name: "R1", Plus: "a", Minus: "0", Value: 1, Noise: TRNoise{1, 1}}}}, "only current sources"},
		{"ic on unknown", Netlist{Elements: []Element{{Kind: Resistor, Name: "R1", Plus: "a", Minus: "0", Value: 1}},
			ICs: []InitialCondition{{Node: "b", Volts: 1}}}, "not connected"},
		{"bad tran", Netlist{Tran: &Tran{Step: 0, Stop: 1}}, ".tran"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(&bytes.Buffer{}, &tt.n, nil)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
	err := Write(&bytes.Buffer{}, &Netlist{}, &WriteOptions{Wave: "w.txt"})
	assert.ErrorIs(t, err, ErrInvalid, "a .control block needs .tran")
}
