// Package scenarios runs studies of thermodynamic natural-gradient hardware
// described in TOML files: it loads and validates a [Scenario], expands its
// sweep into jobs, trains each job through the hybrid digital–analog loop in
// simulated time ([Execute]), writes the results (run files, metrics.csv,
// summary.csv, summary.json) and draws their figures ([Figures]).
//
// # Scenario files
//
// A file has the tables [run] (length, evaluations, seeds), [task] (data
// set, model, loss), [hardware] (the SPU; see circuit.Hardware), [digital]
// (the compute model of the digital side), one or more [[optimizer]] (a
// kind from nn.OptimizerKinds with its hyper-parameters, and for tngd and
// tngd-adam the device and analog window) and [sweep] (dotted keys and
// their values). Every key is listed in docs/scenario.md. Decoding is
// strict: unknown keys, wrong types and invalid values are a *[FieldError]
// naming the file, the line where known and the dotted key; all match
// [ErrInvalid]. Overrides (--set dotted.key=value) and sweep points are
// applied to the decoded document and decoded again, so they are checked
// exactly like the file.
//
// # Jobs and determinism
//
// A job is one optimizer at one sweep point with one seed. From its master
// seed a job draws, in a fixed order, the streams of the data (synthetic
// tasks), the initial weights, the epoch shuffles, the device (chip
// variation, programming errors and noise) and the pre-training; the
// streams do not depend on the optimizer, so the optimizers of a seed start
// from the same weights, see the same batches and use the same chip.
// Results are collected by job index, so they do not depend on the number
// of workers or on sharding.
//
// # The hybrid machine and its clock
//
// Simulated time is kept by an events.Scheduler. A digital step (SGD, Adam,
// exact NGD, NGD-CG, NGD-Woodbury) lasts its FLOP count (see stepFLOPs in
// compute.go) divided by [Digital.FLOPS], plus [Digital.Overhead]. A
// thermodynamic step (tngd, tngd-adam) joins two activities: the digital
// side computes the loss, gradient, J and H while the device, read out at
// the end of the previous step, runs on the stale system for the delay
// t_d; then the upload (DAC of the gradient, programming of all r(r + 2N)
// array entries over the link), the analog window t and the readout (ADC
// conversions and N words over the link) follow in series (Donatella et
// al., arXiv:2405.13817, Fig. 1 and Sec. 4). A delay longer than the
// digital phase is exposed and counted as analog time. Each evaluation row
// carries the cumulative simulated time and its split by phase.
//
// The device of a thermodynamic optimizer is the circuit SPU programmed from
// [hardware] (solver.Thermodynamic on circuit.SPU, every imperfection
// acting) or the ideal Ornstein–Uhlenbeck device (solver.IdealDevice) on
// the same clock. A batch smaller than the device (the last of an epoch) is
// padded with zero rows, which leave the system unchanged.
//
// # Numerical trouble
//
// A run that diverges (NaN or exploding loss) or whose device fails (an
// unstable programmed drift, a diverging state) ends with the outcome
// "diverged" or "failed" and its reason in the summary; the other jobs go
// on.
package scenarios
