package solver

import (
	"fmt"
	"math"
)

// Window describes one analog solve of a thermodynamic device: how long
// it runs and how the estimate is read out. Times are in units of the
// device time constant τ (τ = RC, 1 µs in the paper), so that the drift
// −(Ax − g) has rates equal to the eigenvalues of A. The zero value is a
// window of zero length: the readout is the start vector.
//
// Sampling: with Samples ≤ 1 the readout is the state at Time (one ADC
// sample at the end of the window, the paper's timing model) and BurnIn is
// ignored. With Samples = K > 1 the readout is the mean of the K states at
// times BurnIn + k·(Time − BurnIn)/K, k = 1…K (the last one at Time).
//
// Delay: after the readout the device keeps evolving for Delay on the same
// (J, H, λ, g) before the next problem is loaded (t_d of the paper,
// Fig. 4b). The readout is not affected; the next warm start begins from
// the state at Time + Delay.
type Window struct {
	Time    float64 `toml:"time"`    // analog window in τ, ≥ 0
	Samples int     `toml:"samples"` // K; 0 or 1: final sample only
	BurnIn  float64 `toml:"burn_in"` // in τ, 0 ≤ BurnIn ≤ Time; used when Samples > 1
	Delay   float64 `toml:"delay"`   // t_d in τ, ≥ 0
}

// Validate reports the first invalid field: a negative or non-finite
// time, a negative sample count, or a burn-in outside [0, Time].
func (w Window) Validate() error {
	switch {
	case !(w.Time >= 0) || math.IsInf(w.Time, 1):
		return fmt.Errorf("solver: Window.Time = %v, want a finite value ≥ 0", w.Time)
	case w.Samples < 0:
		return fmt.Errorf("solver: Window.Samples = %d, want ≥ 0", w.Samples)
	case !(w.BurnIn >= 0) || w.BurnIn > w.Time:
		return fmt.Errorf("solver: Window.BurnIn = %v, want 0 ≤ BurnIn ≤ Time = %v", w.BurnIn, w.Time)
	case !(w.Delay >= 0) || math.IsInf(w.Delay, 1):
		return fmt.Errorf("solver: Window.Delay = %v, want a finite value ≥ 0", w.Delay)
	}
	return nil
}

// samples returns the number of samples averaged into the readout (≥ 1).
func (w Window) samples() int { return max(1, w.Samples) }
