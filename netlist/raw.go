package netlist

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The SPICE3 raw file, binary variant: the format ngspice writes with
// "set filetype=binary" and "write FILE" (ngspice manual, "Raw file
// format"; also read by LTspice's and Xyce's tools, waveform viewers such as
// gaw and gwave, and Python readers such as spicelib's RawRead). A text
// header of "Key: value" lines,
//
//	Title: …
//	Plotname: Transient Analysis
//	Flags: real
//	No. Variables: 3
//	No. Points: 101
//	Variables:
//		0	time	time
//		1	v(in)	voltage
//		2	v(out)	voltage
//	Binary:
//
// is followed by the points, each as No. Variables float64 values (the
// time first) in little-endian byte order, point after point.

// RawWriter writes a transient analysis as a binary SPICE raw file. Create
// with [NewRawWriter], add every point with Point and finish with Flush.
type RawWriter struct {
	w      *bufio.Writer
	vars   int
	points int // promised in the header
	n      int // written
	buf    []byte
}

// NewRawWriter writes to w the header of a binary raw file of a transient
// analysis titled title with points points of the node voltages named
// nodes (each written as the variable v(NODE), of type voltage, after the
// time). It returns the error of writing the header. It panics if points
// is negative or title contains a line break.
func NewRawWriter(w io.Writer, title string, nodes []string, points int) (*RawWriter, error) {
	if points < 0 || strings.ContainsAny(title, "\r\n") {
		panic("netlist: NewRawWriter: negative points or multi-line title")
	}
	r := &RawWriter{w: bufio.NewWriterSize(w, 1<<20), vars: len(nodes) + 1, points: points}
	_, err := r.w.Write(AppendRawHeader(nil, title, nodes, points))
	return r, err
}

// AppendRawHeader appends to dst the header that [NewRawWriter] writes, for
// writers that encode the points themselves ([AppendRawPoint]). It panics
// as NewRawWriter does.
func AppendRawHeader(dst []byte, title string, nodes []string, points int) []byte {
	if points < 0 || strings.ContainsAny(title, "\r\n") {
		panic("netlist: AppendRawHeader: negative points or multi-line title")
	}
	h := bytes.NewBuffer(dst)
	fmt.Fprintf(h, "Title: %s\nPlotname: Transient Analysis\nFlags: real\nNo. Variables: %d\nNo. Points: %d\nVariables:\n\t0\ttime\ttime\n",
		title, len(nodes)+1, points)
	for i, nd := range nodes {
		fmt.Fprintf(h, "\t%d\tv(%s)\tvoltage\n", i+1, nd)
	}
	h.WriteString("Binary:\n")
	return h.Bytes()
}

// AppendRawPoint appends to dst the point at time t (seconds) with the node
// voltages v (volts) as [RawWriter.Point] writes it: 1+len(v) float64
// values, little-endian.
func AppendRawPoint(dst []byte, t float64, v []float64) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 8*(1+len(v)))[:n+8*(1+len(v))]
	out := dst[n:]
	binary.LittleEndian.PutUint64(out, math.Float64bits(t))
	out = out[8:]
	for i, x := range v {
		binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(x))
	}
	return dst
}

// Point writes the point at time t (seconds) with the node voltages v
// (volts, in the order of the header). It panics if v has the wrong
// length or if more points are written than the header promised.
func (r *RawWriter) Point(t float64, v []float64) error {
	if len(v) != r.vars-1 || r.n == r.points {
		panic(fmt.Sprintf("netlist: RawWriter.Point: %d values (want %d), point %d of %d", len(v), r.vars-1, r.n+1, r.points))
	}
	r.n++
	b := AppendRawPoint(r.buf[:0], t, v)
	r.buf = b
	_, err := r.w.Write(b)
	return err
}

// Flush writes out the buffered data. It returns an error if fewer points
// were written than the header promised, or the write error.
func (r *RawWriter) Flush() error {
	if err := r.w.Flush(); err != nil {
		return err
	}
	if r.n != r.points {
		return fmt.Errorf("netlist: raw file: %d points written, header says %d", r.n, r.points)
	}
	return nil
}

