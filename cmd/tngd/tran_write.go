package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/tngd/tngd/netlist"
)

// csvBlockRows is the number of rows formatted as one job: large enough
// that a job costs far more than its hand-offs (about 170 kB of text at 64
// nodes), small enough that the first bytes leave early and that memory
// stays bounded (csvBlocksPerWorker jobs in flight per worker).
const (
	csvBlockRows       = 128
	csvBlocksPerWorker = 4
)

// csvWriter writes the rows of a run as CSV text, or in another encoding
// (newBlockWriter: the binary raw file). The rows are gathered
// into blocks; each block is formatted by one of workers goroutines and
// the blocks are written to w in row order by one writer goroutine, so the
// text is the same whatever the number of workers, and formatting runs
// beside the simulation on the other cores. Numbers are written by
// [appendG] with digits significant digits ('g' format, as
// strconv.FormatFloat(x, 'g', digits, 64)).
type csvWriter struct {
	cols, digits int
	// appendRows encodes the rows of a block (CSV text: format).
	appendRows func(dst []byte, b *csvBlock) []byte
	// rows counts the rows added; want, if positive, is the number close
	// expects.
	rows, want  int
	cur         *csvBlock
	work, order chan *csvBlock
	free        chan *csvBlock
	done        chan error
	failed      chan struct{} // closed when the writer meets an error
	wg          sync.WaitGroup
}

type csvBlock struct {
	n     int
	t     []float64 // csvBlockRows times
	v     []float64 // csvBlockRows × cols values
	out   []byte
	ready chan struct{}
}

// newCSVWriter starts the goroutines of a csvWriter of rows of cols values
// (after the time) onto w, which first receives header. workers ≤ 0 means
// GOMAXPROCS. Call close to finish.
func newCSVWriter(w io.Writer, header []byte, cols, digits, workers int) *csvWriter {
	return newBlockWriter(w, header, cols, digits, workers, nil, 0)
}

// newBlockWriter is newCSVWriter with the rows encoded by appendRows (nil:
// CSV text) and, if want > 0, close checking that want rows came.
func newBlockWriter(w io.Writer, header []byte, cols, digits, workers int, appendRows func([]byte, *csvBlock) []byte, want int) *csvWriter {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	nb := csvBlocksPerWorker*workers + 1
	c := &csvWriter{
		cols: cols, digits: digits, appendRows: appendRows, want: want,
		work:   make(chan *csvBlock, nb),
		order:  make(chan *csvBlock, nb),
		free:   make(chan *csvBlock, nb),
		done:   make(chan error, 1),
		failed: make(chan struct{}),
	}
	if c.appendRows == nil {
		c.appendRows = c.format
	}
	for range nb {
		c.free <- &csvBlock{
			t:     make([]float64, csvBlockRows),
			v:     make([]float64, csvBlockRows*cols),
			out:   make([]byte, 0, csvBlockRows*(cols+1)*max(digits+8, 8)),
			ready: make(chan struct{}, 1),
		}
	}
	for range workers {
		c.wg.Go(func() {
			for b := range c.work {
				b.out = c.appendRows(b.out[:0], b)
				b.ready <- struct{}{}
			}
		})
	}
	go func() {
		_, err := w.Write(header)
		for b := range c.order {
			<-b.ready
			if err == nil {
				if _, err = w.Write(b.out); err != nil {
					close(c.failed)
				}
			}
			c.free <- b
		}
		c.done <- err
	}()
	c.cur = <-c.free
	return c
}

// format appends the rows of b to dst.
func (c *csvWriter) format(dst []byte, b *csvBlock) []byte {
	for i := range b.n {
		dst = appendG(dst, b.t[i], c.digits)
		for _, x := range b.v[i*c.cols : (i+1)*c.cols] {
			dst = append(dst, ',')
			dst = appendG(dst, x, c.digits)
		}
		dst = append(dst, '\n')
	}
	return dst
}

// row adds a row (v is copied). It returns an error once writing has
// failed (close reports it).
func (c *csvWriter) row(t float64, v []float64) error {
	b := c.cur
	b.t[b.n] = t
	copy(b.v[b.n*c.cols:(b.n+1)*c.cols], v)
	b.n++
	c.rows++
	if b.n < csvBlockRows {
		return nil
	}
	c.submit()
	select {
	case <-c.failed:
		return errWriteFailed
	case c.cur = <-c.free:
		c.cur.n = 0
		return nil
	}
}

