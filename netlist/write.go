package netlist

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// ErrInvalid is wrapped by the errors of [Write] and [Netlist.Validate] for
// a deck that cannot be written or simulated as it stands: an empty or
// misspelled name, a non-finite value, two nodes whose names differ only in
// case.
var ErrInvalid = errors.New("netlist: invalid netlist")

// WriteOptions tune [Write]. A nil *WriteOptions means the zero value: no
// .options card and no .control block.
type WriteOptions struct {
	// Wave, when not empty, adds a .control block that runs the .tran
	// analysis, resamples it on the TSTEP grid with linearize and writes
	// time and node voltages to the file Wave with wrdata, one row per grid
	// point, one header line of vector names (set wr_singlescale, set
	// wr_vecnames), 16 significant digits (set numdgt=15), then quits so
	// that 'ngspice -b' exits with status 0. It needs a .tran card. (.options interp is not used: it
	// returns wrong values right after breakpoints in ngspice 39.)
	Wave string
	// Nodes are the nodes written to Wave, in order; nil means all of
	// [Netlist.Nodes].
	Nodes []string
	// Options is the text of an .options card, such as "reltol=1e-6";
	// empty means none.
	Options string
}

// Write writes n as an ngspice-compatible netlist: title, elements, .ic,
// .temp, .tran, .options and the optional .control block of opt, and .end.
// Every value is written exactly ([FormatValue]), so that [Parse] reads back
// the same deck (apart from Notes and positions) and ngspice gets every
// value to 1e-15 relative.
//
// It returns an error wrapping [ErrInvalid] if n does not pass
// [Netlist.Validate] or if opt.Wave is set without a .tran card, and the
// writer's error otherwise. It panics if n is nil.
func Write(w io.Writer, n *Netlist, opt *WriteOptions) error {
	if opt == nil {
		opt = &WriteOptions{}
	}
	if err := n.Validate(); err != nil {
		return err
	}
	if opt.Wave != "" && n.Tran == nil {
		return fmt.Errorf("%w: a .control block writing %s needs a .tran card", ErrInvalid, opt.Wave)
	}
	if strings.ContainsAny(opt.Wave, "\n\r") || strings.ContainsAny(opt.Options, "\n\r") {
		return fmt.Errorf("%w: WriteOptions.Wave and Options must be one line", ErrInvalid)
	}
	bw := bufio.NewWriter(w)
	title := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, n.Title)
	fmt.Fprintln(bw, strings.TrimSpace(title))
	for i := range n.Elements {
		e := &n.Elements[i]
		fmt.Fprintf(bw, "%s %s %s", e.Name, node(e.Plus), node(e.Minus))
		switch e.Kind {
		case Resistor:
			fmt.Fprintf(bw, " %s", FormatValue(e.Value))
		case Capacitor:
			fmt.Fprintf(bw, " %s", FormatValue(e.Value))
			if e.HasIC {
				fmt.Fprintf(bw, " IC=%s", FormatValue(e.IC))
			}
		case CurrentSource, VoltageSource:
			fmt.Fprintf(bw, " DC %s", FormatValue(e.Value))
			if !e.Noise.IsZero() {
				fmt.Fprintf(bw, " TRNOISE(%s %s 0 0)", FormatValue(e.Noise.NA), FormatValue(e.Noise.NT))
			}
		case VCCS, VCVS:
			fmt.Fprintf(bw, " %s %s %s", node(e.CtrlPlus), node(e.CtrlMinus), FormatValue(e.Value))
		}
		fmt.Fprintln(bw)
	}
	if len(n.ICs) > 0 {
		bw.WriteString(".ic")
		for _, ic := range n.ICs {
			fmt.Fprintf(bw, " V(%s)=%s", ic.Node, FormatValue(ic.Volts))
		}
		fmt.Fprintln(bw)
	}
	if n.HasTemp {
		fmt.Fprintf(bw, ".temp %s\n", FormatValue(n.Temp))
	}
	if t := n.Tran; t != nil {
		fmt.Fprintf(bw, ".tran %s %s", FormatValue(t.Step), FormatValue(t.Stop))
		if t.Start != 0 || t.MaxStep != 0 {
			fmt.Fprintf(bw, " %s", FormatValue(t.Start))
		}
		if t.MaxStep != 0 {
			fmt.Fprintf(bw, " %s", FormatValue(t.MaxStep))
		}
		if t.UIC {
			bw.WriteString(" uic")
		}
		fmt.Fprintln(bw)
	}
	if opt.Options != "" {
		fmt.Fprintf(bw, ".options %s\n", opt.Options)
	}
	if opt.Wave != "" {
		nodes := opt.Nodes
		if nodes == nil {
			nodes = n.Nodes()
		}
		var vecs strings.Builder
		for _, nd := range nodes {
			fmt.Fprintf(&vecs, " v(%s)", nd)
		}
		fmt.Fprintf(bw, ".control\nset wr_singlescale\nset wr_vecnames\nset numdgt=15\nrun\nlinearize%s\nwrdata %s%s\nquit\n.endc\n",
			vecs.String(), opt.Wave, vecs.String())
	}
	fmt.Fprintln(bw, ".end")
	return bw.Flush()
}

