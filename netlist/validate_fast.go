package netlist

// quickValid reports whether n passes [Netlist.Validate], deciding the
// common case (no .ic cards) without allocating per element: element names
// are compared case-insensitively as their kind plus the rest of the name
// (the first letter is the kind's), which is already lower case in most
// decks, in maps sized once per kind, and each node is checked once per
// distinct string (the parser hands out one canonical string per node).
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
	var count [6]int
	for i := range n.Elements {
		k := kindSlot(n.Elements[i].Kind)
		if k < 0 {
			return false
		}
		count[k]++
	}
	var names [6]map[string]struct{}
	for k, c := range count {
		if c > 0 {
			names[k] = make(map[string]struct{}, c)
		}
	}
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
		if !validField(e.Name) || e.Name[0]|0x20 != byte(e.Kind)|0x20 {
			return false
		}
		m := names[kindSlot(e.Kind)]
		rest := lowerASCII(e.Name[1:])
		if _, dup := m[rest]; dup {
			return false
		}
		m[rest] = struct{}{}
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

// kindSlot numbers the element kinds 0 … 5, −1 for an unknown kind.
func kindSlot(k Kind) int {
	switch k {
	case Resistor:
		return 0
	case Capacitor:
		return 1
	case CurrentSource:
		return 2
	case VoltageSource:
		return 3
	case VCCS:
		return 4
	case VCVS:
		return 5
	}
	return -1
}

// validate is Validate with quickValid's shortcut.
func (n *Netlist) validate() error {
	if n.quickValid() {
		return nil
	}
	return n.Validate()
}
