package scenarios

import (
	"fmt"
	"strings"
)

// Sweep lists the parameters a scenario varies. Each entry of Params maps a
// dotted key of the scenario (as accepted by --set, for example
// "hardware.arrays.bits" or "optimizer.tngd.window.time") to the list of values
// it takes. Seeds, listed in [Run.Seeds], are always one more dimension.
type Sweep struct {
	// Mode combines the parameter lists: "product" (the default when empty)
	// runs every combination, the first key varying slowest; "zip" requires
	// lists of equal length and runs their i-th values together.
	Mode string `toml:"mode"`
	// Params maps dotted keys to their values, in file order.
	Params map[string][]any `toml:"params"`

	// order is the keys of Params in the order they appear in the file.
	order []string
}

// MaxPoints bounds the number of points of a sweep.
const MaxPoints = 100000

// Assignment is one swept key set to one value.
type Assignment struct {
	Key   string
	Value any
}

// Point is one combination of swept values.
type Point []Assignment

// String formats p as "key=value key=value", or "base" when p is empty.
func (p Point) String() string {
	if len(p) == 0 {
		return "base"
	}
	parts := make([]string, len(p))
	for i, a := range p {
		parts[i] = fmt.Sprintf("%s=%v", a.Key, a.Value)
	}
	return strings.Join(parts, " ")
}

// Number returns the value of key in p as a float64, and whether p assigns
// key a number.
func (p Point) Number(key string) (float64, bool) {
	for _, a := range p {
		if a.Key != key {
			continue
		}
		switch v := a.Value.(type) {
		case int64:
			return float64(v), true
		case float64:
			return v, true
		}
		return 0, false
	}
	return 0, false
}

// Keys returns the swept keys in order.
func (s *Sweep) Keys() []string { return s.order }

// Points expands the sweep into its points; an empty sweep has the single
// empty point. It returns an error for an unknown mode or, with "zip", lists
// of unequal length.
func (s *Sweep) Points() ([]Point, error) {
	keys := s.order
	switch s.Mode {
	case "", "product":
		total := 1
		for _, k := range keys {
			if len(s.Params[k]) == 0 {
				return nil, fmt.Errorf("sweep.params: %q has no values", k)
			}
			total *= len(s.Params[k])
			if total > MaxPoints {
				return nil, fmt.Errorf("sweep.params: the product has more than %d points; split the study or use mode \"zip\"", MaxPoints)
			}
		}
		points := []Point{{}}
		for _, k := range keys {
			vals := s.Params[k]
			next := make([]Point, 0, len(points)*len(vals))
			for _, p := range points {
				for _, v := range vals {
					q := append(append(Point{}, p...), Assignment{k, v})
					next = append(next, q)
				}
			}
			points = next
		}
		return points, nil
	case "zip":
		if len(keys) == 0 {
			return []Point{{}}, nil
		}
		n := len(s.Params[keys[0]])
		for _, k := range keys {
			if len(s.Params[k]) != n {
				return nil, fmt.Errorf("sweep.params: with mode \"zip\" every list needs the same length; %q has %d values, %q has %d", keys[0], n, k, len(s.Params[k]))
			}
		}
		points := make([]Point, n)
		for i := range n {
			for _, k := range keys {
				points[i] = append(points[i], Assignment{k, s.Params[k][i]})
			}
		}
		return points, nil
	}
	return nil, fmt.Errorf("sweep.mode: want \"product\" or \"zip\", got %q", s.Mode)
}
