package netlist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Sentinels wrapped by [ParseError]: test with errors.Is.
var (
	// ErrSyntax marks text that is not valid in the SPICE subset.
	ErrSyntax = errors.New("netlist: syntax error")
	// ErrUnsupported marks valid SPICE that tngd does not model (an
	// inductor, a PULSE source, 1/f noise, an .include).
	ErrUnsupported = errors.New("netlist: unsupported")
)

// ParseError is a positioned error in a netlist: where, and what was
// expected. Err is [ErrSyntax] or [ErrUnsupported].
type ParseError struct {
	File      string
	Line, Col int
	Msg       string
	Err       error
}

// Error returns "file:line:col: msg".
func (e *ParseError) Error() string {
	return Position{File: e.File, Line: e.Line, Col: e.Col}.String() + ": " + e.Msg
}

// Unwrap returns the sentinel, ErrSyntax or ErrUnsupported.
func (e *ParseError) Unwrap() error { return e.Err }

// ParseFile reads and parses the netlist at path; see [Parse].
func ParseFile(path string) (*Netlist, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("netlist: %w", err)
	}
	return parseBytes(data, path)
}

// Parse reads a SPICE netlist from r; file names the source in errors and
// notes (it may be empty).
//
// The subset: the first line is the title; R, C (IC=), I and V (DC, and
// TRNOISE(NA NT 0 0) on I), G (VCCS) and E (VCVS) elements; `*` comment
// lines, `;` comments and `$` comments at the start of a field; `+`
// continuation lines; commas as blanks; .ic, .tran, .temp and .end cards.
// .control … .endc blocks, .subckt … .ends blocks, AC specifications and
// other dot-cards are skipped and reported in [Netlist.Notes]; .include and
// .lib are errors, since skipping them would change the circuit. Element
// and node names are case-insensitive: nodes are stored under the first
// spelling seen, ground ("0", "gnd") as "0".
//
// Errors are a *[ParseError] wrapping [ErrSyntax] (malformed text, a
// duplicate element name, a zero resistance, a bad .tran) or
// [ErrUnsupported] (an element or feature outside the subset); a read error
// is returned wrapped. Parse never panics, whatever the input.
func Parse(r io.Reader, file string) (*Netlist, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("netlist: reading %s: %w", file, err)
	}
	return parseBytes(data, file)
}

// token is one field of a card, with its position: text is the field as
// written and low the same bytes with ASCII letters lowered, both
// substrings of the parser's copies of the file (no allocation per field).
type token struct {
	text, low string
	line, col int
}

// card is a logical line: an element or dot-card with its continuations.
type card struct {
	toks []token
	end  token // empty token just past the last field, for "missing" errors
}

type parser struct {
	file    string
	n       *Netlist
	nodes   map[string]string // lower-case name → canonical spelling
	names   map[string]int32  // lower-case element name → index in n.Elements
	icAt    map[string]Position
	inSub   bool // inside .subckt … .ends
	subAt   Position
	ended   bool // .end seen
	tranSet bool

	// Caches of cursor.node (lower-case field → canonical node, by field
	// position) and cursor.value (field → value, direct-mapped by
	// valueSlot); an empty string marks an empty entry.
	nodeCache  [4]struct{ low, canon string }
	valueCache [16]struct {
		text string
		v    float64
	}
}

