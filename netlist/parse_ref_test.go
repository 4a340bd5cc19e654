package netlist

// The refParser as it was before the streaming scanner (tokens as substrings of
// each line, numbers through strings.Builder), kept as the slow reference
// implementation of the differential tests in parse_diff_test.go. Only
// identifiers are renamed (ref prefix); do not edit the logic.

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// refParse is the reference Parse on a byte slice.
func refParse(data []byte, file string) (*Netlist, error) { return refParseBytes(data, file) }

// refToken is one field of a card, with its position.
type refToken struct {
	text      string
	line, col int
}

// card is a logical line: an element or dot-card with its continuations.
type refCard struct {
	toks []refToken
	end  refToken // empty refToken just past the last field, for "missing" errors
}

type refParser struct {
	file    string
	n       *Netlist
	nodes   map[string]string   // lower-case name → canonical spelling
	names   map[string]Position // lower-case element name → where defined
	icAt    map[string]Position // node → where its .ic was given
	inSub   bool                // inside .subckt … .ends
	subAt   Position
	ended   bool // .end seen
	tranSet bool
}

func refParseBytes(data []byte, file string) (*Netlist, error) {
	p := &refParser{
		file:  file,
		n:     &Netlist{},
		nodes: make(map[string]string),
		names: make(map[string]Position),
		icAt:  make(map[string]Position),
	}
	lines := bytes.Split(data, []byte("\n"))
	p.n.Title = strings.TrimSpace(string(lines[0]))
	var cur *refCard
	inControl := false
	var controlAt Position
	flush := func() error {
		if cur == nil {
			return nil
		}
		c := cur
		cur = nil
		return p.card(c)
	}
	for li := 1; li < len(lines) && !p.ended; li++ {
		lineNo := li + 1
		raw := string(lines[li])
		trimmed := strings.TrimLeft(raw, " \t\r\f\v")
		col := len(raw) - len(trimmed) + 1
		if inControl {
			if lowerASCII(refFirstWord(trimmed)) == ".endc" {
				inControl = false
			}
			continue
		}
		if trimmed == "" || trimmed[0] == '*' {
			continue
		}
		if trimmed[0] == '+' {
			toks := refTokenize(trimmed[1:], lineNo, col+1)
			if len(toks) == 0 {
				continue
			}
			if cur == nil {
				return nil, p.errAt(refToken{line: lineNo, col: col}, ErrSyntax, "continuation line with no card to continue")
			}
			cur.toks = append(cur.toks, toks...)
			cur.end = refEndOf(toks)
			continue
		}
		toks := refTokenize(trimmed, lineNo, col)
		if len(toks) == 0 { // a line holding only a ; or $ comment
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		if p.ended {
			break
		}
		if lowerASCII(toks[0].text) == ".control" {
			inControl = true
			controlAt = p.pos(toks[0])
			p.note(toks[0], "skipped .control … .endc block (tngd runs only the .tran card)")
			continue
		}
		cur = &refCard{toks: toks, end: refEndOf(toks)}
	}
	if err := flush(); err != nil {
		return nil, err
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

// refFirstWord returns s up to the first blank.
func refFirstWord(s string) string {
	if i := strings.IndexAny(s, " \t\r\f\v,;"); i >= 0 {
		return s[:i]
	}
	return s
}

// refTokenize splits one physical line (from column col on) into fields:
// blanks and commas separate, '(' ')' '=' are fields of their own, ';'
// starts a comment anywhere and '$' at the start of a field.
func refTokenize(s string, line, col int) []refToken {
	var toks []refToken
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case isBlank(c):
			i++
		case c == ';' || c == '$':
			return toks
		case c == '(' || c == ')' || c == '=':
			toks = append(toks, refToken{text: s[i : i+1], line: line, col: col + i})
			i++
		default:
			j := i
			for j < len(s) && !isBlank(s[j]) && s[j] != ';' && s[j] != '(' && s[j] != ')' && s[j] != '=' {
				j++
			}
			toks = append(toks, refToken{text: s[i:j], line: line, col: col + i})
			i = j
		}
	}
	return toks
}

func refEndOf(toks []refToken) refToken {
	last := toks[len(toks)-1]
	return refToken{line: last.line, col: last.col + len(last.text)}
}

func (p *refParser) pos(t refToken) Position { return Position{File: p.file, Line: t.line, Col: t.col} }

func (p *refParser) errAt(t refToken, sentinel error, format string, args ...any) error {
	return &ParseError{File: p.file, Line: t.line, Col: t.col, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

func (p *refParser) note(t refToken, format string, args ...any) {
	p.n.Notes = append(p.n.Notes, Note{At: p.pos(t), Msg: fmt.Sprintf(format, args...)})
}

// card parses one logical line.
func (p *refParser) card(c *refCard) error {
	head := c.toks[0]
	name := lowerASCII(head.text)
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
		return p.errAt(head, ErrSyntax, "element %s is already defined at %s", head.text, prev)
	}
	p.names[name] = p.pos(head)
	cur := &refCursor{p: p, c: c, i: 1}
	e := Element{Kind: kind, Name: head.text, At: p.pos(head)}
	var err error
	if e.Plus, err = cur.node("node n+"); err != nil {
		return err
	}
	if e.Minus, err = cur.node("node n-"); err != nil {
		return err
	}
	switch kind {
	case Resistor:
		var t refToken
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
			if lowerASCII(t.text) != "ic" {
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
		if err := p.source(cur, &e); err != nil {
			return err
		}
	case VCCS, VCVS:
		if t, ok := cur.peek(); ok {
			switch lowerASCII(t.text) {
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
	p.n.Elements = append(p.n.Elements, e)
	return nil
}

// source parses the rest of an I or V card: [DC] value, TRNOISE(…), AC ….
func (p *refParser) source(cur *refCursor, e *Element) error {
	hasValue := false
	for {
		t, ok := cur.peek()
		if !ok {
			break
		}
		switch word := lowerASCII(t.text); word {
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
					if _, err := refParseValue(t.text); err == nil {
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
func (p *refParser) trnoise(cur *refCursor, kw refToken, e *Element) error {
	if err := cur.expect("("); err != nil {
		return err
	}
	var vals []float64
	var toks []refToken
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
		vals = append(vals, v)
		toks = append(toks, t)
	}
	if len(vals) < 2 {
		return p.errAt(kw, ErrSyntax, "TRNOISE needs at least NA and NT: TRNOISE(NA NT 0 0)")
	}
	if len(vals) > 7 {
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
func (p *refParser) dotCard(c *refCard, name string) error {
	head := c.toks[0]
	cur := &refCursor{p: p, c: c, i: 1}
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

func (p *refParser) tran(cur *refCursor) error {
	head := cur.c.toks[0]
	if p.tranSet {
		return p.errAt(head, ErrSyntax, "second .tran card (the first is at %s)", p.n.Tran.At)
	}
	tr := &Tran{At: p.pos(head)}
	var vals []float64
	var toks []refToken
	for {
		t, ok := cur.peek()
		if !ok {
			break
		}
		if lowerASCII(t.text) == "uic" {
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
func (p *refParser) ic(cur *refCursor) error {
	if _, ok := cur.peek(); !ok {
		return p.errAt(cur.c.end, ErrSyntax, "expected V(node)=value after .ic")
	}
	for {
		t, ok := cur.peek()
		if !ok {
			return nil
		}
		if lowerASCII(t.text) != "v" {
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

// refCursor walks the fields of a card.
type refCursor struct {
	p *refParser
	c *refCard
	i int
}

func (c *refCursor) peek() (refToken, bool) { return c.peekAt(0) }

func (c *refCursor) peekAt(k int) (refToken, bool) {
	if c.i+k < len(c.c.toks) {
		return c.c.toks[c.i+k], true
	}
	return refToken{}, false
}

// missing returns the error for an absent field.
func (c *refCursor) missing(what string) error {
	return c.p.errAt(c.c.end, ErrSyntax, "expected %s at the end of the %s card", what, c.c.toks[0].text)
}

func (c *refCursor) expect(s string) error {
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
func (c *refCursor) node(what string) (string, error) {
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
	key := lowerASCII(t.text)
	if canon, ok := c.p.nodes[key]; ok {
		return canon, nil
	}
	c.p.nodes[key] = t.text
	return t.text, nil
}

// value reads a number.
func (c *refCursor) value(what string) (float64, refToken, error) {
	t, ok := c.peek()
	if !ok {
		return 0, t, c.missing(what)
	}
	v, err := refParseValue(t.text)
	if err != nil {
		var ve *refValueErr
		msg := "expected " + what + ", found " + strconv.Quote(t.text)
		if errors.As(err, &ve) && ve.msg != "expected a number" {
			msg = "bad " + what + " " + strconv.Quote(t.text) + ": " + ve.msg
		}
		return 0, t, c.p.errAt(t, ErrSyntax, "%s", msg)
	}
	c.i++
	return v, t, nil
}

// done reports an error if fields remain.
func (c *refCursor) done() error {
	if t, ok := c.peek(); ok {
		return c.p.errAt(t, ErrSyntax, "unexpected %q at the end of the %s card", t.text, c.c.toks[0].text)
	}
	return nil
}

// unsupportedRest reports remaining fields as an unsupported parameter.
func (c *refCursor) unsupportedRest() error {
	if t, ok := c.peek(); ok {
		if t2, ok := c.peekAt(1); ok && t2.text == "=" {
			return c.p.errAt(t, ErrUnsupported, "parameter %s of %s is not supported", t.text, c.c.toks[0].text)
		}
		return c.p.errAt(t, ErrSyntax, "unexpected %q at the end of the %s card", t.text, c.c.toks[0].text)
	}
	return nil
}

// refScale maps SPICE refScale suffixes (lower case) to powers of ten; "mil"
// (25.4e-6) is handled apart because it is not a power of ten.
var refScale = map[byte]int{'f': -15, 'p': -12, 'n': -9, 'u': -6, 'm': -3, 'k': 3, 'g': 9, 't': 12}

// refParseValue parses a SPICE number: an optional sign, digits with an
// optional decimal point, an optional exponent (e or E, optional sign,
// digits), then an optional refScale suffix in any case — f (1e-15), p (1e-12),
// n (1e-9), u (1e-6), m (1e-3), mil (25.4e-6), k (1e3), meg (1e6), g (1e9),
// t (1e12) — and any further letters, which are units and ignored: "1kohm"
// is 1000, "10uF" is 1e-5, "1MEG" is 1e6. As in SPICE, "1F" is one
// femto-something and "1M" is one milli. Scaling is exact up to the final
// rounding: "10u" parses as the decimal 10e-6.
//
// It returns an error wrapping [ErrValue] for empty text, a missing digit,
// a non-letter after the number, or a value that overflows float64.
func refParseValue(s string) (float64, error) {
	i := 0
	var b strings.Builder
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		b.WriteByte(s[i])
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		b.WriteByte(s[i])
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		b.WriteByte('.')
		i++
		for i < len(s) && isDigit(s[i]) {
			b.WriteByte(s[i])
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, refValueError(s, "expected a number")
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		neg := false
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			neg = s[j] == '-'
			j++
		}
		k := j
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k > j { // an exponent; otherwise the e is a unit letter
			// Cap the magnitude: anything beyond ±10000 over- or
			// underflows whatever the mantissa and suffix are.
			e := 0
			for _, c := range s[j:k] {
				if e < 100000 {
					e = 10*e + int(c-'0')
				}
			}
			if neg {
				e = -e
			}
			exp = e
			i = k
		}
	}
	mil := false
	if i < len(s) {
		rest := lowerASCII(s[i:])
		switch {
		case strings.HasPrefix(rest, "meg"):
			exp += 6
		case strings.HasPrefix(rest, "mil"):
			mil = true
		default:
			exp += refScale[rest[0]] // 0 for a plain unit letter
		}
		for j := i; j < len(s); j++ {
			if !isLetter(s[j]) {
				return 0, refValueError(s, "unexpected "+strconv.QuoteRune(rune(s[j]))+" after the number")
			}
		}
	}
	b.WriteString("e")
	b.WriteString(strconv.Itoa(exp))
	v, err := strconv.ParseFloat(b.String(), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, refValueError(s, "expected a number")
	}
	if mil {
		v *= 25.4e-6
	}
	if math.IsInf(v, 0) {
		return 0, refValueError(s, "value out of range")
	}
	return v, nil
}

func refValueError(s, msg string) error {
	return &refValueErr{text: s, msg: msg}
}

// refValueErr is the error of refParseValue; the refParser turns it into a
// positioned ParseError.
type refValueErr struct{ text, msg string }

func (e *refValueErr) Error() string { return "netlist: " + strconv.Quote(e.text) + ": " + e.msg }
func (e *refValueErr) Unwrap() error { return ErrValue }