// node writes ground as 0.
func node(s string) string {
	if IsGround(s) {
		return "0"
	}
	return s
}

// Validate checks that n can be written and read back: element names that
// start with their kind's letter and are unique (case-insensitively), node
// names that are single SPICE fields, no two distinct nodes whose names
// differ only in case, finite values, a non-zero resistance, TRNOISE with
// NA ≥ 0 and NT > 0 on current sources only, .ic on known non-ground
// nodes, and a valid .tran. It returns nil or an error wrapping
// [ErrInvalid] that names the element. Decks from [Parse] always pass.
func (n *Netlist) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
	names := make(map[string]bool)
	spelling := make(map[string]string) // lower-case → spelling
	checkNode := func(e *Element, nd string) error {
		if !validField(nd) {
			return bad("element %s: node name %q is not a SPICE field", e.Name, nd)
		}
		if IsGround(nd) {
			return nil
		}
		k := lowerASCII(nd)
		if s, ok := spelling[k]; ok && s != nd {
			return bad("element %s: nodes %q and %q differ only in case (SPICE names are case-insensitive)", e.Name, s, nd)
		}
		spelling[k] = nd
		return nil
	}
	for i := range n.Elements {
		e := &n.Elements[i]
		if !e.Kind.known() {
			return bad("element %d (%q): unknown kind %v", i, e.Name, e.Kind)
		}
		if !validField(e.Name) || lowerASCII(e.Name[:1]) != lowerASCII(e.Kind.letter()) {
			return bad("element %d: name %q must be a SPICE field starting with %s", i, e.Name, e.Kind.letter())
		}
		if k := lowerASCII(e.Name); names[k] {
			return bad("element %s is defined twice", e.Name)
		} else {
			names[k] = true
		}
		nodes := []string{e.Plus, e.Minus}
		if e.Kind == VCCS || e.Kind == VCVS {
			nodes = append(nodes, e.CtrlPlus, e.CtrlMinus)
		} else if e.CtrlPlus != "" || e.CtrlMinus != "" {
			return bad("element %s: only G and E have controlling nodes", e.Name)
		}
		for _, nd := range nodes {
			if err := checkNode(e, nd); err != nil {
				return err
			}
		}
		if !finite(e.Value) || (e.HasIC && !finite(e.IC)) {
			return bad("element %s: value is not finite", e.Name)
		}
		if e.Kind == Resistor && e.Value == 0 {
			return bad("element %s: zero resistance", e.Name)
		}
		if e.HasIC && e.Kind != Capacitor {
			return bad("element %s: only capacitors have IC=", e.Name)
		}
		if !e.Noise.IsZero() {
			if e.Kind != CurrentSource {
				return bad("element %s: only current sources carry TRNOISE", e.Name)
			}
			if !(e.Noise.NA > 0 && e.Noise.NT > 0) || !finite(e.Noise.PSD()) {
				return bad("element %s: TRNOISE needs finite NA > 0 and NT > 0", e.Name)
			}
		}
	}
	seenIC := make(map[string]bool)
	for _, ic := range n.ICs {
		if IsGround(ic.Node) || !validField(ic.Node) {
			return bad(".ic: bad node %q", ic.Node)
		}
		if _, ok := spelling[lowerASCII(ic.Node)]; !ok {
			return bad(".ic: node %q is not connected to any element", ic.Node)
		}
		if spelling[lowerASCII(ic.Node)] != ic.Node {
			return bad(".ic: node %q is spelled %q by the elements", ic.Node, spelling[lowerASCII(ic.Node)])
		}
		if seenIC[ic.Node] {
			return bad(".ic: node %q given twice", ic.Node)
		}
		seenIC[ic.Node] = true
		if !finite(ic.Volts) {
			return bad(".ic: V(%s) is not finite", ic.Node)
		}
	}
	if n.HasTemp && !(n.Temp >= -273.15 && finite(n.Temp)) {
		return bad(".temp %v °C is not a temperature", n.Temp)
	}
	if t := n.Tran; t != nil {
		if !(t.Step > 0 && t.Stop > 0 && finite(t.Stop) && t.Start >= 0 && t.Start < t.Stop && t.MaxStep >= 0 && finite(t.MaxStep)) {
			return bad(".tran %v %v %v %v: need TSTEP, TSTOP > 0, 0 ≤ TSTART < TSTOP, TMAX ≥ 0", t.Step, t.Stop, t.Start, t.MaxStep)
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// validField reports whether s reads back as exactly one field of the
// tokenizer: non-empty, without blanks, commas, parentheses, '=', ';' or
// line breaks, and not starting with '$' (a comment).
func validField(s string) bool {
	if s == "" || s[0] == '$' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; isBlank(c) || c == '\n' || c == '(' || c == ')' || c == '=' || c == ';' {
			return false
		}
	}
	return true
}