// parseBytes parses data in one pass over its lines. The file is copied
// once into a string and once lowered, and every token is a substring of
// those copies; the tokens of the card being read and of the next one live
// in two reused buffers; Elements is sized by the number of lines.
func parseBytes(data []byte, file string) (*Netlist, error) {
	text := string(data)
	low := lowerFile(text)
	lines := strings.Count(text, "\n") + 1
	p := &parser{
		file:  file,
		n:     &Netlist{Elements: make([]Element, 0, lines-1)},
		nodes: make(map[string]string),
		names: make(map[string]int32, lines-1),
		icAt:  make(map[string]Position),
	}
	eol := strings.IndexByte(text, '\n')
	if eol < 0 {
		eol = len(text)
	}
	p.n.Title = strings.TrimSpace(text[:eol])
	var (
		cur, next card // the card being read and the line just tokenized
		have      bool // cur holds a card
		inControl bool
		controlAt Position
	)
	cur.toks = make([]token, 0, 16)
	next.toks = make([]token, 0, 16)
	for nl, lineNo := eol, 2; nl < len(text) && !p.ended; lineNo++ {
		start := nl + 1 // the line is text[start:le]
		le := strings.IndexByte(text[start:], '\n')
		if le < 0 {
			le = len(text)
		} else {
			le += start
		}
		nl = le
		i := start
		for i < le && isLeftSpace(text[i]) {
			i++
		}
		col := i - start + 1
		if inControl {
			j := i
			for j < le && !isWordEnd(text[j]) {
				j++
			}
			if low[i:j] == ".endc" {
				inControl = false
			}
			continue
		}
		if i == le || text[i] == '*' {
			continue
		}
		if text[i] == '+' {
			next.toks = tokenizeTo(next.toks[:0], text, low, i+1, le, lineNo, start)
			if len(next.toks) == 0 {
				continue
			}
			if !have {
				return nil, p.errAt(token{line: lineNo, col: col}, ErrSyntax, "continuation line with no card to continue")
			}
			cur.toks = append(cur.toks, next.toks...)
			cur.end = endOf(next.toks)
			continue
		}
		next.toks = tokenizeTo(next.toks[:0], text, low, i, le, lineNo, start)
		if len(next.toks) == 0 { // a line holding only a ; or $ comment
			continue
		}
		if have {
			have = false
			if err := p.card(&cur); err != nil {
				return nil, err
			}
		}
		if p.ended {
			break
		}
		if next.toks[0].low == ".control" {
			inControl = true
			controlAt = p.pos(next.toks[0])
			p.note(next.toks[0], "skipped .control … .endc block (tngd runs only the .tran card)")
			continue
		}
		cur, next = next, cur
		cur.end = endOf(cur.toks)
		have = true
	}
	if have {
		if err := p.card(&cur); err != nil {
			return nil, err
		}
	}
	if len(p.n.Elements) == 0 {
		p.n.Elements = nil // as without pre-sizing
	}
	if inControl {
		p.n.Notes = append(p.n.Notes, Note{At: controlAt, Msg: ".control block has no .endc"})
	}
	if p.inSub {
		p.n.Notes = append(p.n.Notes, Note{At: p.subAt, Msg: ".subckt block has no .ends"})
	}
	if len(p.n.ICs) > 0 {
		connected := make(map[string]bool)
		for _, nd := range p.n.Nodes() {
			connected[nd] = true
		}
		for _, ic := range p.n.ICs {
			if !connected[ic.Node] {
				return nil, &ParseError{File: file, Line: ic.At.Line, Col: ic.At.Col, Err: ErrSyntax,
					Msg: fmt.Sprintf(".ic names node %s, which no element connects", ic.Node)}
			}
		}
	}
	return p.n, nil
}

// lowerFile returns lowerASCII(s), eight bytes at a time: a byte b < 0x80
// is upper case when b + (0x80 − 'A') carries into bit 7 and
// b + (0x80 − 'Z' − 1) does not, and bit 5 (0x20) then lowers it.
func lowerFile(s string) string {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	var b strings.Builder
	b.Grow(len(s))
	var chunk [4096]byte
	for len(s) > 0 {
		n := copy(chunk[:], s)
		s = s[n:]
		i := 0
		for ; i+8 <= n; i += 8 {
			x := binary.LittleEndian.Uint64(chunk[i:])
			h := x &^ highs
			upper := (h + (0x80-'A')*ones) &^ (h + (0x80-'Z'-1)*ones) &^ x & highs
			binary.LittleEndian.PutUint64(chunk[i:], x|upper>>2)
		}
		for ; i < n; i++ {
			if c := chunk[i]; 'A' <= c && c <= 'Z' {
				chunk[i] = c + 'a' - 'A'
			}
		}
		b.Write(chunk[:n])
	}
	return b.String()
}

