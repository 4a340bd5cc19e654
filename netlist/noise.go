package netlist

import (
	"math"

	"gonum.org/v1/gonum/unit/constant"
)

// boltzmann is k in J/K.
const boltzmann = float64(constant.Boltzmann)

// TRNoise is ngspice's transient white noise on a current source,
// TRNOISE(NA NT 0 0): every NT seconds a new Gaussian sample of standard
// deviation NA amperes, linearly interpolated in between. The zero value
// means no noise.
//
// # Equivalent white noise
//
// Samples x_k of variance NA², one every NT, joined by linear interpolation
// form the signal Σ_k x_k Λ(t/NT − k), with Λ the unit triangle. Its
// two-sided power spectral density is NA²·NT·sinc⁴(f·NT) (NA²·NT·sinc² for a
// sample-and-hold); below 1/NT both are flat at NA²·NT. So a TRNOISE source
// is white noise of one-sided PSD
//
//	S = 2·NA²·NT   (A²/Hz),
//
// band-limited to about 1/(2·NT). In the SDE form used by package circuit it
// contributes √(S/2)·dW = NA·√NT·dW of current. A resistor's Johnson noise
// 4kT/R is matched by NA = √(2kT/(R·NT)) ([JohnsonTRNoise]).
//
// The band limit matters only for circuits with time constants near NT: it
// lowers the stationary variance of an RC node of time constant τ by about
// 0.45·NT/τ relative to true white noise (4.5 % at NT = τ/10, 0.5 % at
// τ/100; exactly: the variance of a mode of rate λ is multiplied by
// 2∫₀² B₃(s)·e^{−λ·NT·s} ds, B₃ the centred cubic B-spline, the shape of
// the autocorrelation of linearly interpolated samples). [Export] picks
// NT = τ_min/10 (see [ExportOptions]).
type TRNoise struct {
	// NA is the rms amplitude in A.
	NA float64
	// NT is the sample interval in s.
	NT float64
}

// IsZero reports whether n is no noise (NA or NT zero).
func (n TRNoise) IsZero() bool { return n.NA == 0 || n.NT == 0 }

// PSD returns the equivalent one-sided white-noise power spectral density
// 2·NA²·NT in A²/Hz; zero for no noise.
func (n TRNoise) PSD() float64 {
	if n.IsZero() {
		return 0
	}
	return 2 * n.NA * n.NA * n.NT
}

// TRNoiseForPSD returns the TRNOISE source with sample interval nt (s) whose
// equivalent one-sided PSD is psd (A²/Hz): NA = √(psd/(2·nt)). It panics if
// psd < 0 or nt ≤ 0.
func TRNoiseForPSD(psd, nt float64) TRNoise {
	if !(psd >= 0) || !(nt > 0) {
		panic("netlist: TRNoiseForPSD needs psd ≥ 0 and nt > 0")
	}
	return TRNoise{NA: math.Sqrt(psd / (2 * nt)), NT: nt}
}

// JohnsonTRNoise returns the TRNOISE current source that emulates the
// Johnson–Nyquist noise 4kT/R of a resistance r (Ω) at temperature t (K),
// sampled every nt seconds: NA = √(2kT/(r·nt)). It panics if r ≤ 0, t < 0 or
// nt ≤ 0.
func JohnsonTRNoise(r, t, nt float64) TRNoise {
	if !(r > 0) || !(t >= 0) || !(nt > 0) {
		panic("netlist: JohnsonTRNoise needs r > 0, t ≥ 0 and nt > 0")
	}
	return TRNoiseForPSD(4*boltzmann*t/r, nt)
}
