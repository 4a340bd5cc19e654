package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// The run files and summary.json hold floats that may be NaN or infinite
// (a metric that does not apply, a diverged loss), which encoding/json
// refuses. This file encodes and decodes values by reflection over their
// json tags, writing a non-finite float as the string "NaN", "+Inf" or
// "-Inf" (run files, which must round-trip exactly) or as null
// (summary.json, for readers that know only standard JSON). Struct fields
// keep their declaration order; a field tagged "-" is skipped, an
// untagged embedded struct is flattened, and omitempty is honoured for
// strings.

// nonFinite selects how a NaN or infinite float is written.
type nonFinite int

const (
	nonFiniteString nonFinite = iota // "NaN", "+Inf", "-Inf"
	nonFiniteNull                    // null
)

// object is a JSON object whose keys keep their order.
type object []member

type member struct {
	key   string
	value any
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// floatJSON encodes a float exactly (shortest round-trip form).
func floatJSON(f float64, nf nonFinite) any {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		if nf == nonFiniteNull {
			return nil
		}
		return strconv.FormatFloat(f, 'g', -1, 64) // NaN, +Inf, -Inf
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// toJSON converts v into values that encoding/json writes as wanted.
func toJSON(v reflect.Value, nf nonFinite) any {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		return floatJSON(v.Float(), nf)
	case reflect.Struct:
		var o object
		appendFields(&o, v, nf)
		return o
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return []any{}
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = toJSON(v.Index(i), nf)
		}
		return out
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return toJSON(v.Elem(), nf)
	}
	return v.Interface()
}

func appendFields(o *object, v reflect.Value, nf nonFinite) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			appendFields(o, v.Field(i), nf)
			continue
		}
		if name == "" {
			name = f.Name
		}
		fv := v.Field(i)
		if strings.Contains(opts, "omitempty") && fv.IsZero() {
			continue
		}
		*o = append(*o, member{name, toJSON(fv, nf)})
	}
}

// toJSONValue is toJSON on any value; nil gives nil.
func toJSONValue(v any, nf nonFinite) any {
	if v == nil {
		return nil
	}
	return toJSON(reflect.ValueOf(v), nf)
}

// marshalJSON encodes v (indented) with non-finite floats as nf says.
func marshalJSON(v any, nf nonFinite) ([]byte, error) {
	return marshalJSONValue(toJSONValue(v, nf))
}

// marshalJSONValue encodes a value converted by toJSON, indented, with a
// final newline.
func marshalJSONValue(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// unmarshalJSON decodes data into the struct pointed to by dst, reading
// non-finite floats from their strings (or null, as NaN). Unknown keys are
// ignored and missing ones keep dst's value, so that files written before a
// field was added still load.
func unmarshalJSON(data []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var src any
	if err := dec.Decode(&src); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return fromJSON(reflect.ValueOf(dst).Elem(), src, "")
}

func fromJSON(dst reflect.Value, src any, path string) error {
	bad := func() error {
		return fmt.Errorf("%s: cannot read %T %v as %s", strings.TrimPrefix(path, "."), src, src, dst.Type())
	}
	switch dst.Kind() {
	case reflect.Float32, reflect.Float64:
		switch x := src.(type) {
		case nil:
			dst.SetFloat(math.NaN())
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil {
				return bad()
			}
			dst.SetFloat(f)
		case string:
			f, err := strconv.ParseFloat(x, 64)
			if err != nil || !(math.IsNaN(f) || math.IsInf(f, 0)) {
				return bad()
			}
			dst.SetFloat(f)
		default:
			return bad()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := src.(json.Number)
		if !ok {
			return bad()
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || dst.OverflowInt(i) {
			return bad()
		}
		dst.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := src.(json.Number)
		if !ok {
			return bad()
		}
		u, err := strconv.ParseUint(string(n), 10, 64)
		if err != nil || dst.OverflowUint(u) {
			return bad()
		}
		dst.SetUint(u)
	case reflect.String:
		s, ok := src.(string)
		if !ok {
			return bad()
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := src.(bool)
		if !ok {
			return bad()
		}
		dst.SetBool(b)
	case reflect.Slice:
		arr, ok := src.([]any)
		if !ok {
			return bad()
		}
		s := reflect.MakeSlice(dst.Type(), len(arr), len(arr))
		for i, e := range arr {
			if err := fromJSON(s.Index(i), e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		dst.Set(s)
	case reflect.Interface:
		dst.Set(reflect.ValueOf(plainJSON(src)))
	case reflect.Struct:
		m, ok := src.(map[string]any)
		if !ok {
			return bad()
		}
		return structFromJSON(dst, m, path)
	default:
		return bad()
	}
	return nil
}

func structFromJSON(dst reflect.Value, m map[string]any, path string) error {
	t := dst.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			if err := structFromJSON(dst.Field(i), m, path); err != nil {
				return err
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		v, ok := m[name]
		if !ok {
			continue
		}
		if err := fromJSON(dst.Field(i), v, path+"."+name); err != nil {
			return err
		}
	}
	return nil
}

// plainJSON turns json.Number into int64 (when integral) or float64, as
// TOML would have decoded the value.
func plainJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = plainJSON(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plainJSON(e)
		}
		return out
	}
	return v
}
