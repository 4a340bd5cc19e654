package circuit

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Defaults of a zero-value [Hardware]: the paper's values (Donatella et al.,
// arXiv:2405.13817, App. C and the timing model of its Sec. 4).
const (
	DefaultR             = 1e3  // unit resistance, Ω
	DefaultC             = 1e-9 // cell capacitance, F (τ = RC = 1 µs)
	DefaultLinkBandwidth = 50e9 // link bandwidth, bit/s
	DefaultWordBits      = 16   // bits per word on the link
	DefaultHeadroom      = 0.5  // fraction of the voltage range the controller plans to use
	DefaultVoltageRange  = 1.0  // V, planning range when neither rails nor ADC range are set
)

// Hardware describes a programmable stochastic processing unit (SPU): its
// components, their imperfections, the converters and link around it, the
// noise, and the rule by which the digital controller scales problems into
// it. It is a plain value meant to be filled from TOML (see
// [DecodeHardware]); a nil *Hardware and the zero value both mean the
// paper's device with every imperfection off.
//
// # Zero values
//
// Every field's zero value is documented. The zero value of an imperfection
// is "off": exact conductances, ideal op-amps (infinite gain and bandwidth,
// no offset, no rails, no noise), exact capacitors, converters without
// quantization, range or noise, no Johnson noise (T = 0), no injected noise,
// memoryless inner stages. The paper's numbers fill the rest: R = 1 kΩ,
// C = 1 nF (τ = RC = 1 µs), G_max = 1/R, 16-bit words over a 50 Gb/s link.
// The paper's "16-bit DAC/ADC/arrays" is a word size for its timing model;
// here it is [Link.WordBits]. Quantization to B bits is an imperfection the
// paper did not model, switched on by a non-zero Bits.
//
// # Units
//
// SI throughout (Ω, F, S, V, K, s, Hz, bit/s), except [Hardware.StageTau]
// and [Scaling.TimeScale], which are in units of τ = R·C (the device's
// natural time, as in the paper).
type Hardware struct {
	// R is the unit resistance in ohms: the feedback resistor of the inner
	// transimpedance stages, and with C the time unit τ = R·C. Conductances
	// are read as dimensionless numbers R·G. Zero means 1 kΩ.
	R float64 `toml:"r"`
	// C is the nominal feedback capacitance of each integrator cell, in
	// farads. Zero means 1 nF.
	C float64 `toml:"c"`
	// CapacitorMismatch is the relative standard deviation of each cell's
	// capacitor, drawn once per chip (at [NewSPU]): C_i = C·(1 + σ·ξ_i).
	// Zero means exact capacitors.
	CapacitorMismatch float64 `toml:"capacitor_mismatch"`
	// StageTau is the time constant of the two inner stages, in units of τ.
	// Zero means memoryless stages (the paper's model: the drift is
	// JᵀHJ + λI). A positive value makes the stages first-order systems with
	// state (u, w); see [SPU]: a feedback capacitor R·C_f = StageTau·τ
	// across each stage's feedback resistor (with a stage op-amp of finite
	// gain A₀ and noise gain n the time constant is StageTau·(1 + 1/A₀)/
	// (1 + n/A₀)). Finite [OpAmp.GBW] of the stage op-amps adds its own time
	// constant per stage.
	StageTau float64 `toml:"stage_tau"`

	// Arrays describes every resistor array (J, H and Jᵀ of the factored
	// architecture, A of the direct one).
	Arrays ArraySpec `toml:"arrays"`
	// CellOpAmp is the op-amp of each integrator cell.
	CellOpAmp OpAmp `toml:"cell_opamp"`
	// StageOpAmp is the op-amp of each inner transimpedance stage.
	StageOpAmp OpAmp `toml:"stage_opamp"`
	// DAC drives the right-hand side into the cells.
	DAC DAC `toml:"dac"`
	// ADC reads the cell voltages.
	ADC ADC `toml:"adc"`
	// Link carries words between the digital controller and the device.
	Link Link `toml:"link"`
	// Noise sets the temperature and the injected noise.
	Noise NoiseSpec `toml:"noise"`
	// Scaling is the controller's rule for mapping problems into ranges.
	Scaling Scaling `toml:"scaling"`
}

