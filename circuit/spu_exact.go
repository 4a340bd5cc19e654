package circuit

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// exactAvailable reports that MethodExactDense can run (the engine's exact
// transition is in place).
const exactAvailable = true

// exactCache holds the dense model of one programming and its stepper.
type exactCache struct {
	stepper *Exact
}

// runExact advances by the engine's exact transition ([Model.Transition],
// [Exact]) of the dense circuit model, in units of τ.
func (s *SPU) runExact(t float64, rep *RunReport) error {
	if s.exact == nil {
		M, c, L := s.denseModel()
		var D mat.SymDense
		D.SymOuterK(1, L)
		model, err := NewModel(M, mat.NewDense(len(c), 1, c), &D)
		if err != nil {
			return fmt.Errorf("circuit: programmed SPU: %w", err)
		}
		st := NewExact(model, s.rng)
		st.SetInputs([]float64{1})
		s.exact = &exactCache{stepper: st}
	}
	st := s.exact.stepper
	st.SetTime(0)
	st.SetState(s.x)
	st.Step(t)
	if err := st.Err(); err != nil {
		return err
	}
	copy(s.x, st.State())
	rep.Step, rep.Steps = t, 1
	c, stg := s.model.clipState(s.x)
	rep.Saturated += c
	rep.StageSaturated += stg
	return nil
}
