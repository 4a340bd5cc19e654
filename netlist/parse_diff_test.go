package netlist

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Differential tests of the parser against the slow reference in
// parse_ref_test.go: the same decks, notes and errors (message, position
// and sentinel) for every input.

// diffSeeds are decks that exercise every branch of the grammar: the
// FuzzParse seeds and more.
var diffSeeds = []string{
	"title\nR1 a 0 1k\nC1 a 0 1n IC=1\n.tran 1u 10u uic\n.end\n",
	"t\nI1 0 a DC 1m TRNOISE(1n 1u 0 0)\nG1 a 0 b 0 1m\nE1 b 0 a 0 -2\n.ic v(a)=0.5\n.temp 27\n",
	"t\n.control\nrun\n.endc\n.options x=1\nR1 a\n+ 0 1meg\n",
	"t\nV1 a 0 AC 1 DC 2\n.subckt x a b\n.ends\n* c\nR1 a 0 1 ; c\nR2 a 0 2 $ c\n",
	"t\r\nR1 A gnd 1\r\nC1 a GND 1\r\n.ic V(A) = 1\r\n",
	"t\nL1 a b 1\n",
	"t\nR1 a 0 1e400\n",
	"  spaced title \t\n\tR1 a 0 1kohm\n  c1 A 0 10uF ic = -0.5\n+\n+ ; only a comment\n.TRAN 1n 1u 0 1n UIC\n",
	"t\n+ R1 a 0 1\n",
	"t\nR1 a 0 0\nR2 a 0 1\n",
	"t\nR1 a 0 1\nr1 b 0 2\n",
	"t\nI1 a 0 trnoise(1n 0 0 0)\nI2 a 0 TRNOISE(0 1u)\nI3 a 0 TRNOISE(1n 1u 1 0)\nI4 a 0 trnoise(1n 1u 0 0 1)\n",
	"t\nI1 a 0 TRNOISE(1n)\nI2 a 0 TRNOISE(1n 1u 0 0 0 0 0 0)\nI3 a 0 TRNOISE(1n 1u\nI4 a 0 TRNOISE 1n\n",
	"t\nV1 a 0 TRNOISE(1n 1u 0 0)\nI1 a 0 SIN(0 1 1k)\nV2 a 0 DC 1 DC 2\nV3 a 0 1 2\nI5 a 0\n",
	"t\nG1 a 0 POLY(1) b 0 1\nE1 a 0 VALUE={1}\nG2 a 0 b 0\nE2 a 0 b\nG3 a 0 b 0 1 m=2\n",
	"t\n.ic\n.ic v(a)=1\n.ic V(0)=1\n.ic x(a)=1\n.ic v(a\n.ic v a)=1\n.ic v(a) 1\n",
	"t\nR1 a 0 1\n.ic v(a)=1 v(A)=2\n",
	"t\nR1 a 0 1\n.ic v(b)=1\n",
	"t\n.temp -300\n.temp 27 28\n.temp x\n.temp 1\n.temp 2\n",
	"t\n.tran\n.tran 1u\n.tran 0 1u\n.tran 1u 0\n.tran 1u 1u 2u\n.tran 1u 2u 0 -1\n.tran 1u 2u 0 1n x\n.tran 1u 2u uic 5\n",
	"t\n.tran 1u 10u\n.tran 1u 10u\n",
	"t\n.include x.cir\n",
	"t\n.lib x\n.inc y\n.ends\n.endc\n.option\n.end\nR1 a 0 1 garbage\n",
	"t\n.subckt a\nR1 a 0 1\n",
	"t\n.control\nR1 a 0 1\n",
	"t\nR1 a 0 1 tc=1\nR2 a 0 1 x\nC1 a 0 1n m=1\nC2 a 0 1n IC\nC3 a 0 1n IC 1\nC4 a 0 1n IC=x\n",
	"t\n1R a 0 1\n",
	"t\nR1 ( 0 1\nR2 a = 1\nR3 a 0 (\nR4 a 0 1.2.3\nR5 a 0 -\nR6 a 0 1e\nR7 a 0 1e+\nR8 a 0 1meG\nR9 a 0 2mil\n",
	"t\nR1 a 0 1,\nR2,a,0,2\nR3 a 0 3;x\nR4 a 0 4$x\nR5 a $b 0 1\n",
	"t\nR1 a 0 1e-400\nR2 a 0 -1e400\nR3 a 0 1e99999999999999\nR4 a 0 0.0000000000000000000000001e10\n",
	"t\nI1 a 0 AC\nI2 a 0 AC 1 2 3\nI3 a 0 ac x dc 1\n",
	"t\nC1 a 0 1n\nR1 a b 1\nE1 b 0 a 0 2\nG1 0 b a 0 -1m\nV1 c 0 DC 5\nR2 c a 1k\n",
	"",
	"\n",
	"t",
	"t\n\x00\xff R1 a 0 1\n",
}