// Raw is a plot read from a raw file by [ReadRaw].
type Raw struct {
	Title, Plotname string
	// Names and Types of the variables (e.g. "time"/"time",
	// "v(out)"/"voltage"), in file order.
	Names, Types []string
	// Data[j][i] is variable j at point i.
	Data [][]float64
}

// ErrRaw is wrapped by the errors of [ReadRaw].
var ErrRaw = errors.New("netlist: malformed raw file")

// ReadRaw reads the first plot of a SPICE3 raw file with real data, binary
// (little-endian float64) or ASCII ("Values:"). It returns an error
// wrapping ErrRaw for a malformed or complex file, or the read error.
func ReadRaw(rd io.Reader) (*Raw, error) {
	br := bufio.NewReader(rd)
	raw := &Raw{}
	nvars, npoints := -1, -1
	inVars := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			if err == io.EOF {
				err = fmt.Errorf("%w: no Binary: or Values: line", ErrRaw)
			}
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		key, val, _ := strings.Cut(line, ":")
		val = strings.TrimSpace(val)
		if inVars && (strings.HasPrefix(line, "\t") || strings.HasPrefix(line, " ")) {
			f := strings.Fields(line)
			if len(f) < 3 {
				return nil, fmt.Errorf("%w: variable line %q", ErrRaw, line)
			}
			raw.Names = append(raw.Names, f[1])
			raw.Types = append(raw.Types, f[2])
			continue
		}
		inVars = false
		switch strings.ToLower(key) {
		case "title":
			raw.Title = val
		case "plotname":
			raw.Plotname = val
		case "flags":
			if strings.Contains(strings.ToLower(val), "complex") {
				return nil, fmt.Errorf("%w: complex data is not supported", ErrRaw)
			}
		case "no. variables":
			if nvars, err = strconv.Atoi(val); err != nil || nvars < 1 {
				return nil, fmt.Errorf("%w: No. Variables: %q", ErrRaw, val)
			}
		case "no. points":
			if npoints, err = strconv.Atoi(val); err != nil || npoints < 0 {
				return nil, fmt.Errorf("%w: No. Points: %q", ErrRaw, val)
			}
		case "variables":
			inVars = true
		case "binary", "values":
			if nvars < 0 || npoints < 0 || len(raw.Names) != nvars {
				return nil, fmt.Errorf("%w: %d variables listed, header says %d (points %d)", ErrRaw, len(raw.Names), nvars, npoints)
			}
			raw.Data = make([][]float64, nvars)
			for j := range raw.Data {
				raw.Data[j] = make([]float64, npoints)
			}
			if strings.EqualFold(key, "binary") {
				return raw, readRawBinary(br, raw.Data, npoints)
			}
			return raw, readRawValues(br, raw.Data, npoints)
		}
	}
}

func readRawBinary(br *bufio.Reader, data [][]float64, npoints int) error {
	buf := make([]byte, 8*len(data))
	for i := range npoints {
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("%w: point %d: %v", ErrRaw, i, err)
		}
		for j := range data {
			data[j][i] = math.Float64frombits(binary.LittleEndian.Uint64(buf[8*j:]))
		}
	}
	return nil
}

// readRawValues reads ASCII values: each point is its index followed by
// the values, separated by white space.
func readRawValues(br *bufio.Reader, data [][]float64, npoints int) error {
	var words []string
	for len(words) < npoints*(len(data)+1) {
		line, err := br.ReadString('\n')
		words = append(words, strings.Fields(line)...)
		if err != nil {
			break
		}
	}
	if len(words) < npoints*(len(data)+1) {
		return fmt.Errorf("%w: %d values for %d points of %d variables", ErrRaw, len(words), npoints, len(data))
	}
	k := 0
	for i := range npoints {
		k++ // the point index
		for j := range data {
			v, err := strconv.ParseFloat(strings.TrimSuffix(words[k], ","), 64)
			if err != nil {
				return fmt.Errorf("%w: point %d: %v", ErrRaw, i, err)
			}
			data[j][i] = v
			k++
		}
	}
	return nil
}
