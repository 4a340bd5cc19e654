package scenarios

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Files of a results directory DIR (see [Runner]).
const (
	// ScenarioFile is the resolved scenario, DIR/scenario.toml.
	ScenarioFile = "scenario.toml"
	// RunsDir holds one run file per finished job, DIR/runs/<id>.json.
	RunsDir = "runs"
	// MetricsFile has one row per evaluation of every run.
	MetricsFile = "metrics.csv"
	// SummaryCSV and SummaryJSON have one row per run.
	SummaryCSV  = "summary.csv"
	SummaryJSON = "summary.json"
	// PlotsDir is where the figures go (filled by package plots).
	PlotsDir = "plots"
)

var (
	// ErrMismatch is returned when a results directory already holds the
	// results of another scenario (its scenario.toml differs from the one
	// being run or merged), or when shards to merge differ.
	ErrMismatch = errors.New("scenarios: results of a different scenario")
	// ErrRunFile is returned for a run file that cannot be read or that
	// belongs to another job.
	ErrRunFile = errors.New("scenarios: bad run file")
	// ErrIncomplete is returned by [Merge] when some jobs have no run file
	// in any shard.
	ErrIncomplete = errors.New("scenarios: incomplete results")
)

// Record is the result of one job: the content of its run file
// DIR/runs/<id>.json. The run file is written once, atomically, when the
// job ends; a directory holds either the whole record or none.
type Record struct {
	// Index, ID, Seed and Point identify the job (see [Job]); Optimizer is
	// its optimizer's label.
	Index     int
	ID        string
	Point     Point
	Seed      uint64
	Optimizer string
	// Summary is the run's summary, Rows its evaluations in order.
	Summary Summary
	Rows    []Row
}

// runFile is the JSON layout of a run file.
type runFile struct {
	RunID     string        `json:"run_id"`
	Index     int           `json:"index"`
	Point     []pointMember `json:"point"`
	Seed      uint64        `json:"seed"`
	Optimizer string        `json:"optimizer"`
	Summary   Summary       `json:"summary"`
	Rows      []Row         `json:"rows"`
}

type pointMember struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

// RunPath returns the path of the run file of the job with the given ID in
// the results directory dir.
func RunPath(dir, id string) string { return filepath.Join(dir, RunsDir, id+".json") }

// encodeRecord returns the run file of r. Floats are written exactly, NaN
// and infinities as the strings "NaN", "+Inf", "-Inf".
func encodeRecord(r *Record) ([]byte, error) {
	f := runFile{RunID: r.ID, Index: r.Index, Seed: r.Seed, Optimizer: r.Optimizer, Summary: r.Summary, Rows: r.Rows}
	for _, a := range r.Point {
		f.Point = append(f.Point, pointMember{a.Key, a.Value})
	}
	return marshalJSON(f, nonFiniteString)
}

// readRecord reads the run file at path and checks that it is the run of
// job. Errors wrap [ErrRunFile].
func readRecord(path string, job *Job) (*Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f runFile
	if err := unmarshalJSON(data, &f); err != nil {
		return nil, fmt.Errorf("%w %s: %v (remove it to run the job again)", ErrRunFile, path, err)
	}
	label := job.Scenario.Optimizers[job.Optimizer].Label()
	var p Point
	for _, m := range f.Point {
		p = append(p, Assignment{m.Key, m.Value})
	}
	if f.RunID != job.ID || f.Index != job.Index || f.Seed != job.Seed || f.Optimizer != label || !samePoint(p, job.Point) {
		return nil, fmt.Errorf("%w %s: holds run %s (index %d, %s, seed %d, optimizer %q), not %s (index %d, %s, seed %d, optimizer %q)",
			ErrRunFile, path, f.RunID, f.Index, p, f.Seed, f.Optimizer, job.ID, job.Index, job.Point, job.Seed, label)
	}
	r := &Record{Index: job.Index, ID: job.ID, Point: job.Point, Seed: job.Seed, Optimizer: label, Summary: f.Summary, Rows: f.Rows}
	r.Summary.Point = job.Point
	return r, nil
}

// samePoint reports whether p and q assign the same values to the same
// keys in the same order, comparing values as the CSV files write them.
func samePoint(p, q Point) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i].Key != q[i].Key || FormatValue(p[i].Value) != FormatValue(q[i].Value) {
			return false
		}
	}
	return true
}

// writeAtomic writes data to path through a temporary file in the same
// directory, synced and then renamed, so that path holds either its old
// content or all of data, even if the process is killed.
func writeAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Results are the runs of a results directory: the resolved scenario,
// its swept keys, and a [Record] for each finished job, by index.
type Results struct {
	Scenario *Scenario
	// Keys are the swept keys, in file order: the extra columns of the CSV
	// files.
	Keys []string
	// Runs are the finished jobs in index order.
	Runs []*Record
	// Missing lists the IDs of the scenario's jobs that have no run file.
	Missing []string
}

