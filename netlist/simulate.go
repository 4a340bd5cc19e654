package netlist

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/tngd/tngd/circuit"
)

// SimulateOptions tune [Simulate]. A nil *SimulateOptions is a misuse when
// the deck has noise (there is no random source); see the fields.
type SimulateOptions struct {
	// Build is passed to [Assemble].
	Build BuildOptions
	// NoNoise drops every noise source: a deterministic run.
	NoNoise bool
	// Source supplies the noise; it is needed (non-nil) unless NoNoise is
	// set or the deck has no noise. It is kept for the run only.
	Source rand.Source
	// Normals, when not nil, is a stream of Source (a *rand.PCG) that the
	// caller started early, for instance before parsing the deck, so that
	// the draws overlap the parsing too; Simulate draws the noise from it
	// (the same numbers) and lowers its limit to what the run can use,
	// but does not close it. Without it, Simulate starts its own stream
	// of a *rand.PCG Source when more than one CPU is available.
	Normals *circuit.NormalStream
}

// Simulate runs the .tran analysis of n with the exact engine: it
// assembles n ([Assemble]), starts from [InitialState] and advances the
// model by its exact transition law ([circuit.Exact]) from output point to
// output point of the .tran grid ([Tran.Points], [Tran.Time]), in blocks of
// 256 steps of TSTEP ([circuit.Exact.NodeStepsTo]); TMAX plays no part,
// since the stepping has no time-step error. At each point it
// calls emit with the time in seconds and the voltage of every node of
// [Netlist.Nodes], in that order, in volts; v is reused between calls (copy
// it to keep it). A capacitor-free node is reported without its white-noise
// component (see [circuit.Model.NodeVoltagesTo]).
//
// It returns ErrInvalid (wrapped) without a .tran card, the errors of
// [Assemble] and [InitialState], a *[circuit.NonFiniteError] (wrapped) if
// the state stops being finite, the first error of emit, and ctx.Err() when
// ctx is cancelled (checked every 256 points). It panics if n is nil, if
// the deck has noise, NoNoise is false and Source is nil, or if Normals
// does not draw from Source.
func Simulate(ctx context.Context, n *Netlist, opt *SimulateOptions, emit func(t float64, v []float64) error) error {
	if opt == nil {
		opt = &SimulateOptions{}
	}
	tr := n.Tran
	if tr == nil {
		return fmt.Errorf("%w: the deck has no .tran card", ErrInvalid)
	}
	nodes := n.Nodes()
	// The normal variates are drawn ahead on another core while the model
	// is assembled and stepped (the same numbers, see
	// circuit.NormalStream), at most one per node and point.
	ns := opt.Normals
	limit := 0
	if !opt.NoNoise && n.noisy(&opt.Build) {
		limit = tr.Points() * len(nodes)
	}
	switch {
	case ns != nil:
		ns.Limit(limit)
	case limit > 0 && runtime.GOMAXPROCS(0) > 1:
		if pcg, ok := opt.Source.(*rand.PCG); ok {
			ns = circuit.NewNormalStream(pcg, limit)
			defer ns.Close()
		}
	}
	m, err := assembleModel(n, &opt.Build)
	if err != nil {
		return err
	}
	x0, err := InitialState(n, m, &opt.Build)
	if err != nil {
		return err
	}
	if opt.NoNoise {
		m = m.WithoutNoise()
	}
	var src rand.Source
	if d := m.Diffusion(); d != nil && !allZero(d.RawSymmetric().Data) {
		if opt.Source == nil {
			panic("netlist: Simulate: a noisy deck needs SimulateOptions.Source (or NoNoise)")
		}
		src = opt.Source
	}
	cols := make([]int, len(nodes))
	for i, nd := range nodes {
		cols[i] = m.NodeIndex(nd)
		if cols[i] < 0 {
			return fmt.Errorf("%w: node %s is missing from the assembled model", ErrInvalid, nd)
		}
	}
	s := circuit.NewExact(m, src)
	if src != nil && ns != nil {
		s.DrawFrom(ns)
	}
	s.SetState(x0)
	nall := len(m.Nodes())
	v := make([]float64, len(nodes))
	if nall == 0 {
		// Nothing to step: only the times.
		for i := range tr.Points() {
			if err := emit(tr.Time(i), v); err != nil {
				return err
			}
		}
		return nil
	}
	// emitRows emits the rows of block (node voltages in model order) as
	// the points first, first+1, ….
	emitRows := func(block []float64, first int) error {
		for j := 0; j < len(block)/nall; j++ {
			row := block[j*nall : (j+1)*nall]
			for c, col := range cols {
				v[c] = row[col]
			}
			if err := emit(tr.Time(first+j), v); err != nil {
				return err
			}
		}
		return nil
	}
	failed := func() error {
		if err := s.Err(); err != nil {
			return fmt.Errorf("netlist: simulating %s: %w", n.Title, err)
		}
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	block := make([]float64, simBlock*nall)
	s.AdvanceTo(tr.Time(0))
	if err := failed(); err != nil {
		return err
	}
	s.NodeVoltagesTo(block[:nall])
	if err := emitRows(block[:nall], 0); err != nil {
		return err
	}
	// Points 1 … uniform are one step h = TSTEP apart (to 1e-9, the
	// tolerance of circuit.Exact's propagator cache): they are stepped in
	// blocks. A last point closer than that (TSTOP not on the grid) is
	// reached by its own transition.
	pts := tr.Points()
	uniform := pts - 1
	if last := pts - 1; last >= 1 && math.Abs(tr.Time(last)-tr.Time(last-1)-tr.Step) > stepRelTol*tr.Step {
		uniform--
	}
	for i := 1; i <= uniform; {
		if err := ctx.Err(); err != nil {
			return err
		}
		kb := min(simBlock, uniform-i+1)
		s.NodeStepsTo(block[:kb*nall], tr.Step)
		if err := failed(); err != nil {
			return err
		}
		s.SetTime(tr.Time(i + kb - 1))
		if err := emitRows(block[:kb*nall], i); err != nil {
			return err
		}
		i += kb
	}
	for i := uniform + 1; i < pts; i++ {
		s.AdvanceTo(tr.Time(i))
		if err := failed(); err != nil {
			return err
		}
		s.NodeVoltagesTo(block[:nall])
		if err := emitRows(block[:nall], i); err != nil {
			return err
		}
	}
	return nil
}

// simBlock is the number of points Simulate steps at a time
// ([circuit.Exact.NodeStepsTo]); ctx is checked between blocks.
const simBlock = 256

// stepRelTol is the relative difference within which two grid steps count
// as equal (that of circuit.Exact's propagator cache).
const stepRelTol = 1e-9

// noisy reports whether the circuit built from n with opt has a noise
// source: a TRNOISE source, or a resistor with opt.Johnson.
func (n *Netlist) noisy(opt *BuildOptions) bool {
	for i := range n.Elements {
		e := &n.Elements[i]
		if e.Kind == CurrentSource && !e.Noise.IsZero() || opt.Johnson && e.Kind == Resistor {
			return true
		}
	}
	return false
}

func allZero(s []float64) bool {
	for _, v := range s {
		if v != 0 {
			return false
		}
	}
	return true
}
