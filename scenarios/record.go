package scenarios

// Job is one training run of a scenario: one optimizer at one sweep point
// with one seed.
type Job struct {
	// Index is the job's position in the scenario's full enumeration
	// (points, then seeds, then optimizers, each in file order); it fixes
	// the job's ID and its shard.
	Index int
	// ID is the stable run identifier written in results ("r0007").
	ID string
	// Point is the sweep point, Seed the master seed, Optimizer the index in
	// Scenario.Optimizers.
	Point     Point
	Seed      uint64
	Optimizer int
	// Scenario is the scenario with Point applied.
	Scenario *Scenario
}

// Phases splits simulated time, in seconds, by what the hybrid machine was
// doing: the digital accelerator (loss, gradient, J, H, update), the upload
// to the device (DAC conversion and array programming over the link), the
// analog window (and delay), and the readout (ADC conversion and transfer).
type Phases struct {
	Digital float64 `json:"digital_s"`
	Upload  float64 `json:"upload_s"`
	Analog  float64 `json:"analog_s"`
	Readout float64 `json:"readout_s"`
}

// Total returns the sum of the phases in seconds.
func (p Phases) Total() float64 { return p.Digital + p.Upload + p.Analog + p.Readout }

// Add returns p + q.
func (p Phases) Add(q Phases) Phases {
	return Phases{p.Digital + q.Digital, p.Upload + q.Upload, p.Analog + q.Analog, p.Readout + q.Readout}
}

// Row is one evaluation of one run: a line of metrics.csv. Metrics that do
// not apply (solve quality of first-order methods, accuracy of regression)
// are NaN and written empty.
type Row struct {
	RunID     string  `json:"run_id"`
	Optimizer string  `json:"optimizer"`
	Seed      uint64  `json:"seed"`
	Iteration int     `json:"iteration"`
	Epoch     float64 `json:"epoch"`
	// SimTime is the cumulative simulated time of the hybrid machine in
	// seconds; Time splits it by phase.
	SimTime float64 `json:"sim_time_s"`
	Time    Phases  `json:"time"`
	// Wall is the wall-clock time of the run so far in seconds (not
	// reproducible).
	Wall      float64 `json:"wall_s"`
	TrainLoss float64 `json:"train_loss"`
	TestLoss  float64 `json:"test_loss"`
	TestAcc   float64 `json:"test_acc"`
	// SolveRelErr and SolveCos compare the natural-gradient estimate g̃ of
	// the last step with the exact (F + λI)⁻¹∇ℓ of the same step:
	// ‖g̃ − x*‖/‖x*‖ and the cosine of the angle between them. Means over the
	// steps since the previous evaluation.
	SolveRelErr float64 `json:"solve_rel_err"`
	SolveCos    float64 `json:"solve_cos"`
	// Clipped counts values clipped by the arrays, DAC and ADC, Saturated
	// the op-amp outputs clipped at their rails, since the start of the run.
	Clipped   int `json:"clipped"`
	Saturated int `json:"saturated"`
}

// Outcome is how a run ended.
type Outcome string

const (
	Finished Outcome = "finished"
	Diverged Outcome = "diverged"
	Failed   Outcome = "failed" // the device or a solver returned an error
)

// Summary is one run: a line of summary.csv and an element of summary.json.
type Summary struct {
	RunID     string  `json:"run_id"`
	Point     Point   `json:"-"`
	Optimizer string  `json:"optimizer"`
	Seed      uint64  `json:"seed"`
	Outcome   Outcome `json:"outcome"`
	// Reason explains a divergence or failure.
	Reason     string  `json:"reason,omitempty"`
	Iterations int     `json:"iterations"`
	SimTime    float64 `json:"sim_time_s"`
	// PerIteration is the mean simulated time of one iteration by phase.
	PerIteration   Phases  `json:"per_iteration"`
	Wall           float64 `json:"wall_s"`
	FinalTrainLoss float64 `json:"final_train_loss"`
	FinalTestLoss  float64 `json:"final_test_loss"`
	FinalTestAcc   float64 `json:"final_test_acc"`
	BestTestLoss   float64 `json:"best_test_loss"`
	BestTestAcc    float64 `json:"best_test_acc"`
	MeanSolveCos   float64 `json:"mean_solve_cos"`
	// TimeToTarget and IterToTarget are the simulated time (s) and
	// iteration of the first evaluation whose test loss reached
	// run.target_loss; NaN and −1 when it was never reached or no target
	// was set.
	TimeToTarget float64 `json:"time_to_target_s"`
	IterToTarget int     `json:"iter_to_target"`
	Clipped      int     `json:"clipped"`
	Saturated    int     `json:"saturated"`
	// HardwareBits is a cost proxy of the device for co-design figures:
	// the bits held by its programmed conductances, 2·r(r + 2N) devices of
	// the array code width, plus N DAC and N ADC codes (an unquantized
	// array or converter counts the link word, 16 bits by default). Zero
	// for digital optimizers and the ideal device.
	HardwareBits float64 `json:"hardware_bits"`
	// Method is how the device was simulated (circuit.Method of the last
	// window: "low-rank", "euler", …, or "ideal"); empty for digital
	// optimizers.
	Method string `json:"method,omitempty"`
}