// ReadResults reads the results directory dir written by a [Runner] or by
// [Merge]: its scenario.toml and every run file in runs/. It does not read
// the aggregate files, which are derived from those. Errors are those of
// [Load] for the scenario (which match [ErrInvalid]) and wrap
// [ErrRunFile] for a bad run file.
func ReadResults(dir string) (*Results, error) {
	s, err := Load(filepath.Join(dir, ScenarioFile))
	if err != nil {
		return nil, err
	}
	adoptSweepOrder(s, dir)
	jobs, err := s.Jobs()
	if err != nil {
		return nil, err
	}
	return collect(dir, s, jobs)
}

// collect reads the run files of jobs present in dir.
func collect(dir string, s *Scenario, jobs []Job) (*Results, error) {
	res := &Results{Scenario: s, Keys: s.Sweep.Keys()}
	for i := range jobs {
		r, err := readRecord(RunPath(dir, jobs[i].ID), &jobs[i])
		if errors.Is(err, fs.ErrNotExist) {
			res.Missing = append(res.Missing, jobs[i].ID)
			continue
		}
		if err != nil {
			return nil, err
		}
		res.Runs = append(res.Runs, r)
	}
	return res, nil
}

// WriteAggregates writes metrics.csv, summary.csv and summary.json of res
// into dir, each atomically. Rows are in job index order, then in
// iteration order, so that the files depend only on the runs (and, in the
// wall_s columns, on the wall clock).
func (res *Results) WriteAggregates(dir string) error {
	for _, f := range []struct {
		name  string
		write func() ([]byte, error)
	}{
		{MetricsFile, res.metricsCSV},
		{SummaryCSV, res.summaryCSV},
		{SummaryJSON, res.summaryJSON},
	} {
		data, err := f.write()
		if err != nil {
			return fmt.Errorf("scenarios: writing %s: %w", f.name, err)
		}
		if err := writeAtomic(filepath.Join(dir, f.name), data); err != nil {
			return err
		}
	}
	return nil
}

