package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// A tree is a decoded TOML document: tables are map[string]any, arrays of
// tables []map[string]any, other values int64, float64, string, bool or []any.
// Overrides (--set) and sweep points are applied to the tree before it is
// decoded strictly into a [Scenario], so that both are checked exactly like
// the file itself.
type tree = map[string]any

// parseValue reads a TOML value as written on a command line or in a sweep
// list: 3, 1e-3, true, "text", [1, 2]. A bare word that is not valid TOML is
// taken as a string, so --set optimizer.0.kind=adam works unquoted.
func parseValue(s string) any {
	var doc struct{ V any }
	if _, err := toml.Decode("V = "+s, &doc); err == nil {
		return doc.V
	}
	return s
}

// setPath assigns v at the dotted path in t, creating tables on the way.
// A path element that addresses the array of [[optimizer]] tables may be an
// index ("optimizer.0.lr") or the name of one element ("optimizer.tngd.lr",
// matched against its name, or its kind when it has no name).
func setPath(t tree, path string, v any) error {
	keys := strings.Split(path, ".")
	cur := t
	for i, k := range keys {
		if k == "" {
			return fmt.Errorf("key %q: empty element", path)
		}
		if i == len(keys)-1 {
			cur[k] = v
			return nil
		}
		switch next := cur[k].(type) {
		case nil:
			m := tree{}
			cur[k] = m
			cur = m
		case map[string]any:
			cur = next
		case []map[string]any:
			if i+1 >= len(keys)-1 {
				return fmt.Errorf("key %q: %q is an array of tables; address one element, as %s.0.KEY", path, k, strings.Join(keys[:i+1], "."))
			}
			el, err := element(next, keys[i+1])
			if err != nil {
				return fmt.Errorf("key %q: %w", path, err)
			}
			return setPath(el, strings.Join(keys[i+2:], "."), v)
		default:
			return fmt.Errorf("key %q: %q is a value, not a table", path, strings.Join(keys[:i+1], "."))
		}
	}
	return nil
}

// element finds one table of an array by index or by name (or kind).
func element(arr []map[string]any, sel string) (tree, error) {
	if n, err := strconv.Atoi(sel); err == nil {
		if n < 0 || n >= len(arr) {
			return nil, fmt.Errorf("index %d out of range (%d elements)", n, len(arr))
		}
		return arr[n], nil
	}
	var found tree
	for _, m := range arr {
		name, _ := m["name"].(string)
		if name == "" {
			name, _ = m["kind"].(string)
		}
		if name == sel {
			if found != nil {
				return nil, fmt.Errorf("%q names more than one element", sel)
			}
			found = m
		}
	}
	if found == nil {
		return nil, fmt.Errorf("no element named %q", sel)
	}
	return found, nil
}

// cloneTree deep-copies t so that a sweep point can be applied to a copy.
func cloneTree(t tree) tree {
	out := make(tree, len(t))
	for k, v := range t {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneTree(x)
	case []map[string]any:
		c := make([]map[string]any, len(x))
		for i := range x {
			c[i] = cloneTree(x[i])
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i := range x {
			c[i] = cloneValue(x[i])
		}
		return c
	}
	return v
}
