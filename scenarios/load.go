package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/tngd/tngd/circuit"
	"github.com/tngd/tngd/nn"
)

// rawScenario mirrors Scenario with each [[optimizer]] table kept as a
// primitive, decoded once its kind is known.
type rawScenario struct {
	Name        string           `toml:"name"`
	Description string           `toml:"description"`
	Run         Run              `toml:"run"`
	Task        Task             `toml:"task"`
	Hardware    circuit.Hardware `toml:"hardware"`
	Digital     Digital          `toml:"digital"`
	Optimizers  []toml.Primitive `toml:"optimizer"`
	Sweep       struct {
		Mode   string           `toml:"mode"`
		Params map[string][]any `toml:"params"`
	} `toml:"sweep"`
}

// Load reads, decodes strictly and validates the scenario file at path,
// then applies the overrides sets ("dotted.key=value", as given to --set)
// and validates again. Errors are *FieldError values naming the file, the
// line when known and the dotted key, or a read error.
func Load(path string, sets ...string) (*Scenario, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src, sets...)
}

// Parse is [Load] on the contents src of the file named file.
func Parse(file string, src []byte, sets ...string) (*Scenario, error) {
	s, err := decode(string(src))
	if err != nil {
		return nil, locate(err, file, string(src))
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	var t tree
	if _, err := toml.Decode(string(src), &t); err != nil {
		return nil, locate(err, file, string(src))
	}
	s.tree = t
	if len(sets) == 0 {
		return s, nil
	}
	for _, kv := range sets {
		key, val, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(key) == "" {
			return nil, &FieldError{File: "--set", Err: fmt.Errorf("want dotted.key=value, got %q", kv)}
		}
		key = strings.TrimSpace(key)
		if err := setPath(t, key, parseValue(strings.TrimSpace(val))); err != nil {
			return nil, &FieldError{File: "--set", Err: err}
		}
	}
	s2, err := fromTree(t, "--set", s.Sweep.order)
	if err != nil {
		return nil, err
	}
	if s2.Name == "" {
		s2.Name = s.Name
	}
	return s2, nil
}

// fromTree decodes a (modified) tree; errors are attributed to origin
// ("--set", "sweep point 3") since the tree has no lines of its own. The
// encoder sorts keys, so the swept keys take the order of order (the
// file's), keys new to the tree following in sorted order.
func fromTree(t tree, origin string, order []string) (*Scenario, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(t); err != nil {
		return nil, &FieldError{File: origin, Err: err}
	}
	s, err := decode(buf.String())
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			fe.File, fe.Line = origin, 0
			return nil, fe
		}
		return nil, &FieldError{File: origin, Err: err}
	}
	s.Sweep.order = keepOrder(order, s.Sweep.order)
	s.tree = t
	return s, nil
}

