package netlist

import (
	"bufio"
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawSample writes a raw file of random points and returns it with the
// columns (time first).
func rawSample(t *testing.T, nodes []string, points int) ([]byte, [][]float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 6))
	cols := make([][]float64, len(nodes)+1)
	var buf bytes.Buffer
	w, err := NewRawWriter(&buf, "a deck", nodes, points)
	require.NoError(t, err)
	v := make([]float64, len(nodes))
	for i := range points {
		tt := float64(i) * 1e-7
		cols[0] = append(cols[0], tt)
		for j := range v {
			v[j] = r.NormFloat64() * math.Pow(10, float64(r.IntN(20)-10))
			cols[j+1] = append(cols[j+1], v[j])
		}
		require.NoError(t, w.Point(tt, v))
	}
	require.NoError(t, w.Flush())
	return buf.Bytes(), cols
}

func TestRawRoundTrip(t *testing.T) {
	nodes := []string{"in", "Out", "x2"}
	data, cols := rawSample(t, nodes, 50)
	raw, err := ReadRaw(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, "a deck", raw.Title)
	assert.Equal(t, "Transient Analysis", raw.Plotname)
	assert.Equal(t, []string{"time", "v(in)", "v(Out)", "v(x2)"}, raw.Names)
	assert.Equal(t, []string{"time", "voltage", "voltage", "voltage"}, raw.Types)
	assert.Equal(t, cols, raw.Data) // bit for bit
	// Header, then 50 points of 4 float64.
	assert.True(t, bytes.HasSuffix(data[:len(data)-50*4*8], []byte("\tvoltage\nBinary:\n")))

	t.Run("errors", func(t *testing.T) {
		for _, bad := range [][]byte{
			data[:len(data)-3], // truncated point
			[]byte("Title: x\nNo. Variables: 2\nNo. Points: 1\nVariables:\n\t0\ttime\ttime\nBinary:\n"),
			[]byte("Title: x\nFlags: complex\n"),
			[]byte("Title: x\nNo. Points: many\n"),
			[]byte("Title: x\n"),
		} {
			_, err := ReadRaw(bytes.NewReader(bad))
			assert.ErrorIs(t, err, ErrRaw, "%q", bad)
		}
	})
	t.Run("misuse", func(t *testing.T) {
		w, err := NewRawWriter(&bytes.Buffer{}, "x", nodes, 1)
		require.NoError(t, err)
		assert.Panics(t, func() { w.Point(0, []float64{1}) })
		require.NoError(t, w.Point(0, []float64{1, 2, 3}))
		assert.Panics(t, func() { w.Point(1, []float64{1, 2, 3}) })
		w, _ = NewRawWriter(&bytes.Buffer{}, "x", nodes, 2)
		assert.Error(t, w.Flush(), "fewer points than promised")
		assert.Panics(t, func() { NewRawWriter(&bytes.Buffer{}, "two\nlines", nodes, 1) })
	})
}

// runNgspiceControl runs ngspice -b on a deck made of a title and the given
// control commands in dir, and returns its output.
func runNgspiceControl(t *testing.T, dir string, commands ...string) string {
	t.Helper()
	bin := requireNgspice(t)
	deck := "control deck\n.control\n" + strings.Join(commands, "\n") + "\nquit\n.endc\n.end\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "deck.cir"), []byte(deck), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-b", "deck.cir")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "ngspice failed:\n%s", out)
	return string(out)
}

// readWrdata reads a wrdata file written with wr_singlescale and
// wr_vecnames: a header line, then whitespace-separated columns.
func readWrdata(t *testing.T, path string) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	require.True(t, sc.Scan(), "empty waveform file")
	var cols [][]float64
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if cols == nil {
			cols = make([][]float64, len(fs))
		}
		require.Len(t, fs, len(cols))
		for j, s := range fs {
			v, err := strconv.ParseFloat(s, 64)
			require.NoError(t, err)
			cols[j] = append(cols[j], v)
		}
	}
	require.NoError(t, sc.Err())
	return cols
}

// TestRawNgspice cross-checks the format with ngspice both ways: ngspice
// loads a file of RawWriter and prints back the same values (17 digits
// identify a float64), and ReadRaw reads a binary raw file that ngspice
// writes.
func TestRawNgspice(t *testing.T) {
	dir := t.TempDir()
	data, cols := rawSample(t, []string{"a", "b"}, 20)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ours.raw"), data, 0o644))
	runNgspiceControl(t, dir, "load ours.raw", "set wr_singlescale", "set wr_vecnames", "set numdgt=17",
		"wrdata back.txt v(a) v(b)")
	assert.Equal(t, cols, readWrdata(t, filepath.Join(dir, "back.txt")))

	// ngspice writes a raw file of an RC transient and its text.
	runNgspiceControl(t, dir,
		"set filetype=binary", "set wr_singlescale", "set wr_vecnames", "set numdgt=17",
		"circbyline rc", "circbyline V1 in 0 DC 1", "circbyline R1 in out 1k", "circbyline C1 out 0 1n",
		"circbyline .tran 0.1u 5u", "circbyline .end",
		"run", "write theirs.raw v(in) v(out)", "wrdata theirs.txt v(in) v(out)")
	theirs, err := os.ReadFile(filepath.Join(dir, "theirs.raw"))
	require.NoError(t, err)
	require.Contains(t, string(theirs), "\nBinary:\n", "ngspice wrote a binary raw file")
	raw, err := ReadRaw(bytes.NewReader(theirs))
	require.NoError(t, err)
	assert.Equal(t, "Transient Analysis", raw.Plotname)
	require.Len(t, raw.Names, 3)
	assert.Equal(t, "time", raw.Names[0])
	want := readWrdata(t, filepath.Join(dir, "theirs.txt"))
	require.Len(t, want, 3)
	assert.Equal(t, want, raw.Data)
}