var errWriteFailed = errors.New("write failed")

func (c *csvWriter) submit() {
	c.order <- c.cur
	c.work <- c.cur
	c.cur = nil
}

// close writes the last rows, stops the goroutines and returns the first
// write error.
func (c *csvWriter) close() error {
	if c.cur != nil && c.cur.n > 0 {
		c.submit()
	}
	close(c.work)
	close(c.order)
	c.wg.Wait()
	if err := <-c.done; err != nil {
		return err
	}
	if c.want > 0 && c.rows != c.want {
		return fmt.Errorf("%d points written, the header says %d", c.rows, c.want)
	}
	return nil
}

// output is the destination of a command's data file: stdout for "-",
// else the file, written under a temporary name beside it and renamed
// into place by commit, so that readers never see a partial file and a
// failed run leaves no file. A previous file is moved aside when the output
// is opened (at the first point of a run, as the file used to be
// truncated then) and deleted by a goroutine: on ext4 mounted with discard,
// freeing a file's blocks costs about as much as writing them, and this
// way it overlaps the run instead of following it. Non-regular files
// (devices, pipes) are written in place.
type output struct {
	io.Writer
	f          *os.File
	path, temp string
	freed      chan struct{} // closed when the previous file is deleted; nil if none
}

func createOutput(path string, stdout io.Writer) (*output, error) {
	if path == "-" {
		return &output{Writer: stdout}, nil
	}
	fi, err := os.Stat(path)
	if err == nil && !fi.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return nil, err
		}
		return &output{Writer: f, f: f}, nil
	}
	hidden := func(suffix string) string {
		return filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.%d.%s", filepath.Base(path), os.Getpid(), suffix))
	}
	temp := hidden("tmp")
	f, err := os.OpenFile(temp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return nil, err
	}
	o := &output{Writer: f, f: f, path: path, temp: temp}
	if fi != nil {
		if old := hidden("old"); os.Rename(path, old) == nil {
			o.freed = make(chan struct{})
			go func() {
				os.Remove(old)
				close(o.freed)
			}()
		}
	}
	return o, nil
}

// commit closes the file and moves it into place.
func (o *output) commit() error {
	if o.f == nil {
		return nil
	}
	err := o.f.Close()
	o.f = nil
	if o.temp == "" {
		return err
	}
	if err == nil {
		err = os.Rename(o.temp, o.path)
	}
	if err != nil {
		os.Remove(o.temp)
	}
	o.waitFreed()
	return err
}

// abort closes and removes the temporary file (a no-op after commit).
func (o *output) abort() {
	if o.f == nil {
		return
	}
	o.f.Close()
	o.f = nil
	if o.temp != "" {
		os.Remove(o.temp)
	}
	o.waitFreed()
}

func (o *output) waitFreed() {
	if o.freed != nil {
		<-o.freed
	}
}

// waveWriter receives the points of a run and writes them in some format.
type waveWriter interface {
	// row adds the point at time t; v is not retained.
	row(t float64, v []float64) error
	// close writes what is buffered and returns the first error.
	close() error
}

// newWaveWriter returns the writer of opt.format onto w for the run of n
// with the nodes nodes, having written its header.
func newWaveWriter(w io.Writer, n *netlist.Netlist, nodes []string, opt tranOptions) (waveWriter, error) {
	if opt.format == "raw" {
		// The binary points are encoded by one worker and written by the
		// writer goroutine, beside the simulation, as the CSV is.
		header := netlist.AppendRawHeader(nil, n.Title, nodes, n.Tran.Points())
		return newBlockWriter(w, header, len(nodes), 0, 1, appendRawRows, n.Tran.Points()), nil
	}
	header := []byte("time")
	for _, nd := range nodes {
		header = append(header, ",v("+nd+")"...)
	}
	header = append(header, '\n')
	return newCSVWriter(w, header, len(nodes), opt.digits, opt.workers), nil
}

// appendRawRows appends the rows of b as the points of a binary SPICE raw
// file ([netlist.AppendRawPoint]).
func appendRawRows(dst []byte, b *csvBlock) []byte {
	cols := len(b.v) / len(b.t)
	for i := range b.n {
		dst = netlist.AppendRawPoint(dst, b.t[i], b.v[i*cols:(i+1)*cols])
	}
	return dst
}
