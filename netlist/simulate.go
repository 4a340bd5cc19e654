package netlist

import (
	"context"
	"fmt"
	"math/rand/v2"

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
}

// Simulate runs the .tran analysis of n with the exact engine: it
// assembles n ([Assemble]), starts from [InitialState] and advances the
// model by its exact transition law ([circuit.Exact]) from output point to
// output point of the .tran grid ([Tran.Points], [Tran.Time]); TMAX plays
// no part, since the stepping has no time-step error. At each point it
// calls emit with the time in seconds and the voltage of every node of
// [Netlist.Nodes], in that order, in volts; v is reused between calls (copy
// it to keep it). A capacitor-free node is reported without its white-noise
// component (see [circuit.Model.NodeVoltagesTo]).
//
// It returns ErrInvalid (wrapped) without a .tran card, the errors of
// [Assemble] and [InitialState], a *[circuit.NonFiniteError] (wrapped) if
// the state stops being finite, the first error of emit, and ctx.Err() when
// ctx is cancelled (checked every 1024 points). It panics if n is nil, or if
// the deck has noise, NoNoise is false and Source is nil.
func Simulate(ctx context.Context, n *Netlist, opt *SimulateOptions, emit func(t float64, v []float64) error) error {
	if opt == nil {
		opt = &SimulateOptions{}
	}
	tr := n.Tran
	if tr == nil {
		return fmt.Errorf("%w: the deck has no .tran card", ErrInvalid)
	}
	m, _, err := Assemble(n, &opt.Build)
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
	nodes := n.Nodes()
	cols := make([]int, len(nodes))
	for i, nd := range nodes {
		cols[i] = m.NodeIndex(nd)
		if cols[i] < 0 {
			return fmt.Errorf("%w: node %s is missing from the assembled model", ErrInvalid, nd)
		}
	}
	s := circuit.NewExact(m, src)
	s.SetState(x0)
	all := make([]float64, len(m.Nodes()))
	v := make([]float64, len(nodes))
	for i := range tr.Points() {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		t := tr.Time(i)
		s.AdvanceTo(t)
		if err := s.Err(); err != nil {
			return fmt.Errorf("netlist: simulating %s: %w", n.Title, err)
		}
		s.NodeVoltagesTo(all)
		for j, c := range cols {
			v[j] = all[c]
		}
		if err := emit(t, v); err != nil {
			return err
		}
	}
	return nil
}

func allZero(s []float64) bool {
	for _, v := range s {
		if v != 0 {
			return false
		}
	}
	return true
}