// ArraySpec describes the resistor arrays. Each signed entry w is a
// differential pair of conductances, w = G⁺ − G⁻; each conductance is set
// from an unsigned code of Bits bits between GMin and GMax. The zero value
// is ideal: continuous conductances in [0, 1/R], exact, none stuck.
type ArraySpec struct {
	// GMin is the off-state conductance in siemens, ≥ 0: the conductance of
	// code 0, also left on the unused side of each pair. Zero means an ideal
	// open circuit.
	GMin float64 `toml:"g_min"`
	// GMax is the largest conductance in siemens. Zero means 1/R.
	GMax float64 `toml:"g_max"`
	// Bits is the width of the programming code: each conductance is
	// G_min + c·(G_max − G_min)/(2^Bits − 1), c = 0 … 2^Bits − 1. Zero
	// means continuous (unquantized) conductances. At most 52.
	Bits int `toml:"bits"`
	// ProgrammingError is the relative standard deviation of each device's
	// conductance about its programmed value, drawn independently for each
	// device at each programming: G = G_code·(1 + σ·ξ), clamped at 0.
	// Zero means exact programming.
	ProgrammingError float64 `toml:"programming_error"`
	// StuckAtMin and StuckAtMax are the fractions of devices stuck at GMin
	// and at GMax whatever they are programmed to; which devices are stuck is
	// drawn once per chip (at [NewSPU]). Zero means none.
	StuckAtMin float64 `toml:"stuck_at_min"`
	StuckAtMax float64 `toml:"stuck_at_max"`
	// WriteTime is the time to program one entry (a differential pair,
	// written together), in seconds; entries are written one after another.
	// Zero means the link is the limit: one word per entry at
	// [Link.WordBits] / [Link.Bandwidth].
	WriteTime float64 `toml:"write_time"`
}

// OpAmp describes an operational amplifier. The zero value is ideal.
type OpAmp struct {
	// Gain is the open-loop DC gain (V/V). Zero means infinite.
	Gain float64 `toml:"gain"`
	// GBW is the gain–bandwidth product in hertz of a single-pole response
	// A(s) = Gain/(1 + s·Gain/(2π·GBW)). Zero means infinite.
	GBW float64 `toml:"gbw"`
	// Offset is the standard deviation, in volts, of the input offset
	// voltage, drawn once per amplifier (at [NewSPU]). Zero means none.
	Offset float64 `toml:"offset"`
	// Rail is the output saturation voltage: the output is clipped to
	// [−Rail, Rail]. Zero means no saturation.
	Rail float64 `toml:"rail"`
	// NoiseDensity is the input-referred white voltage noise in V/√Hz
	// (one-sided). Zero means none.
	NoiseDensity float64 `toml:"noise_density"`
}

// DAC describes the converters that drive the right-hand side into the
// cells (one per cell, converting in parallel). The zero value is ideal.
type DAC struct {
	// Bits is the resolution of a signed mid-tread code: levels
	// k·FullScale/(2^(Bits−1) − 1), |k| ≤ 2^(Bits−1) − 1. Zero means
	// unquantized. At most 52; 1 is refused (no non-zero level).
	Bits int `toml:"bits"`
	// FullScale is the output range ±FullScale in volts; values beyond it
	// clip. Zero means 1 V with no clipping (required when Bits > 0).
	FullScale float64 `toml:"full_scale"`
	// ConversionTime is the time of one conversion of all cells, in seconds.
	// Zero means instantaneous.
	ConversionTime float64 `toml:"conversion_time"`
}

// ADC describes the converters that read the cell voltages (one per cell,
// converting in parallel). The zero value is ideal.
type ADC struct {
	// Bits is the resolution, with the same code as [DAC.Bits]. Zero means
	// unquantized.
	Bits int `toml:"bits"`
	// FullScale is the input range ±FullScale in volts; readings beyond it
	// clip. Zero means unlimited (required when Bits > 0).
	FullScale float64 `toml:"full_scale"`
	// ConversionTime is the time of one conversion of all cells, in seconds.
	// Zero means instantaneous.
	ConversionTime float64 `toml:"conversion_time"`
	// Noise is the input-referred noise of each conversion, in volts rms.
	// Zero means none.
	Noise float64 `toml:"noise"`
}

// Link is the digital link between controller and device.
type Link struct {
	// Bandwidth in bit/s. Zero means 50 Gb/s.
	Bandwidth float64 `toml:"bandwidth"`
	// WordBits is the size of one value on the link. Zero means 16.
	WordBits int `toml:"word_bits"`
}

