package netlist

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error it returns is
// a positioned ParseError, and that every deck it accepts is written and
// read back unchanged (Write ∘ Parse is a fixed point of Parse).
func FuzzParse(f *testing.F) {
	seeds := []string{
		"title\nR1 a 0 1k\nC1 a 0 1n IC=1\n.tran 1u 10u uic\n.end\n",
		"t\nI1 0 a DC 1m TRNOISE(1n 1u 0 0)\nG1 a 0 b 0 1m\nE1 b 0 a 0 -2\n.ic v(a)=0.5\n.temp 27\n",
		"t\n.control\nrun\n.endc\n.options x=1\nR1 a\n+ 0 1meg\n",
		"t\nV1 a 0 AC 1 DC 2\n.subckt x a b\n.ends\n* c\nR1 a 0 1 ; c\nR2 a 0 2 $ c\n",
		"t\r\nR1 A gnd 1\r\nC1 a GND 1\r\n.ic V(A) = 1\r\n",
		"t\nL1 a b 1\n",
		"t\nR1 a 0 1e400\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(bytes.NewReader(data), "fuzz.cir")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is %T, not *ParseError: %v", err, err)
			}
			if pe.Line < 1 || pe.Col < 1 {
				t.Fatalf("error without position: %v", err)
			}
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("parsed deck does not validate: %v", err)
		}
		var buf bytes.Buffer
		if err := Write(&buf, n, nil); err != nil {
			t.Fatalf("write: %v", err)
		}
		m, err := Parse(bytes.NewReader(buf.Bytes()), "rewritten.cir")
		if err != nil {
			t.Fatalf("rewritten deck does not parse: %v\n%s", err, buf.String())
		}
		var buf2 bytes.Buffer
		if err := Write(&buf2, m, nil); err != nil {
			t.Fatalf("second write: %v", err)
		}
		if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
			t.Fatalf("write/parse is not a fixed point:\n%s\n---\n%s", buf.String(), buf2.String())
		}
		if len(m.Elements) != len(n.Elements) || len(m.ICs) != len(n.ICs) || (m.Tran == nil) != (n.Tran == nil) {
			t.Fatalf("rewritten deck differs in shape")
		}
	})
}
