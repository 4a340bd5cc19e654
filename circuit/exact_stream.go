package circuit

import (
	"encoding/binary"
	"math/rand/v2"
	"sync/atomic"
)

// streamChunk is the number of normal variates a [NormalStream] draws and
// hands over at a time (64 KiB): large enough that a hand-off costs far
// less than its draws (≈ 35–45 µs at the 4–5.5 ns/draw of
// go test -run '^$' -bench 'Normal$' ./circuit), small enough that the
// first chunk is ready early.
const streamChunk = 8192

// streamAhead is the most chunks a [NormalStream] keeps drawn and unused
// (2 MiB, 262,144 variates, about 1.1–1.5 ms of draws at that rate):
// enough to cover the parsing and assembly of a deck, while the chunks,
// recycled, stay few (every fresh page costs a fault).
const streamAhead = 32

// NormalStream draws the standard normal variates of a *rand.PCG ahead of
// their use, on a goroutine of its own, so that a stepper given it
// ([Exact.DrawFrom]) spends a copy on its noise instead of the draws. The
// variates are exactly those of rand.New(src).NormFloat64(), in order, so
// results do not depend on whether a stream is used, nor on the
// scheduling of its goroutine.
//
// The stream draws at most limit variates ahead of time (and then draws in
// the caller's goroutine), holding at most 262,144 of them drawn and
// unused. It owns src from [NewNormalStream] until [NormalStream.Close],
// which leaves src in the state that follows the variates handed out. A
// NormalStream is not safe for concurrent use; its methods panic after
// Close.
type NormalStream struct {
	src   *rand.PCG
	full  chan *normalChunk // drawn chunks, in stream order
	free  chan *normalChunk // used chunks, for reuse
	quit  chan struct{}
	done  chan struct{}
	cur   *normalChunk
	pos   int
	start pcgNormal // state before the first variate
	end   pcgNormal // state after the drawn chunks, set when full is closed
	tail  *pcgNormal
	limit atomic.Int64 // variates to draw ahead, in all
	// closed after Close
	closed bool
}

type normalChunk struct {
	start pcgNormal // state before z[0]
	z     []float64
}

// NewNormalStream starts drawing the normal variates of src on a new
// goroutine, at most limit of them (limit ≥ 0). Call Close when done, to
// stop the goroutine and hand src back. It panics if src is nil or
// limit < 0.
func NewNormalStream(src *rand.PCG, limit int) *NormalStream {
	if src == nil || limit < 0 {
		panic("circuit: NewNormalStream: nil source or negative limit")
	}
	s := &NormalStream{
		src:   src,
		full:  make(chan *normalChunk, streamAhead),
		free:  make(chan *normalChunk, streamAhead+2),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
		start: pcgState(src),
	}
	s.limit.Store(int64(limit))
	go s.draw(s.start)
	return s
}

// Limit lowers the number of variates drawn ahead to n in all (counted
// from the stream's start), for a caller that starts the stream before it
// knows how many it needs; a larger n than the current limit is ignored.
// Variates past the limit are drawn in the caller's goroutine, as usual.
func (s *NormalStream) Limit(n int) {
	for {
		cur := s.limit.Load()
		if int64(n) >= cur || s.limit.CompareAndSwap(cur, int64(max(n, 0))) {
			return
		}
	}
}

// draw is the goroutine: chunks of variates from state g, up to the limit.
func (s *NormalStream) draw(g pcgNormal) {
	defer close(s.done)
	var drawn int64
	for {
		select {
		case <-s.quit:
			return
		default:
		}
		left := s.limit.Load() - drawn
		if left <= 0 {
			break
		}
		var c *normalChunk
		select {
		case c = <-s.free:
		default:
			c = &normalChunk{z: make([]float64, streamChunk)}
		}
		n := int(min(streamChunk, left))
		c.start, c.z = g, c.z[:n]
		g.fill(c.z)
		drawn += int64(n)
		select {
		case s.full <- c:
		case <-s.quit:
			return
		}
	}
	s.end = g
	close(s.full)
}

// Fill writes the next len(dst) variates of the stream into dst.
func (s *NormalStream) Fill(dst []float64) {
	if s.closed {
		panic("circuit: NormalStream used after Close")
	}
	for len(dst) > 0 {
		if s.tail != nil {
			s.tail.fill(dst)
			return
		}
		if s.cur == nil || s.pos == len(s.cur.z) {
			s.next()
			continue
		}
		n := copy(dst, s.cur.z[s.pos:])
		s.pos += n
		dst = dst[n:]
	}
}

// next moves to the next chunk, or to drawing in place once the goroutine
// has drawn its limit.
func (s *NormalStream) next() {
	if s.cur != nil {
		s.free <- s.cur
		s.cur = nil
	}
	c, ok := <-s.full
	if !ok {
		g := s.end
		s.tail = &g
		return
	}
	s.cur, s.pos = c, 0
}

// Close stops the goroutine, waits for it, and leaves the source in the
// state that follows the variates handed out by Fill. Close is idempotent.
func (s *NormalStream) Close() {
	if s.closed {
		return
	}
	s.closed = true
	close(s.quit)
	<-s.done
	var g pcgNormal
	switch {
	case s.tail != nil:
		g = *s.tail
	case s.cur != nil:
		// Replay the chunk's used part from its start state (the same
		// values, into the chunk itself).
		g = s.cur.start
		g.fill(s.cur.z[:s.pos])
	default:
		g = s.start
	}
	setPCGState(s.src, g)
}

// pcgState reads the state of p (AppendBinary: "pcg:" then the high and
// low state words, big-endian).
func pcgState(p *rand.PCG) pcgNormal {
	var buf [20]byte
	enc, err := p.AppendBinary(buf[:0])
	if err != nil || len(enc) != 20 {
		panic("circuit: unexpected rand.PCG encoding")
	}
	return pcgNormal{hi: binary.BigEndian.Uint64(enc[4:]), lo: binary.BigEndian.Uint64(enc[12:])}
}

// setPCGState sets the state of p to g.
func setPCGState(p *rand.PCG, g pcgNormal) {
	var buf [20]byte
	enc, err := p.AppendBinary(buf[:0])
	if err != nil || len(enc) != 20 {
		panic("circuit: unexpected rand.PCG encoding")
	}
	binary.BigEndian.PutUint64(enc[4:], g.hi)
	binary.BigEndian.PutUint64(enc[12:], g.lo)
	if err := p.UnmarshalBinary(enc); err != nil {
		panic("circuit: unexpected rand.PCG encoding")
	}
}