// NoiseSpec sets the physical temperature and the injected noise source.
//
// # κ₀ and physical quantities
//
// The paper's normalized process is dx = −(Ax − g)ds + √(2κ₀)dW_s, whose
// stationary law (symmetric A) is N(A⁻¹g, κ₀A⁻¹). On the device the state is
// the cell voltage V = s_x·x (s_x in volts per unit of x, chosen by the
// controller, see [Scaling]) and the drift is α·A in units of 1/τ. A white
// current injected into each cell with one-sided power spectral density
//
//	S = 4·κ₀·α·s_x²·C/R   (A²/Hz)
//
// gives exactly that stationary law in units of x, i.e. a voltage covariance
// κ₀·s_x²·A⁻¹ (κ₀·s_x² is κ₀ in V²). It is the Johnson noise (PSD 4kTG) of a
// conductance G at the temperature T_eq = κ₀·α·s_x²·C/(k·R·G). Conversely,
// the Johnson noise of a cell's own conductances G_i at temperature T acts
// like κ₀ = k·T·R·G_i/(α·s_x²·C): 4e-12 for R·G_i = 1, T = 300 K, C = 1 nF,
// s_x = 1 V, α = 1 — far below the paper's κ₀ ∈ [1e-3, 1e-1], which a real
// device reaches only through an injected source. [SPU.Scale] reports s_x,
// α and the κ₀ equivalent of the Johnson noise for each programming.
type NoiseSpec struct {
	// Temperature in kelvin of every resistor and conductance (Johnson noise,
	// one-sided current PSD 4kTG). Zero means no Johnson noise; room
	// temperature is 300.
	Temperature float64 `toml:"temperature"`
	// Kappa0 sets the injected noise in the paper's normalized units: at each
	// programming the controller sets the injected current PSD to
	// 4·κ₀·α·s_x²·C/R in every cell. Zero means none. Exclusive with
	// InjectedPSD.
	Kappa0 float64 `toml:"kappa0"`
	// InjectedPSD is a fixed injected white current noise into every cell,
	// one-sided, in A²/Hz. Zero means none. Exclusive with Kappa0.
	InjectedPSD float64 `toml:"injected_psd"`
}

// Scaling is the digital controller's rule for mapping (J, H, λ, g) or
// (A, b) into conductances and voltages; see [SPU] for the full rule.
type Scaling struct {
	// Mode selects how the drift scale α (device drift = α·A, in 1/τ) is
	// chosen at each programming:
	//   - "" or "fit": α = min(TimeScale, α_full), where α_full is the
	//     largest scale at which every entry fits its conductance range;
	//     nothing is clipped.
	//   - "fixed": α = TimeScale exactly; entries beyond the range clip.
	//   - "full": α = α_full: the arrays use their full range.
	Mode string `toml:"mode"`
	// TimeScale is the target α: device time per unit of the problem's
	// time, in τ. Zero means 1, the paper's convention that the device's
	// drift is A itself in units of 1/τ.
	TimeScale float64 `toml:"time_scale"`
	// Headroom is the fraction of the voltage range that the controller plans
	// the state to use. Zero means 0.5.
	Headroom float64 `toml:"headroom"`
	// VoltageRange is the planning range in volts when neither the cell
	// rails nor the ADC range are set. Zero means 1 V.
	VoltageRange float64 `toml:"voltage_range"`
}

// Scaling modes.
const (
	ScaleFit   = "fit"
	ScaleFixed = "fixed"
	ScaleFull  = "full"
)

// ErrInvalidHardware is wrapped by the errors of [Hardware.Validate].
var ErrInvalidHardware = errors.New("circuit: invalid hardware description")

// FieldError is an invalid hardware field; Field is its TOML path, such as
// "arrays.g_min".
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("circuit: invalid hardware description: %s: %s", e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidHardware) hold.
func (e *FieldError) Unwrap() error { return ErrInvalidHardware }