// requireSameParse checks that Parse and the reference agree on data.
func requireSameParse(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := refParse(data, "d.cir")
	got, gotErr := parseBytes(data, "d.cir")
	if wantErr != nil {
		require.Error(t, gotErr, "input %q", data)
		require.Equal(t, wantErr.Error(), gotErr.Error(), "input %q", data)
		for _, s := range []error{ErrSyntax, ErrUnsupported} {
			require.Equal(t, errors.Is(wantErr, s), errors.Is(gotErr, s), "input %q: sentinel %v", data, s)
		}
		var pw, pg *ParseError
		require.True(t, errors.As(wantErr, &pw))
		require.True(t, errors.As(gotErr, &pg))
		require.Equal(t, *pw, *pg, "input %q", data)
		return
	}
	require.NoError(t, gotErr, "input %q", data)
	require.Equal(t, want, got, "input %q", data)
}

func TestParseMatchesReference(t *testing.T) {
	for i, s := range diffSeeds {
		t.Run(strconv.Itoa(i), func(t *testing.T) { requireSameParse(t, []byte(s)) })
	}
	for _, path := range []string{benchDeckPath, "testdata/rc_ring.cir", "testdata/vccs.cir"} {
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			requireSameParse(t, data)
		})
	}
}

// TestParseMutantsMatchReference parses random mutations of the seeds:
// bytes replaced, inserted or deleted, drawn from the characters the
// scanner treats specially. 20,000 mutants (2,000 with -short) cover every
// seed many times over.
func TestParseMutantsMatchReference(t *testing.T) {
	const alphabet = " \t\r\n\f\v,;$*+()=.eE-+0123456789afgkmnptuxRCIVGEL\x00\x80"
	rng := rand.New(rand.NewPCG(9, 9))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		b := []byte(diffSeeds[rng.IntN(len(diffSeeds))])
		for range 1 + rng.IntN(4) {
			c := alphabet[rng.IntN(len(alphabet))]
			k := rng.IntN(len(b) + 1)
			switch op := rng.IntN(3); {
			case op == 0 && k < len(b):
				b[k] = c
			case op == 1 && k < len(b):
				b = append(b[:k], b[k+1:]...)
			default:
				b = append(b[:k], append([]byte{c}, b[k:]...)...)
			}
		}
		requireSameParse(t, b)
	}
}

// TestParseValueMatchesReference compares ParseValue with the reference on
// random SPICE numbers (values bit for bit, errors by message): 50,000
// strings of random mantissas, exponents and suffixes.
func TestParseValueMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	suffixes := []string{"", "", "", "f", "P", "n", "u", "M", "mil", "MEG", "k", "g", "T", "ohm", "F", "e", "x1", "(", "e+", "meg3", "Hz"}
	digits := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	extra := []string{"", "+", "-", ".", "+.", "-.5", "1.", ".e3", "1e", "1E-", "0x10", "inf", "NaN", "1_0", "1e0000000000000000000005",
		"4.9406564584124654e-324", "2.4703282292062327e-324", "1.7976931348623157e308", "1.7976931348623159e308", "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791e-18T"}
	check := func(s string) {
		want, wantErr := refParseValue(s)
		got, gotErr := ParseValue(s)
		if wantErr != nil {
			require.Error(t, gotErr, "%q", s)
			require.Equal(t, wantErr.Error(), gotErr.Error(), "%q", s)
			require.ErrorIs(t, gotErr, ErrValue)
			return
		}
		require.NoError(t, gotErr, "%q", s)
		require.Equal(t, math.Float64bits(want), math.Float64bits(got), "%q: %v vs %v", s, want, got)
	}
	for _, s := range extra {
		check(s)
	}
	n := 50000
	if testing.Short() {
		n = 5000
	}
	for range n {
		s := []string{"", "+", "-"}[rng.IntN(3)] + digits(rng.IntN(25))
		if rng.IntN(2) == 0 {
			s += "." + digits(rng.IntN(20))
		}
		if rng.IntN(2) == 0 {
			s += []string{"e", "E", "e+", "e-"}[rng.IntN(4)] + digits(rng.IntN(5))
		}
		s += suffixes[rng.IntN(len(suffixes))]
		check(s)
	}
}

// FuzzParseReference compares Parse with the reference on fuzzed input.
func FuzzParseReference(f *testing.F) {
	for _, s := range diffSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { requireSameParse(t, data) })
}

// TestLowerFile compares the word-at-a-time lowering with lowerASCII on
// 2,000 random byte strings of every length up to 100 (all 256 byte values,
// so both the letters' edges '@' '[' '`' '{' and bytes ≥ 0x80 occur).
func TestLowerFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for k := range 2000 {
		b := make([]byte, k%101)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		require.Equal(t, lowerASCII(string(b)), lowerFile(string(b)), "%q", b)
	}
	long := strings.Repeat("Rn1_N2 AbZz@[`{\xc1\xda ", 1000) // longer than a chunk
	require.Equal(t, lowerASCII(long), lowerFile(long))
}
