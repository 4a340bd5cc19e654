// Package netlist is the circuit as text: a reader of a SPICE subset that
// builds circuits of package circuit, a writer of ngspice-compatible decks,
// and the export of any assembled circuit (a programmed SPU included) to
// such a deck, so that every circuit tngd simulates can be checked in
// ngspice.
//
// # Reading
//
// [Parse] and [ParseFile] read a deck into a [Netlist]: the title (the
// first line, as in SPICE), [Element] cards — R, C (IC=), I and V (DC, and
// TRNOISE(NA NT 0 0) on I), G (VCCS) and E (VCVS) — and the .ic, .tran,
// .temp and .end cards. Values take the engineering suffixes f p n u m mil k
// meg g t in any case, and trailing unit letters are ignored ([ParseValue]:
// "1kohm", "10uF", "1MEG"; as in SPICE, "1F" is femto and "1M" milli).
// Comments are '*' lines, and ';' or '$' to the end of a line; '+' lines
// continue the card above. .control … .endc and .subckt … .ends blocks, AC
// specifications and other dot-cards are skipped and reported as
// [Netlist.Notes]; an element outside the subset, .include and .lib are
// errors. Errors are a *[ParseError] with the file, line and column and
// what was expected, wrapping [ErrSyntax] or [ErrUnsupported]. The reader
// never panics (FuzzParse checks it, and that writing and reading back
// gives the same deck).
//
// Names are case-insensitive as in SPICE: a node is stored under the first
// spelling met, ground ("0", "gnd") as "0".
//
// # Meaning of a deck
//
// [Build] turns a deck into a [circuit.Circuit] and [Assemble] into its
// [circuit.Model], placing engine errors at the card they concern
// ([CircuitError]). A deck means what it means to ngspice:
//
//   - resistors are noiseless (ngspice has no resistor noise in a transient
//     analysis); [BuildOptions.Johnson] adds 4kT/R to each;
//   - a TRNOISE(NA NT 0 0) source is white current noise of one-sided PSD
//     S = 2·NA²·NT ([TRNoise.PSD]): ngspice draws a Gaussian sample of
//     variance NA² every NT and interpolates linearly, whose spectrum is
//     NA²·NT·sinc⁴(f·NT) two-sided, flat at NA²·NT below 1/NT. A resistor's
//     4kT/R is therefore NA = √(2kT/(R·NT)) ([JohnsonTRNoise]);
//   - .tran … uic starts from the capacitors' IC= and the .ic node voltages
//     (0 elsewhere); without uic from the DC operating point with the .ic
//     nodes held ([InitialState]); the output grid is TSTART, TSTART+TSTEP,
//     … up to TSTOP ([Tran.Points]), as ngspice's linearize.
//
// [Simulate] runs the .tran analysis on the exact engine (no time-step
// error, noise included); `tngd tran` is its command line.
//
// # Writing and export
//
// [Write] prints a deck with every value exact ([FormatValue]), and with
// [WriteOptions.Wave] a .control block that runs the analysis, resamples it
// on the .tran grid with linearize and writes the node voltages with wrdata
// (set wr_singlescale, set wr_vecnames, set numdgt=15). It does not use
// .options interp, which returns wrong values right after breakpoints in
// ngspice 39.
//
// [Export] writes any [circuit.Circuit] — [circuit.SPU.Circuit] gives the
// programmed SPU — as a deck: each element as its card, the Johnson noise of
// each resistor (and the excess noise of each transconductor, and each
// injected noise current) as a TRNOISE current source across it with NT =
// τ_min/10 by default ([ExportOptions.NoiseStep]), and each ideal op-amp as
// a VCVS of gain [DefaultOpAmpGain]. Reading the deck back gives the same
// assembled drift, inputs and diffusion (to the op-amp gain, ~1e-9).
//
// # Agreement with ngspice
//
// The tests run ngspice 39 (Debian package ngspice; scripts/test installs
// it, and the tests fail, never skip, without it) on an RC ring, an
// all-to-all RC network, a circuit with VCCS couplings, a VCVS and a
// capacitor-free node, and a programmed SPU. Deterministic waveforms agree
// to ≤ 1e-4 of full scale (measured: 3e-5 and better, logged by
// go test ./netlist -run TestNgspiceDeterministic -v). Noisy runs are
// compared through stationary moments, never raw waveforms: the covariance
// of the capacitive nodes against the model's, corrected for the TRNOISE
// band limit (which lowers the variance of a mode of rate λ by about
// 0.45·λ·NT, 4.5 % at NT = τ/10), within a few standard errors computed
// from the model's own lag covariances.
//
// Two facts about ngspice 39 found on the way: its TRNOISE Gaussian
// generator is not stationary in its second moment — the sample variance of
// all sources drifts together by several per cent over 10⁵ samples, so a
// single long run can be 5–13 % off in variance; the tests measure that
// common scale with probe sources and divide it out — and its random seed
// (set rndseed, .options seed) does not make TRNOISE reproducible from run
// to run.
package netlist