// isLeftSpace reports the bytes trimmed before the first field of a line.
func isLeftSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'
}

// isWordEnd reports the bytes that end the first word of a line inside a
// .control block.
func isWordEnd(c byte) bool { return isLeftSpace(c) || c == ',' || c == ';' }

func isBlank(c byte) bool { return byteClass[c] == clBlank }

// Byte classes of the tokenizer.
const (
	clBlank   = 1 << iota // blanks and commas: separate fields
	clSingle              // ( ) =: a field of its own
	clComment             // ;: starts a comment anywhere
	clDollar              // $: starts a comment at the start of a field
)

// byteClass holds the classes of each byte; a field ends at any byte with
// a class other than clDollar.
var byteClass = func() (t [256]uint8) {
	for _, c := range []byte(" \t\r\f\v,") {
		t[c] = clBlank
	}
	t['('], t[')'], t['='] = clSingle, clSingle, clSingle
	t[';'] = clComment
	t['$'] = clDollar
	return t
}()

// tokenizeTo appends to toks the fields of text[i:end], part of the line
// that starts at byte ls and has number line: blanks and commas separate,
// '(' ')' '=' are fields of their own, ';' starts a comment anywhere and
// '$' at the start of a field. low is text with ASCII letters lowered.
func tokenizeTo(toks []token, text, low string, i, end, line, ls int) []token {
	text, low = text[:end], low[:end]
	for i < len(text) {
		switch byteClass[text[i]] {
		case clBlank:
			i++
		case clComment, clDollar:
			return toks
		case clSingle:
			toks = append(toks, token{text: text[i : i+1], low: low[i : i+1], line: line, col: i - ls + 1})
			i++
		default:
			j := i + 1
			for j < len(text) && byteClass[text[j]]&^clDollar == 0 {
				j++
			}
			toks = append(toks, token{text: text[i:j], low: low[i:j], line: line, col: i - ls + 1})
			i = j
		}
	}
	return toks
}

func endOf(toks []token) token {
	last := toks[len(toks)-1]
	return token{line: last.line, col: last.col + len(last.text)}
}

func (p *parser) pos(t token) Position { return Position{File: p.file, Line: t.line, Col: t.col} }