// Validate reports the first invalid field as a *[FieldError] naming its TOML
// path. A nil receiver is valid (the defaults).
func (h *Hardware) Validate() error {
	if h == nil {
		return nil
	}
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	nonNeg := []struct {
		name string
		v    float64
	}{
		{"r", h.R}, {"c", h.C}, {"capacitor_mismatch", h.CapacitorMismatch}, {"stage_tau", h.StageTau},
		{"arrays.g_min", h.Arrays.GMin}, {"arrays.g_max", h.Arrays.GMax},
		{"arrays.programming_error", h.Arrays.ProgrammingError},
		{"arrays.stuck_at_min", h.Arrays.StuckAtMin}, {"arrays.stuck_at_max", h.Arrays.StuckAtMax},
		{"arrays.write_time", h.Arrays.WriteTime},
		{"dac.full_scale", h.DAC.FullScale}, {"dac.conversion_time", h.DAC.ConversionTime},
		{"adc.full_scale", h.ADC.FullScale}, {"adc.conversion_time", h.ADC.ConversionTime}, {"adc.noise", h.ADC.Noise},
		{"link.bandwidth", h.Link.Bandwidth},
		{"noise.temperature", h.Noise.Temperature}, {"noise.kappa0", h.Noise.Kappa0}, {"noise.injected_psd", h.Noise.InjectedPSD},
		{"scaling.time_scale", h.Scaling.TimeScale}, {"scaling.headroom", h.Scaling.Headroom},
		{"scaling.voltage_range", h.Scaling.VoltageRange},
	}
	for _, amp := range []struct {
		name string
		a    OpAmp
	}{{"cell_opamp", h.CellOpAmp}, {"stage_opamp", h.StageOpAmp}} {
		nonNeg = append(nonNeg, []struct {
			name string
			v    float64
		}{
			{amp.name + ".gain", amp.a.Gain}, {amp.name + ".gbw", amp.a.GBW}, {amp.name + ".offset", amp.a.Offset},
			{amp.name + ".rail", amp.a.Rail}, {amp.name + ".noise_density", amp.a.NoiseDensity},
		}...)
	}
	for _, f := range nonNeg {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return bad(f.name, "must be a finite number ≥ 0, got %v", f.v)
		}
	}
	r := h.resolved()
	if r.Arrays.GMin >= r.Arrays.GMax {
		return bad("arrays.g_min", "must be below arrays.g_max (%g S), got %g S", r.Arrays.GMax, r.Arrays.GMin)
	}
	if h.Arrays.Bits < 0 || h.Arrays.Bits > 52 {
		return bad("arrays.bits", "must be between 0 (unquantized) and 52, got %d", h.Arrays.Bits)
	}
	if h.Arrays.StuckAtMin+h.Arrays.StuckAtMax > 1 {
		return bad("arrays.stuck_at_max", "stuck_at_min + stuck_at_max must not exceed 1, got %g", h.Arrays.StuckAtMin+h.Arrays.StuckAtMax)
	}
	for _, c := range []struct {
		name string
		bits int
		fs   float64
	}{{"dac", h.DAC.Bits, h.DAC.FullScale}, {"adc", h.ADC.Bits, h.ADC.FullScale}} {
		if c.bits < 0 || c.bits == 1 || c.bits > 52 {
			return bad(c.name+".bits", "must be 0 (unquantized) or between 2 and 52, got %d", c.bits)
		}
		if c.bits > 0 && c.fs == 0 {
			return bad(c.name+".full_scale", "must be set (> 0) when %s.bits is", c.name)
		}
	}
	if h.Link.WordBits < 0 {
		return bad("link.word_bits", "must be ≥ 0, got %d", h.Link.WordBits)
	}
	if h.Noise.Kappa0 > 0 && h.Noise.InjectedPSD > 0 {
		return bad("noise.kappa0", "give either noise.kappa0 or noise.injected_psd, not both")
	}
	switch strings.ToLower(h.Scaling.Mode) {
	case "", ScaleFit, ScaleFixed, ScaleFull:
	default:
		return bad("scaling.mode", "must be %q, %q or %q, got %q", ScaleFit, ScaleFixed, ScaleFull, h.Scaling.Mode)
	}
	if h.Scaling.Headroom > 1 {
		return bad("scaling.headroom", "must be at most 1, got %g", h.Scaling.Headroom)
	}
	return nil
}

// resolved returns a copy of h with every zero default filled in. A nil h
// gives the defaults.
func (h *Hardware) resolved() Hardware {
	var r Hardware
	if h != nil {
		r = *h
	}
	if r.R == 0 {
		r.R = DefaultR
	}
	if r.C == 0 {
		r.C = DefaultC
	}
	if r.Arrays.GMax == 0 {
		r.Arrays.GMax = 1 / r.R
	}
	if r.Link.Bandwidth == 0 {
		r.Link.Bandwidth = DefaultLinkBandwidth
	}
	if r.Link.WordBits == 0 {
		r.Link.WordBits = DefaultWordBits
	}
	r.Scaling.Mode = strings.ToLower(r.Scaling.Mode)
	if r.Scaling.Mode == "" {
		r.Scaling.Mode = ScaleFit
	}
	if r.Scaling.TimeScale == 0 {
		r.Scaling.TimeScale = 1
	}
	if r.Scaling.Headroom == 0 {
		r.Scaling.Headroom = DefaultHeadroom
	}
	if r.Scaling.VoltageRange == 0 {
		r.Scaling.VoltageRange = DefaultVoltageRange
	}
	return r
}

// Resolved returns a copy of h with every zero-value default replaced by
// its value (R, C, GMax, link, scaling). A nil h gives the defaults. The
// result describes the same hardware as h.
func (h *Hardware) Resolved() Hardware { return h.resolved() }

// Tau returns the device's time unit τ = R·C in seconds, with defaults
// applied.
func (h *Hardware) Tau() float64 {
	r := h.resolved()
	return r.R * r.C
}

// wordTime returns the time to move one word over the link, in seconds.
func (l Link) wordTime() float64 { return float64(l.WordBits) / l.Bandwidth }