// FormatFloat writes a float as the CSV files do: the shortest decimal
// that reads back exactly, "" for NaN, "+Inf" and "-Inf" for infinities.
func FormatFloat(f float64) string {
	if math.IsNaN(f) {
		return ""
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// FormatValue writes a swept value (an int64, float64, string, bool or
// array as decoded from TOML) as the CSV files do: numbers as
// [FormatFloat], strings as they are, arrays as "[a, b]".
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return FormatFloat(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = FormatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// rowColumns are the columns of metrics.csv after run_id and the swept
// keys. TestColumnsCoverRow keeps them in step with [Row].
var rowColumns = []struct {
	name string
	get  func(*Row) string
}{
	{"optimizer", func(r *Row) string { return r.Optimizer }},
	{"seed", func(r *Row) string { return strconv.FormatUint(r.Seed, 10) }},
	{"iteration", func(r *Row) string { return strconv.Itoa(r.Iteration) }},
	{"epoch", func(r *Row) string { return FormatFloat(r.Epoch) }},
	{"sim_time_s", func(r *Row) string { return FormatFloat(r.SimTime) }},
	{"digital_s", func(r *Row) string { return FormatFloat(r.Time.Digital) }},
	{"upload_s", func(r *Row) string { return FormatFloat(r.Time.Upload) }},
	{"analog_s", func(r *Row) string { return FormatFloat(r.Time.Analog) }},
	{"readout_s", func(r *Row) string { return FormatFloat(r.Time.Readout) }},
	{"wall_s", func(r *Row) string { return FormatFloat(r.Wall) }},
	{"train_loss", func(r *Row) string { return FormatFloat(r.TrainLoss) }},
	{"test_loss", func(r *Row) string { return FormatFloat(r.TestLoss) }},
	{"test_acc", func(r *Row) string { return FormatFloat(r.TestAcc) }},
	{"solve_rel_err", func(r *Row) string { return FormatFloat(r.SolveRelErr) }},
	{"solve_cos", func(r *Row) string { return FormatFloat(r.SolveCos) }},
	{"clipped", func(r *Row) string { return strconv.Itoa(r.Clipped) }},
	{"saturated", func(r *Row) string { return strconv.Itoa(r.Saturated) }},
}

// summaryColumns are the columns of summary.csv after run_id and the
// swept keys. TestColumnsCoverSummary keeps them in step with [Summary].
var summaryColumns = []struct {
	name string
	get  func(*Summary) string
}{
	{"optimizer", func(s *Summary) string { return s.Optimizer }},
	{"seed", func(s *Summary) string { return strconv.FormatUint(s.Seed, 10) }},
	{"outcome", func(s *Summary) string { return string(s.Outcome) }},
	{"reason", func(s *Summary) string { return s.Reason }},
	{"iterations", func(s *Summary) string { return strconv.Itoa(s.Iterations) }},
	{"sim_time_s", func(s *Summary) string { return FormatFloat(s.SimTime) }},
	{"per_iteration_digital_s", func(s *Summary) string { return FormatFloat(s.PerIteration.Digital) }},
	{"per_iteration_upload_s", func(s *Summary) string { return FormatFloat(s.PerIteration.Upload) }},
	{"per_iteration_analog_s", func(s *Summary) string { return FormatFloat(s.PerIteration.Analog) }},
	{"per_iteration_readout_s", func(s *Summary) string { return FormatFloat(s.PerIteration.Readout) }},
	{"wall_s", func(s *Summary) string { return FormatFloat(s.Wall) }},
	{"final_train_loss", func(s *Summary) string { return FormatFloat(s.FinalTrainLoss) }},
	{"final_test_loss", func(s *Summary) string { return FormatFloat(s.FinalTestLoss) }},
	{"final_test_acc", func(s *Summary) string { return FormatFloat(s.FinalTestAcc) }},
	{"best_test_loss", func(s *Summary) string { return FormatFloat(s.BestTestLoss) }},
	{"best_test_acc", func(s *Summary) string { return FormatFloat(s.BestTestAcc) }},
	{"mean_solve_cos", func(s *Summary) string { return FormatFloat(s.MeanSolveCos) }},
	{"time_to_target_s", func(s *Summary) string { return FormatFloat(s.TimeToTarget) }},
	{"iter_to_target", func(s *Summary) string { return strconv.Itoa(s.IterToTarget) }},
	{"clipped", func(s *Summary) string { return strconv.Itoa(s.Clipped) }},
	{"saturated", func(s *Summary) string { return strconv.Itoa(s.Saturated) }},
	{"hardware_bits", func(s *Summary) string { return FormatFloat(s.HardwareBits) }},
	{"method", func(s *Summary) string { return s.Method }},
}

// MetricsHeader returns the header of metrics.csv for the swept keys.
func MetricsHeader(keys []string) []string {
	h := append([]string{"run_id"}, keys...)
	for _, c := range rowColumns {
		h = append(h, c.name)
	}
	return h
}

// SummaryHeader returns the header of summary.csv for the swept keys.
func SummaryHeader(keys []string) []string {
	h := append([]string{"run_id"}, keys...)
	for _, c := range summaryColumns {
		h = append(h, c.name)
	}
	return h
}

// pointValues returns the values of the swept keys at p, in keys order.
func pointValues(keys []string, p Point) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		for _, a := range p {
			if a.Key == k {
				out[i] = FormatValue(a.Value)
			}
		}
	}
	return out
}

func (res *Results) metricsCSV() ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(MetricsHeader(res.Keys))
	for _, r := range res.Runs {
		vals := pointValues(res.Keys, r.Point)
		rows := slices.Clone(r.Rows)
		slices.SortStableFunc(rows, func(a, b Row) int { return a.Iteration - b.Iteration })
		for i := range rows {
			rec := append([]string{r.ID}, vals...)
			for _, c := range rowColumns {
				rec = append(rec, c.get(&rows[i]))
			}
			w.Write(rec)
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

func (res *Results) summaryCSV() ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(SummaryHeader(res.Keys))
	for _, r := range res.Runs {
		rec := append([]string{r.ID}, pointValues(res.Keys, r.Point)...)
		for _, c := range summaryColumns {
			rec = append(rec, c.get(&r.Summary))
		}
		w.Write(rec)
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// summaryJSON writes an array with one object per run: run_id, then
// "params" (the swept keys and their values), then the fields of
// [Summary]. Non-finite numbers are null.
func (res *Results) summaryJSON() ([]byte, error) {
	runs := make([]any, 0, len(res.Runs))
	for _, r := range res.Runs {
		params := object{}
		for _, k := range res.Keys {
			for _, a := range r.Point {
				if a.Key == k {
					params = append(params, member{k, toJSONValue(a.Value, nonFiniteNull)})
				}
			}
		}
		sum := r.Summary
		sum.RunID = r.ID
		out := object{{"run_id", r.ID}, {"params", params}}
		for _, m := range toJSONValue(sum, nonFiniteNull).(object) {
			if m.key != "run_id" {
				out = append(out, m)
			}
		}
		runs = append(runs, out)
	}
	return marshalJSONValue(runs)
}

// adoptSweepOrder makes the enumeration of s follow the order of the swept
// keys recorded in the run files under dirs, when they hold the same keys
// in another order. Scenario.TOML writes the sweep's keys sorted, so a
// scenario read back from a results directory's scenario.toml may list
// them in another order than the file the runs came from; the run files
// keep the order they were enumerated in. It reports whether the order
// changed.
func adoptSweepOrder(s *Scenario, dirs ...string) bool {
	keys := s.Sweep.Keys()
	if len(keys) < 2 {
		return false
	}
	for _, dir := range dirs {
		paths, _ := filepath.Glob(filepath.Join(dir, RunsDir, "r*.json"))
		for _, path := range paths {
			data, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			var f runFile
			if unmarshalJSON(data, &f) != nil {
				continue
			}
			got := make([]string, len(f.Point))
			for i, m := range f.Point {
				got[i] = m.Key
			}
			a, b := slices.Clone(keys), slices.Clone(got)
			slices.Sort(a)
			slices.Sort(b)
			if slices.Equal(a, b) && !slices.Equal(keys, got) {
				s.Sweep.order = got
				return true
			}
			return false
		}
	}
	return false
}