func (p *parser) errAt(t token, sentinel error, format string, args ...any) error {
	return &ParseError{File: p.file, Line: t.line, Col: t.col, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

func (p *parser) note(t token, format string, args ...any) {
	p.n.Notes = append(p.n.Notes, Note{At: p.pos(t), Msg: fmt.Sprintf(format, args...)})
}

// card parses one logical line.
func (p *parser) card(c *card) error {
	head := c.toks[0]
	name := head.low
	if p.inSub {
		if name == ".ends" {
			p.inSub = false
		}
		return nil
	}
	if name[0] == '.' {
		return p.dotCard(c, name)
	}
	kind := Kind(name[0] - 'a' + 'A')
	switch kind {
	case Resistor, Capacitor, CurrentSource, VoltageSource, VCCS, VCVS:
	default:
		if isLetter(head.text[0]) {
			return p.errAt(head, ErrUnsupported, "unsupported element %q: tngd reads R, C, I, V, G and E elements", head.text)
		}
		return p.errAt(head, ErrSyntax, "expected an element or a dot-card, found %q", head.text)
	}
	if prev, dup := p.names[name]; dup {
		return p.errAt(head, ErrSyntax, "element %s is already defined at %s", head.text, p.n.Elements[prev].At)
	}
	p.names[name] = int32(len(p.n.Elements))
	cur := &cursor{p: p, c: c, i: 1}
	// The element is read in place: on an error the deck is discarded.
	p.n.Elements = append(p.n.Elements, Element{Kind: kind, Name: head.text, At: p.pos(head)})
	e := &p.n.Elements[len(p.n.Elements)-1]
	var err error
	if e.Plus, err = cur.node("node n+"); err != nil {
		return err
	}
	if e.Minus, err = cur.node("node n-"); err != nil {
		return err
	}
	switch kind {
	case Resistor:
		var t token
		if e.Value, t, err = cur.value("resistance"); err != nil {
			return err
		}
		if e.Value == 0 {
			return p.errAt(t, ErrSyntax, "resistance of %s is zero", e.Name)
		}
		if err := cur.unsupportedRest(); err != nil {
			return err
		}
	case Capacitor:
		if e.Value, _, err = cur.value("capacitance"); err != nil {
			return err
		}
		if t, ok := cur.peek(); ok {
			if t.low != "ic" {
				return cur.unsupportedRest()
			}
			cur.i++
			if err := cur.expect("="); err != nil {
				return err
			}
			if e.IC, _, err = cur.value("initial voltage after IC="); err != nil {
				return err
			}
			e.HasIC = true
			if err := cur.unsupportedRest(); err != nil {
				return err
			}
		}
	case CurrentSource, VoltageSource:
		if err := p.source(cur, e); err != nil {
			return err
		}
	case VCCS, VCVS:
		if t, ok := cur.peek(); ok {
			switch t.low {
			case "poly", "value", "table", "cur", "vol", "laplace", "freq", "nand", "nor", "and", "or":
				if t2, ok := cur.peekAt(1); ok && (t2.text == "(" || t2.text == "=") {
					return p.errAt(t, ErrUnsupported, "%s form of %s is not supported: write %s n+ n- nc+ nc- value", t.text, e.Name, kind.letter())
				}
			}
		}
		if e.CtrlPlus, err = cur.node("controlling node nc+"); err != nil {
			return err
		}
		if e.CtrlMinus, err = cur.node("controlling node nc-"); err != nil {
			return err
		}
		what := "transconductance"
		if kind == VCVS {
			what = "voltage gain"
		}
		if e.Value, _, err = cur.value(what); err != nil {
			return err
		}
		if err := cur.unsupportedRest(); err != nil {
			return err
		}
	}
	return nil
}

func (k Kind) letter() string { return string(rune(k)) }

// source parses the rest of an I or V card: [DC] value, TRNOISE(…), AC ….
func (p *parser) source(cur *cursor, e *Element) error {
	hasValue := false
	for {
		t, ok := cur.peek()
		if !ok {
			break
		}
		switch word := t.low; word {
		case "dc":
			cur.i++
			if hasValue {
				return p.errAt(t, ErrSyntax, "%s has two DC values", e.Name)
			}
			v, _, err := cur.value("DC value")
			if err != nil {
				return err
			}
			e.Value, hasValue = v, true
		case "ac":
			cur.i++
			for k := 0; k < 2; k++ { // optional magnitude and phase
				if t, ok := cur.peek(); ok {
					if _, err := ParseValue(t.text); err == nil {
						cur.i++
					}
				}
			}
			p.note(t, "AC specification of %s ignored (tngd runs only .tran)", e.Name)
		case "trnoise":
			cur.i++
			if e.Kind == VoltageSource {
				return p.errAt(t, ErrUnsupported, "TRNOISE on voltage source %s is not supported: put it on a current source", e.Name)
			}
			if !e.Noise.IsZero() {
				return p.errAt(t, ErrSyntax, "%s has two TRNOISE specifications", e.Name)
			}
			if err := p.trnoise(cur, t, e); err != nil {
				return err
			}
		case "sin", "pulse", "pwl", "exp", "sffm", "am", "trrandom", "distof1", "distof2", "port", "external":
			return p.errAt(t, ErrUnsupported, "%s source function is not supported: tngd reads DC values and TRNOISE", t.text)
		default:
			if hasValue {
				return p.errAt(t, ErrSyntax, "unexpected %q after the value of %s", t.text, e.Name)
			}
			v, _, err := cur.value("DC value")
			if err != nil {
				return err
			}
			e.Value, hasValue = v, true
		}
	}
	if !hasValue && e.Noise.IsZero() {
		p.note(cur.c.toks[0], "%s has no value: DC 0 assumed", e.Name)
	}
	return nil
}

// trnoise parses "( NA NT [NALPHA [NAMP [RTSAM [RTSCAPT [RTSEMT]]]]] )"
// after the TRNOISE keyword at t.
func (p *parser) trnoise(cur *cursor, kw token, e *Element) error {
	if err := cur.expect("("); err != nil {
		return err
	}
	// The first eight parameters (one more than allowed, for the error).
	var valBuf [8]float64
	var tokBuf [8]token
	vals, toks := valBuf[:0], tokBuf[:0]
	count := 0
	for {
		t, ok := cur.peek()
		if !ok {
			return p.errAt(cur.c.end, ErrSyntax, "expected ) to close TRNOISE(")
		}
		if t.text == ")" {
			cur.i++
			break
		}
		v, t, err := cur.value("TRNOISE parameter")
		if err != nil {
			return err
		}
		if count++; len(vals) < len(valBuf) {
			vals = append(vals, v)
			toks = append(toks, t)
		}
	}
	if len(vals) < 2 {
		return p.errAt(kw, ErrSyntax, "TRNOISE needs at least NA and NT: TRNOISE(NA NT 0 0)")
	}
	if count > 7 {
		return p.errAt(toks[7], ErrSyntax, "TRNOISE takes at most 7 parameters")
	}
	na, nt := vals[0], vals[1]
	if na < 0 {
		return p.errAt(toks[0], ErrSyntax, "TRNOISE NA must be ≥ 0, found %s", toks[0].text)
	}
	if !(nt > 0) && na != 0 {
		return p.errAt(toks[1], ErrSyntax, "TRNOISE NT must be > 0, found %s", toks[1].text)
	}
	for k := 2; k < len(vals); k++ {
		if vals[k] != 0 {
			what := "1/f noise (NALPHA, NAMP)"
			if k >= 4 {
				what = "random telegraph noise (RTSAM, RTSCAPT, RTSEMT)"
			}
			return p.errAt(toks[k], ErrUnsupported, "TRNOISE %s is not supported: write TRNOISE(NA NT 0 0)", what)
		}
	}
	if na == 0 || nt <= 0 {
		p.note(kw, "TRNOISE of %s has zero amplitude: no noise", e.Name)
		return nil
	}
	e.Noise = TRNoise{NA: na, NT: nt}
	if math.IsInf(e.Noise.PSD(), 0) {
		return p.errAt(toks[0], ErrSyntax, "TRNOISE power 2·NA²·NT overflows")
	}
	return nil
}

// dotCard parses a card that starts with a dot; name is lower case.
func (p *parser) dotCard(c *card, name string) error {
	head := c.toks[0]
	cur := &cursor{p: p, c: c, i: 1}
	switch name {
	case ".end":
		p.ended = true
		return nil
	case ".endc":
		p.note(head, ".endc without .control ignored")
		return nil
	case ".tran":
		return p.tran(cur)
	case ".ic":
		return p.ic(cur)
	case ".temp":
		v, t, err := cur.value("temperature in °C")
		if err != nil {
			return err
		}
		if v < -273.15 {
			return p.errAt(t, ErrSyntax, "temperature %s °C is below absolute zero", t.text)
		}
		if err := cur.done(); err != nil {
			return err
		}
		if p.n.HasTemp {
			p.note(head, "second .temp card replaces the first")
		}
		p.n.Temp, p.n.HasTemp = v, true
		return nil
	case ".include", ".inc", ".lib":
		return p.errAt(head, ErrUnsupported, "%s is not supported: put the included elements in the file", head.text)
	case ".subckt":
		p.inSub = true
		p.subAt = p.pos(head)
		p.note(head, "skipped .subckt … .ends block (subcircuits are not supported)")
		return nil
	}
	p.note(head, "unsupported dot-card %s skipped", head.text)
	return nil
}

func (p *parser) tran(cur *cursor) error {
	head := cur.c.toks[0]
	if p.tranSet {
		return p.errAt(head, ErrSyntax, "second .tran card (the first is at %s)", p.n.Tran.At)
	}
	tr := &Tran{At: p.pos(head)}
	var valBuf [4]float64
	var tokBuf [4]token
	vals, toks := valBuf[:0], tokBuf[:0]
	for {
		t, ok := cur.peek()
		if !ok {
			break
		}
		if t.low == "uic" {
			cur.i++
			tr.UIC = true
			if err := cur.done(); err != nil {
				return err
			}
			break
		}
		if len(vals) == 4 {
			return p.errAt(t, ErrSyntax, "expected uic or the end of .tran after TMAX, found %q", t.text)
		}
		what := []string{"TSTEP", "TSTOP", "TSTART", "TMAX"}[len(vals)]
		v, t, err := cur.value(what)
		if err != nil {
			return err
		}
		vals = append(vals, v)
		toks = append(toks, t)
	}
	if len(vals) < 2 {
		return p.errAt(cur.c.end, ErrSyntax, "expected .tran TSTEP TSTOP [TSTART [TMAX]] [uic]")
	}
	tr.Step, tr.Stop = vals[0], vals[1]
	if !(tr.Step > 0) {
		return p.errAt(toks[0], ErrSyntax, ".tran TSTEP must be > 0, found %s", toks[0].text)
	}
	if !(tr.Stop > 0) {
		return p.errAt(toks[1], ErrSyntax, ".tran TSTOP must be > 0, found %s", toks[1].text)
	}
	if len(vals) > 2 {
		tr.Start = vals[2]
		if !(tr.Start >= 0 && tr.Start < tr.Stop) {
			return p.errAt(toks[2], ErrSyntax, ".tran TSTART must be in [0, TSTOP), found %s", toks[2].text)
		}
	}
	if len(vals) > 3 {
		tr.MaxStep = vals[3]
		if !(tr.MaxStep >= 0) {
			return p.errAt(toks[3], ErrSyntax, ".tran TMAX must be ≥ 0, found %s", toks[3].text)
		}
	}
	p.n.Tran, p.tranSet = tr, true
	return nil
}

// ic parses ".ic V(node)=value …".
func (p *parser) ic(cur *cursor) error {
	if _, ok := cur.peek(); !ok {
		return p.errAt(cur.c.end, ErrSyntax, "expected V(node)=value after .ic")
	}
	for {
		t, ok := cur.peek()
		if !ok {
			return nil
		}
		if t.low != "v" {
			return p.errAt(t, ErrSyntax, "expected V(node)=value in .ic, found %q", t.text)
		}
		cur.i++
		if err := cur.expect("("); err != nil {
			return err
		}
		nt, _ := cur.peek()
		node, err := cur.node("node name in V( )")
		if err != nil {
			return err
		}
		if node == "0" {
			return p.errAt(nt, ErrSyntax, ".ic cannot set the ground node")
		}
		if err := cur.expect(")"); err != nil {
			return err
		}
		if err := cur.expect("="); err != nil {
			return err
		}
		v, _, err := cur.value("initial voltage")
		if err != nil {
			return err
		}
		if prev, dup := p.icAt[node]; dup {
			return p.errAt(t, ErrSyntax, "second initial condition for node %s (the first is at %s)", node, prev)
		}
		p.icAt[node] = p.pos(t)
		p.n.ICs = append(p.n.ICs, InitialCondition{Node: node, Volts: v, At: p.pos(t)})
	}
}

// cursor walks the fields of a card.
type cursor struct {
	p *parser
	c *card
	i int
}

func (c *cursor) peek() (token, bool) { return c.peekAt(0) }

func (c *cursor) peekAt(k int) (token, bool) {
	if c.i+k < len(c.c.toks) {
		return c.c.toks[c.i+k], true
	}
	return token{}, false
}

// missing returns the error for an absent field.
func (c *cursor) missing(what string) error {
	return c.p.errAt(c.c.end, ErrSyntax, "expected %s at the end of the %s card", what, c.c.toks[0].text)
}

func (c *cursor) expect(s string) error {
	t, ok := c.peek()
	if !ok {
		return c.missing(strconv.Quote(s))
	}
	if t.text != s {
		return c.p.errAt(t, ErrSyntax, "expected %q, found %q", s, t.text)
	}
	c.i++
	return nil
}

// node reads a node name and returns its canonical spelling.
func (c *cursor) node(what string) (string, error) {
	t, ok := c.peek()
	if !ok {
		return "", c.missing(what)
	}
	if t.text == "(" || t.text == ")" || t.text == "=" {
		return "", c.p.errAt(t, ErrSyntax, "expected %s, found %q", what, t.text)
	}
	c.i++
	if IsGround(t.text) {
		return "0", nil
	}
	// A one-entry cache per field position: consecutive cards often share
	// their nodes (n+ of a resistor and of its noise source, say).
	nc := &c.p.nodeCache[c.i&3]
	if nc.low == t.low && nc.canon != "" {
		return nc.canon, nil
	}
	key := t.low
	canon, ok := c.p.nodes[key]
	if !ok {
		c.p.nodes[key], canon = t.text, t.text
	}
	nc.low, nc.canon = key, canon
	return canon, nil
}

// valueSlot picks the entry of the parser's value cache for the non-empty
// text s of a field: a hash of its length and its first, middle and last
// bytes.
func valueSlot(s string) int {
	return int(uint(len(s))+31*uint(s[0])+7*uint(s[len(s)-1])+3*uint(s[len(s)/2])) & (len(parser{}.valueCache) - 1)
}

// value reads a number.
func (c *cursor) value(what string) (float64, token, error) {
	t, ok := c.peek()
	if !ok {
		return 0, t, c.missing(what)
	}
	vc := &c.p.valueCache[valueSlot(t.text)]
	if vc.text == t.text && vc.text != "" {
		c.i++
		return vc.v, t, nil
	}
	v, err := ParseValue(t.text)
	if err != nil {
		var ve *valueErr
		msg := "expected " + what + ", found " + strconv.Quote(t.text)
		if errors.As(err, &ve) && ve.msg != "expected a number" {
			msg = "bad " + what + " " + strconv.Quote(t.text) + ": " + ve.msg
		}
		return 0, t, c.p.errAt(t, ErrSyntax, "%s", msg)
	}
	vc.text, vc.v = t.text, v
	c.i++
	return v, t, nil
}

// done reports an error if fields remain.
func (c *cursor) done() error {
	if t, ok := c.peek(); ok {
		return c.p.errAt(t, ErrSyntax, "unexpected %q at the end of the %s card", t.text, c.c.toks[0].text)
	}
	return nil
}

// unsupportedRest reports remaining fields as an unsupported parameter.
func (c *cursor) unsupportedRest() error {
	if t, ok := c.peek(); ok {
		if t2, ok := c.peekAt(1); ok && t2.text == "=" {
			return c.p.errAt(t, ErrUnsupported, "parameter %s of %s is not supported", t.text, c.c.toks[0].text)
		}
		return c.p.errAt(t, ErrSyntax, "unexpected %q at the end of the %s card", t.text, c.c.toks[0].text)
	}
	return nil
}
