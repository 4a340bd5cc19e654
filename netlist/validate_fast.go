package netlist

// quickValid reports whether n passes [Netlist.Validate], deciding the
// common case (no .ic cards) without allocating per element: element names
// are compared case-insensitively in a foldSet, and each node is checked
// once per distinct string (the parser hands out one canonical string per
// node).
// false means "not shown": the caller runs Validate for the verdict and
// its message, so quickValid may be stricter than Validate but never more
// lenient (TestQuickValid checks this on mutated decks).
func (n *Netlist) quickValid() bool {
	if len(n.ICs) > 0 {
		return false
	}
	if n.HasTemp && !(n.Temp >= -273.15 && finite(n.Temp)) {
		return false
	}
	if t := n.Tran; t != nil {
		if !(t.Step > 0 && t.Stop > 0 && finite(t.Stop) && t.Start >= 0 && t.Start < t.Stop && t.MaxStep >= 0 && finite(t.MaxStep)) {
			return false
		}
	}
	names := newFoldSet(len(n.Elements))
	spelling := make(map[string]string) // lower-case node → spelling
	var last [2]string                  // nodes already checked (never "")
	node := func(nd string) bool {
		if nd != "" && (nd == last[0] || nd == last[1]) {
			return true
		}
		if !validField(nd) {
			return false
		}
		if !IsGround(nd) {
			k := lowerASCII(nd)
			if s, ok := spelling[k]; ok && s != nd {
				return false
			}
			spelling[k] = nd
		}
		last[1], last[0] = last[0], nd
		return true
	}
	for i := range n.Elements {
		e := &n.Elements[i]
		if !e.Kind.known() || !validField(e.Name) || e.Name[0]|0x20 != byte(e.Kind)|0x20 {
			return false
		}
		if !names.add(e.Name) {
			return false
		}
		if !node(e.Plus) || !node(e.Minus) {
			return false
		}
		if e.Kind == VCCS || e.Kind == VCVS {
			if !node(e.CtrlPlus) || !node(e.CtrlMinus) {
				return false
			}
		} else if e.CtrlPlus != "" || e.CtrlMinus != "" {
			return false
		}
		if !finite(e.Value) || e.HasIC && (e.Kind != Capacitor || !finite(e.IC)) {
			return false
		}
		if e.Kind == Resistor && e.Value == 0 {
			return false
		}
		if !e.Noise.IsZero() && (e.Kind != CurrentSource || !(e.Noise.NA > 0 && e.Noise.NT > 0) || !finite(e.Noise.PSD())) {
			return false
		}
	}
	return true
}

// validate is Validate with quickValid's shortcut.
func (n *Netlist) validate() error {
	if n.quickValid() {
		return nil
	}
	return n.Validate()
}

// foldSet is a set of names compared as lowerASCII compares them (ASCII
// letters case-insensitively, other bytes exactly), without lowering any
// string: an open-addressing table of FNV-1a hashes of the lowered bytes,
// at most half full.
type foldSet struct {
	hash  []uint64 // 0: empty slot
	names []string
}

func newFoldSet(n int) *foldSet {
	size := 8
	for size < 2*n {
		size *= 2
	}
	return &foldSet{hash: make([]uint64, size), names: make([]string, size)}
}

// add inserts name and reports whether it was new. The set must not be
// full (it is sized for n names).
func (s *foldSet) add(name string) bool {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = (h ^ uint64(c)) * prime
	}
	if h == 0 {
		h = 1
	}
	mask := uint64(len(s.hash) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.hash[i] {
		case 0:
			s.hash[i], s.names[i] = h, name
			return true
		case h:
			if equalFoldASCII(s.names[i], name) {
				return false
			}
		}
	}
}

// equalFoldASCII reports whether lowerASCII(a) == lowerASCII(b).
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
