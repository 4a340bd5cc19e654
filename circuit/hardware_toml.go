package circuit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/BurntSushi/toml"
)

// DecodeHardware reads a hardware description in TOML from r, strictly: a
// syntax or type error, a key that names no field, and an invalid value
// (see [Hardware.Validate]) are all errors. name labels the input in error
// messages (usually the file name), which read "name:LINE:COL: what" where
// a position is known. The keys are the toml tags of [Hardware], e.g.
//
//	r = 1e3
//	[arrays]
//	bits = 8
//	programming_error = 0.01
//	[noise]
//	temperature = 300
//
// Scenario files that nest the description in a table of a larger document
// use [DecodeHardwareTable].
func DecodeHardware(r io.Reader, name string) (Hardware, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return Hardware{}, fmt.Errorf("circuit: reading %s: %w", name, err)
	}
	var hw Hardware
	md, err := toml.NewDecoder(bytes.NewReader(src)).Decode(&hw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Hardware{}, fmt.Errorf("%s:%d:%d: %s", name, pe.Position.Line, pe.Position.Col, pe.Message)
		}
		return Hardware{}, fmt.Errorf("%s: %w", name, err)
	}
	if err := undecodedError(md, src, name); err != nil {
		return Hardware{}, err
	}
	if err := hw.Validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			if line := keyLine(src, strings.Split(fe.Field, ".")); line > 0 {
				return Hardware{}, fmt.Errorf("%s:%d: %w", name, line, err)
			}
		}
		return Hardware{}, fmt.Errorf("%s: %w", name, err)
	}
	return hw, nil
}

// DecodeHardwareTable decodes a hardware description held in a table of a
// larger TOML document that the caller has parsed with md (a scenario
// file), strictly in the same way as [DecodeHardware] except that undecoded
// keys must be checked by the caller, who owns the whole document.
func DecodeHardwareTable(md *toml.MetaData, prim toml.Primitive) (Hardware, error) {
	var hw Hardware
	if err := md.PrimitiveDecode(prim, &hw); err != nil {
		return Hardware{}, fmt.Errorf("circuit: hardware: %w", err)
	}
	if err := hw.Validate(); err != nil {
		return Hardware{}, err
	}
	return hw, nil
}

// undecodedError reports the first key of md that names no field.
func undecodedError(md toml.MetaData, src []byte, name string) error {
	und := md.Undecoded()
	if len(und) == 0 {
		return nil
	}
	k := und[0]
	where := name
	if line := keyLine(src, k); line > 0 {
		where = fmt.Sprintf("%s:%d", name, line)
	}
	return fmt.Errorf("%s: unknown key %q in hardware description", where, k.String())
}

// keyLine returns the 1-based line on which the dotted key path is set in
// src, or 0 if it cannot be found. It understands [table] headers and
// "key = value" lines, which is all a hardware file needs.
func keyLine(src []byte, path []string) int {
	if len(path) == 0 {
		return 0
	}
	table := ""
	want := strings.Join(path[:len(path)-1], ".")
	last := path[len(path)-1]
	for i, line := range strings.Split(string(src), "\n") {
		s := strings.TrimSpace(line)
		if strings.HasPrefix(s, "[") {
			table = strings.Trim(strings.TrimSpace(strings.SplitN(s, "#", 2)[0]), "[] ")
			if table == strings.Join(path, ".") {
				return i + 1
			}
			continue
		}
		key, _, ok := strings.Cut(s, "=")
		if !ok {
			continue
		}
		key = strings.Trim(strings.TrimSpace(key), `"`)
		full := key
		if table != "" {
			full = table + "." + key
		}
		if full == want+"."+last || (want == "" && full == last) {
			return i + 1
		}
	}
	return 0
}