// keepOrder returns the keys of got in the order of want, followed by the
// keys of got that want lacks, in their order in got.
func keepOrder(want, got []string) []string {
	out := make([]string, 0, len(got))
	for _, k := range want {
		if slices.Contains(got, k) {
			out = append(out, k)
		}
	}
	for _, k := range got {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// decode decodes src strictly and validates it. Errors are *FieldError
// without File, with Line when the decoder gave one.
func decode(src string) (*Scenario, error) {
	var raw rawScenario
	md, err := toml.Decode(src, &raw)
	if err != nil {
		return nil, decodeError(err)
	}
	s := &Scenario{
		Name: raw.Name, Description: raw.Description, Run: raw.Run, Task: raw.Task,
		Hardware: raw.Hardware, Digital: raw.Digital,
		Sweep: Sweep{Mode: raw.Sweep.Mode, Params: raw.Sweep.Params},
	}
	for i, p := range raw.Optimizers {
		o := Optimizer{}
		if err := md.PrimitiveDecode(p, &o); err != nil {
			return nil, decodeError(err)
		}
		key := fmt.Sprintf("optimizer.%d", i)
		if o.Kind == "" {
			return nil, invalid(key+".kind", "missing: want one of %q", nn.OptimizerKinds)
		}
		cfg, err := nn.NewOptimizerConfig(o.Kind)
		if err != nil {
			return nil, invalid(key+".kind", "want one of %q, got %q", nn.OptimizerKinds, o.Kind)
		}
		if err := md.PrimitiveDecode(p, cfg); err != nil {
			return nil, decodeError(err)
		}
		o.Config = cfg
		s.Optimizers = append(s.Optimizers, o)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, &FieldError{Key: und[0].String(), Err: errors.New("unknown key")}
	}
	for _, k := range md.Keys() {
		if len(k) == 3 && k[0] == "sweep" && k[1] == "params" {
			s.Sweep.order = append(s.Sweep.order, k[2])
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// decodeLine matches the decoder's type errors, which carry a line but are
// not ParseErrors.
var decodeLine = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// decodeError turns a TOML error into a *FieldError with line and key.
func decodeError(err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &FieldError{Line: pe.Position.Line, Key: pe.LastKey, Err: errors.New(pe.Message)}
	}
	if m := decodeLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FieldError{Line: line, Key: m[2], Err: errors.New(m[3])}
	}
	return &FieldError{Err: err}
}

// locate fills in the file of a decode or validation error and, when the
// decoder gave no line, finds the line of its key in src.
func locate(err error, file, src string) error {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return &FieldError{File: file, Err: err}
	}
	fe.File = file
	if fe.Line == 0 && fe.Key != "" {
		fe.Line = lineOf(src, fe.Key)
	}
	return fe
}

// lineOf returns the 1-based line of the dotted key in src, or of the
// closest enclosing table that appears, or 0. It understands [table] and
// [[array]] headers and "key = value" lines; an array element may be
// addressed by index ("optimizer.1.lr") or by name ("optimizer.tngd.lr").
func lineOf(src, key string) int {
	want := strings.Split(key, ".")
	lines := strings.Split(src, "\n")
	var table []string // current table path, with array indices
	arrays := map[string]int{}
	names := map[string]string{} // "optimizer.1" -> its name or kind
	best, bestLen := 0, 0
	match := func(path []string, line int) {
		n := commonPrefix(path, want, names)
		if n > bestLen || (n == bestLen && n == len(want) && best == 0) {
			best, bestLen = line, n
		}
	}
	for i, raw := range lines {
		l := strings.TrimSpace(raw)
		if c := strings.IndexByte(l, '#'); c >= 0 && !strings.ContainsAny(l[:c], `"'`) {
			l = strings.TrimSpace(l[:c])
		}
		switch {
		case strings.HasPrefix(l, "[["):
			name := strings.TrimSpace(strings.Trim(l, "[]"))
			idx := arrays[name]
			arrays[name] = idx + 1
			table = append(splitKey(name), strconv.Itoa(idx))
			match(table, i+1)
		case strings.HasPrefix(l, "["):
			table = splitKey(strings.TrimSpace(strings.Trim(l, "[]")))
			match(table, i+1)
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				continue
			}
			path := append(slices.Clone(table), splitKey(strings.TrimSpace(k))...)
			if len(table) > 0 && (path[len(path)-1] == "name" || path[len(path)-1] == "kind") {
				label := strings.Trim(strings.TrimSpace(v), `"'`)
				prefix := strings.Join(table, ".")
				if path[len(path)-1] == "name" || names[prefix] == "" {
					names[prefix] = label
				}
			}
			match(path, i+1)
		}
	}
	return best
}

// splitKey splits a TOML key on dots outside quotes.
func splitKey(k string) []string {
	var parts []string
	var cur strings.Builder
	quote := byte(0)
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}

// commonPrefix counts the elements of want matched by path, or returns 0
// when path is about another key. An array index in path matches its
// element's name in want, or nothing (the decoder names keys of array
// elements without their index: optimizer.lr).
func commonPrefix(path, want []string, names map[string]string) int {
	i, n := 0, 0
	for i < len(path) && n < len(want) {
		switch {
		case path[i] == want[n] || names[strings.Join(path[:i+1], ".")] == want[n]:
			n++
		case isIndex(path[i]):
			// skip the index: want omits it
		default:
			return 0
		}
		i++
	}
	if i < len(path) && n < len(want) {
		return 0 // the line is about another key
	}
	return n // the line is the key, an enclosing table, or inside the key's table
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// At returns the scenario with the sweep point p applied, decoded and
// validated like the file itself; errors name the point.
func (s *Scenario) At(p Point) (*Scenario, error) {
	if len(p) == 0 {
		return s, nil
	}
	t := cloneTree(s.tree)
	for _, a := range p {
		if err := setPath(t, a.Key, a.Value); err != nil {
			return nil, &FieldError{File: "sweep", Err: err}
		}
	}
	pt, err := fromTree(t, fmt.Sprintf("sweep point %s", p), s.Sweep.order)
	if err != nil {
		return nil, err
	}
	if pt.Name == "" {
		pt.Name = s.Name
	}
	return pt, nil
}

// TOML returns the scenario as a TOML document that decodes to the same
// scenario: the file with its overrides applied.
func (s *Scenario) TOML() []byte {
	var buf bytes.Buffer
	t := cloneTree(s.tree)
	if _, ok := t["name"]; !ok {
		t["name"] = s.Name
	}
	// The encoder sorts keys; the swept keys must keep their order, which
	// fixes the order of the jobs, so [sweep.params] is written by hand.
	var params map[string]any
	if sw, ok := t["sweep"].(map[string]any); ok {
		params, _ = sw["params"].(map[string]any)
		delete(sw, "params")
	}
	if err := toml.NewEncoder(&buf).Encode(t); err != nil {
		panic("scenarios: encoding a decoded tree: " + err.Error())
	}
	if len(params) > 0 {
		buf.WriteString("\n[sweep.params]\n")
		for _, k := range s.Sweep.order {
			var v bytes.Buffer
			if err := toml.NewEncoder(&v).Encode(map[string]any{"v": params[k]}); err != nil {
				panic("scenarios: encoding a sweep list: " + err.Error())
			}
			fmt.Fprintf(&buf, "%q = %s", k, strings.TrimPrefix(v.String(), "v = "))
		}
	}
	return buf.Bytes()
}
