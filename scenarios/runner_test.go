package scenarios

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadTiny loads testdata/tiny.toml: 2 points × 2 seeds × 2 optimizers.
func loadTiny(t *testing.T, sets ...string) *Scenario {
	t.Helper()
	s, err := Load("testdata/tiny.toml", sets...)
	require.NoError(t, err)
	return s
}

// wallCounter makes the fake executor's wall-clock columns differ from
// one call to the next, as real ones do.
var wallCounter atomic.Int64

// fakeExec is a deterministic executor that needs no training: its rows
// are drawn from a generator seeded by the job's seed and index, with NaN
// solve metrics for first-order optimizers and an infinite loss in the
// last row of job 3, so that non-finite values go through every file.
func fakeExec(ctx context.Context, job Job, onEval func(Row)) (Summary, error) {
	if err := ctx.Err(); err != nil {
		return Summary{}, err
	}
	rng := rand.New(rand.NewPCG(job.Seed, uint64(job.Index)))
	opt := job.Scenario.Optimizers[job.Optimizer]
	sum := Summary{RunID: job.ID, Optimizer: opt.Label(), Seed: job.Seed, Outcome: Finished,
		TimeToTarget: math.NaN(), IterToTarget: -1, MeanSolveCos: math.NaN()}
	for it := 0; it <= 12; it += 4 {
		row := Row{RunID: job.ID, Optimizer: opt.Label(), Seed: job.Seed, Iteration: it, Epoch: float64(it) / 16,
			SimTime: 1e-6 * float64(it), Time: Phases{Digital: 1e-7 * float64(it), Analog: 9e-7 * float64(it)},
			Wall: float64(wallCounter.Add(1)), TrainLoss: rng.Float64(), TestLoss: rng.Float64(), TestAcc: rng.Float64(),
			SolveRelErr: math.NaN(), SolveCos: math.NaN(), Clipped: rng.IntN(3)}
		if opt.Thermodynamic() {
			row.SolveRelErr, row.SolveCos = rng.Float64(), rng.Float64()
		}
		if job.Index == 3 && it == 12 {
			row.TrainLoss, row.TestLoss = math.Inf(1), math.NaN()
			sum.Outcome, sum.Reason = Diverged, "loss exploded"
		}
		onEval(row)
		sum.Iterations, sum.SimTime = it, row.SimTime
		sum.FinalTrainLoss, sum.FinalTestLoss, sum.FinalTestAcc = row.TrainLoss, row.TestLoss, row.TestAcc
	}
	sum.Wall = float64(wallCounter.Add(1))
	return sum, nil
}

// runInto runs s into dir and requires success.
func runInto(t *testing.T, s *Scenario, dir string, r Runner) *Results {
	t.Helper()
	r.Dir = dir
	res, err := r.Run(context.Background(), s)
	require.NoError(t, err)
	return res
}

// dirContent reads every result file of dir (scenario.toml, the run files
// and the aggregates) with the wall-clock values removed, keyed by the
// path relative to dir.
func dirContent(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch filepath.Ext(path) {
		case ".csv":
			out[rel] = dropCSVColumn(t, data, "wall_s")
		case ".json":
			out[rel] = dropJSONKey(t, data, "wall_s")
		default:
			out[rel] = string(data)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

func dropCSVColumn(t *testing.T, data []byte, col string) string {
	recs, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	i := slices.Index(recs[0], col)
	require.GreaterOrEqual(t, i, 0, "no %s column", col)
	var b strings.Builder
	w := csv.NewWriter(&b)
	for _, r := range recs {
		w.Write(slices.Delete(r, i, i+1))
	}
	w.Flush()
	return b.String()
}

func dropJSONKey(t *testing.T, data []byte, key string) string {
	var v any
	require.NoError(t, json.Unmarshal(data, &v))
	var drop func(any)
	drop = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			delete(x, key)
			for _, e := range x {
				drop(e)
			}
		case []any:
			for _, e := range x {
				drop(e)
			}
		}
	}
	drop(v)
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return string(out)
}

func TestJobsOrder(t *testing.T) {
	s := loadTiny(t)
	jobs, err := s.Jobs()
	require.NoError(t, err)
	require.Len(t, jobs, 8)
	type key struct {
		time      any
		seed      uint64
		optimizer int
	}
	var got []key
	for i, j := range jobs {
		assert.Equal(t, i, j.Index)
		assert.Equal(t, fmt.Sprintf("r%04d", i), j.ID)
		require.Len(t, j.Point, 1)
		assert.Equal(t, "optimizer.tngd.window.time", j.Point[0].Key)
		assert.Equal(t, j.Point[0].Value, int64(j.Scenario.Optimizers[1].Window.Time), "the point is applied")
		got = append(got, key{j.Point[0].Value, j.Seed, j.Optimizer})
	}
	// Points slowest, then seeds, then optimizers.
	want := []key{
		{int64(2), 1, 0}, {int64(2), 1, 1}, {int64(2), 2, 0}, {int64(2), 2, 1},
		{int64(5), 1, 0}, {int64(5), 1, 1}, {int64(5), 2, 0}, {int64(5), 2, 1},
	}
	assert.Equal(t, want, got)
	assert.Same(t, jobs[0].Scenario, jobs[3].Scenario, "jobs of one point share its scenario")

	p, sd, o, err := s.Counts()
	require.NoError(t, err)
	assert.Equal(t, []int{2, 2, 2}, []int{p, sd, o})

	t.Run("default seed", func(t *testing.T) {
		s := loadTiny(t, "run.seeds=[]")
		jobs, err := s.Jobs()
		require.NoError(t, err)
		require.Len(t, jobs, 4)
		assert.Equal(t, uint64(1), jobs[0].Seed)
	})
	t.Run("bad point", func(t *testing.T) {
		s := loadTiny(t, `sweep.params={"hardware.arrays.bits"=[8, 99]}`)
		_, err := s.Jobs()
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrInvalid)
		assert.Contains(t, err.Error(), "sweep point hardware.arrays.bits=99")
		assert.Contains(t, err.Error(), "arrays.bits")
	})
}

func TestShard(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Shard
		err  bool
	}{
		{"", Shard{}, false},
		{"0/1", Shard{0, 1}, false},
		{"3/4", Shard{3, 4}, false},
		{" 1 / 2 ", Shard{1, 2}, false},
		{"4/4", Shard{}, true},
		{"-1/4", Shard{}, true},
		{"1/0", Shard{}, true},
		{"1", Shard{}, true},
		{"a/b", Shard{}, true},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseShard(tt.in)
			if tt.err {
				assert.ErrorIs(t, err, ErrShard)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	jobs := make([]Job, 11)
	for i := range jobs {
		jobs[i].Index = i
	}
	for n := 1; n <= 5; n++ {
		seen := make([]int, len(jobs))
		for i := range n {
			sel := Shard{i, n}.Select(jobs)
			// Round-robin: sizes differ by at most one.
			assert.InDelta(t, float64(len(jobs))/float64(n), float64(len(sel)), 1, "shard %d/%d", i, n)
			for _, j := range sel {
				assert.Equal(t, i, j.Index%n)
				seen[j.Index]++
			}
		}
		assert.Equal(t, slices.Repeat([]int{1}, len(jobs)), seen, "shards of %d partition the jobs", n)
	}
	assert.Len(t, Shard{}.Select(jobs), len(jobs))
	assert.Panics(t, func() { Shard{2, 2}.Contains(0) })
}

// TestRunFiles checks the layout and content of a results directory
// against the executor's rows and summaries.
func TestRunFiles(t *testing.T) {
	s := loadTiny(t)
	dir := t.TempDir()
	res := runInto(t, s, dir, Runner{Exec: fakeExec, Workers: 2})
	require.Len(t, res.Runs, 8)
	assert.Empty(t, res.Missing)

	resolved, err := os.ReadFile(filepath.Join(dir, ScenarioFile))
	require.NoError(t, err)
	assert.Equal(t, string(s.TOML()), string(resolved))

	jobs, err := s.Jobs()
	require.NoError(t, err)
	// The expected rows, from the executor itself.
	var want [][]Row
	var sums []Summary
	for _, j := range jobs {
		var rows []Row
		sum, err := fakeExec(context.Background(), j, func(r Row) { rows = append(rows, r) })
		require.NoError(t, err)
		want = append(want, rows)
		sums = append(sums, sum)
	}

	f, err := os.Open(filepath.Join(dir, MetricsFile))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	header := recs[0]
	assert.Equal(t, []string{"run_id", "optimizer.tngd.window.time", "optimizer", "seed", "iteration", "epoch",
		"sim_time_s", "digital_s", "upload_s", "analog_s", "readout_s", "wall_s", "train_loss", "test_loss",
		"test_acc", "solve_rel_err", "solve_cos", "clipped", "saturated"}, header)
	col := func(rec []string, name string) string { return rec[slices.Index(header, name)] }
	require.Len(t, recs, 1+8*4)
	for k, rec := range recs[1:] {
		j, w := jobs[k/4], want[k/4][k%4]
		assert.Equal(t, j.ID, col(rec, "run_id"))
		assert.Equal(t, FormatValue(j.Point[0].Value), col(rec, "optimizer.tngd.window.time"))
		assert.Equal(t, w.Optimizer, col(rec, "optimizer"))
		assert.Equal(t, fmt.Sprint(w.Iteration), col(rec, "iteration"))
		assert.Equal(t, FormatFloat(w.TrainLoss), col(rec, "train_loss"))
		assert.Equal(t, FormatFloat(w.SolveCos), col(rec, "solve_cos"))
		assert.Equal(t, FormatFloat(w.Time.Analog), col(rec, "analog_s"))
	}
	// Non-finite values: NaN is empty, infinities are signed.
	last := recs[1+3*4+3]
	assert.Equal(t, "+Inf", col(last, "train_loss"))
	assert.Equal(t, "", col(last, "test_loss"))
	assert.Equal(t, "", col(recs[1], "solve_cos"), "adam has no solve metrics")

	// Run files round-trip exactly, NaN and infinities included.
	for i, r := range res.Runs {
		assert.Equal(t, jobs[i].ID, r.ID)
		require.Len(t, r.Rows, len(want[i]))
		for k := range want[i] {
			assertRowsEqual(t, want[i][k], r.Rows[k])
		}
		assert.Equal(t, sums[i].Outcome, r.Summary.Outcome)
		assert.True(t, math.IsNaN(r.Summary.TimeToTarget))
	}

	var sj []map[string]any
	data, err := os.ReadFile(filepath.Join(dir, SummaryJSON))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &sj), "summary.json is standard JSON")
	require.Len(t, sj, 8)
	assert.Equal(t, "r0003", sj[3]["run_id"])
	assert.Equal(t, "diverged", sj[3]["outcome"])
	assert.Equal(t, "loss exploded", sj[3]["reason"])
	assert.Equal(t, map[string]any{"optimizer.tngd.window.time": 2.0}, sj[3]["params"])
	assert.Nil(t, sj[3]["final_test_loss"], "NaN is null")
	assert.Nil(t, sj[3]["final_train_loss"], "+Inf is null")
	assert.NotContains(t, sj[0], "reason", "empty reason omitted")

	srecs := readCSV(t, filepath.Join(dir, SummaryCSV))
	require.Len(t, srecs, 9)
	assert.Equal(t, SummaryHeader([]string{"optimizer.tngd.window.time"}), srecs[0])
	assert.Equal(t, []string{"r0003", "2", "tngd", "2", "diverged", "loss exploded"}, srecs[4][:6])
}

// assertRowsEqual compares rows exactly (NaN equal to NaN) except for
// the wall clock.
func assertRowsEqual(t *testing.T, want, got Row) {
	t.Helper()
	want.Wall, got.Wall = 0, 0
	w, err := marshalJSON(want, nonFiniteString)
	require.NoError(t, err)
	g, err := marshalJSON(got, nonFiniteString)
	require.NoError(t, err)
	assert.Equal(t, string(w), string(g))
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	recs, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	require.NoError(t, err)
	return recs
}

// TestColumnsCoverRow fails when a field is added to Row without a column
// in metrics.csv.
func TestColumnsCoverRow(t *testing.T) {
	var names []string
	for _, c := range rowColumns {
		names = append(names, c.name)
	}
	for _, f := range jsonFields(Row{}, "") {
		if f == "run_id" {
			continue
		}
		f = strings.TrimPrefix(f, "time_") // Row.Time's phases are digital_s, …
		assert.Contains(t, names, f, "metrics.csv lacks a column for Row's %s", f)
	}
}

// TestColumnsCoverSummary fails when a field is added to Summary without a
// column in summary.csv.
func TestColumnsCoverSummary(t *testing.T) {
	var names []string
	for _, c := range summaryColumns {
		names = append(names, c.name)
	}
	for _, f := range jsonFields(Summary{}, "") {
		if f != "run_id" {
			assert.Contains(t, names, f, "summary.csv lacks a column for Summary's %s", f)
		}
	}
}

// jsonFields lists the JSON names of v's fields, nested structs flattened
// as parent_child.
func jsonFields(v any, prefix string) []string {
	var out []string
	obj := toJSONValue(v, nonFiniteString).(object)
	for _, m := range obj {
		if sub, ok := m.value.(object); ok {
			for _, s := range sub {
				out = append(out, prefix+m.key+"_"+s.key)
			}
			continue
		}
		out = append(out, prefix+m.key)
	}
	return out
}

func TestRecordRoundTrip(t *testing.T) {
	r := &Record{Index: 4, ID: "r0004", Seed: 9, Optimizer: "tngd",
		Point: Point{{"a.b", int64(3)}, {"c", 0.1}, {"d", "x"}, {"e", []any{int64(1), 2.5}}, {"f", true}},
		Summary: Summary{RunID: "r0004", Outcome: Failed, Reason: "solver: singular", SimTime: 1.0 / 3,
			TimeToTarget: math.NaN(), BestTestLoss: math.Inf(-1), FinalTestLoss: 5e-324, IterToTarget: -1},
		Rows: []Row{{Iteration: 1, TrainLoss: math.Inf(1), SolveCos: math.NaN(), Seed: math.MaxUint64}},
	}
	data, err := encodeRecord(r)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, RunsDir), 0o755))
	require.NoError(t, writeAtomic(RunPath(dir, "r0004"), data))
	s := loadTiny(t)
	job := Job{Index: 4, ID: "r0004", Seed: 9, Optimizer: 1, Point: r.Point, Scenario: s}
	got, err := readRecord(RunPath(dir, "r0004"), &job)
	require.NoError(t, err)
	again, err := encodeRecord(got)
	require.NoError(t, err)
	assert.Equal(t, string(data), string(again))
	assert.True(t, math.IsNaN(got.Summary.TimeToTarget))
	assert.True(t, math.IsInf(got.Summary.BestTestLoss, -1))
	assert.Equal(t, 5e-324, got.Summary.FinalTestLoss)
	assert.Equal(t, 1.0/3, got.Summary.SimTime)
	assert.Equal(t, uint64(math.MaxUint64), got.Rows[0].Seed)

	for name, job := range map[string]Job{
		"other seed":  {Index: 4, ID: "r0004", Seed: 8, Optimizer: 1, Point: r.Point, Scenario: s},
		"other point": {Index: 4, ID: "r0004", Seed: 9, Optimizer: 1, Point: Point{{"a.b", int64(4)}}, Scenario: s},
		"other label": {Index: 4, ID: "r0004", Seed: 9, Optimizer: 0, Point: r.Point, Scenario: s},
	} {
		_, err := readRecord(RunPath(dir, "r0004"), &job)
		assert.ErrorIs(t, err, ErrRunFile, name)
	}
	require.NoError(t, os.WriteFile(RunPath(dir, "r0004"), data[:len(data)/2], 0o644))
	_, err = readRecord(RunPath(dir, "r0004"), &job)
	assert.ErrorIs(t, err, ErrRunFile, "truncated")
}

// TestDeterministicAcrossWorkers runs the tiny scenario with the real
// executor on 1 and 2 workers: the files agree except for wall_s.
func TestDeterministicAcrossWorkers(t *testing.T) {
	s := loadTiny(t)
	a, b := t.TempDir(), t.TempDir()
	runInto(t, s, a, Runner{Workers: 1})
	runInto(t, s, b, Runner{Workers: 2})
	ca, cb := dirContent(t, a), dirContent(t, b)
	assert.Len(t, ca, 1+8+3)
	assert.Equal(t, ca, cb)
	// The runs differ from one another: the test is not vacuous.
	assert.NotEqual(t, ca["runs/r0001.json"], ca["runs/r0003.json"])
}

// TestShardsMergeEqualsUnsharded runs the tiny scenario in three shards
// (with the real executor) and merges them: the merged directory equals an
// unsharded run except for wall_s.
func TestShardsMergeEqualsUnsharded(t *testing.T) {
	s := loadTiny(t)
	whole := t.TempDir()
	runInto(t, s, whole, Runner{Workers: 2})
	var shards []string
	for i := range 3 {
		dir := t.TempDir()
		res := runInto(t, s, dir, Runner{Workers: 2, Shard: Shard{i, 3}})
		for _, r := range res.Runs {
			assert.Equal(t, i, r.Index%3, "shard %d holds only its jobs", i)
		}
		shards = append(shards, dir)
	}
	out := filepath.Join(t.TempDir(), "merged")
	res, err := Merge(out, shards)
	require.NoError(t, err)
	assert.Len(t, res.Runs, 8)
	assert.Equal(t, dirContent(t, whole), dirContent(t, out))

	// Merging again into the same directory changes nothing.
	_, err = Merge(out, slices.Concat([]string{out}, shards))
	require.NoError(t, err)
	assert.Equal(t, dirContent(t, whole), dirContent(t, out))
}

func TestMergeIncompleteThenResume(t *testing.T) {
	s := loadTiny(t)
	shard0 := t.TempDir()
	runInto(t, s, shard0, Runner{Exec: fakeExec, Shard: Shard{0, 2}})
	out := t.TempDir()
	_, err := Merge(out, []string{shard0})
	require.ErrorIs(t, err, ErrIncomplete)
	assert.Contains(t, err.Error(), "4 of 8 runs")
	assert.Contains(t, err.Error(), "r0001 r0003 r0005 r0007")
	_, err = os.Stat(filepath.Join(out, MetricsFile))
	assert.ErrorIs(t, err, os.ErrNotExist, "no aggregates from an incomplete merge")

	// Running the resolved scenario into the merge directory completes it.
	r, err := Load(filepath.Join(out, ScenarioFile))
	require.NoError(t, err)
	var ran []string
	exec := func(ctx context.Context, j Job, on func(Row)) (Summary, error) {
		ran = append(ran, j.ID)
		return fakeExec(ctx, j, on)
	}
	runInto(t, r, out, Runner{Exec: exec, Workers: 1})
	assert.Equal(t, []string{"r0001", "r0003", "r0005", "r0007"}, ran)
	whole := t.TempDir()
	runInto(t, s, whole, Runner{Exec: fakeExec})
	assert.Equal(t, dirContent(t, whole), dirContent(t, out))
}

func TestMergeRefusesOtherScenario(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	runInto(t, loadTiny(t), a, Runner{Exec: fakeExec, Shard: Shard{0, 2}})
	runInto(t, loadTiny(t, "run.iterations=8"), b, Runner{Exec: fakeExec, Shard: Shard{1, 2}})
	_, err := Merge(t.TempDir(), []string{a, b})
	require.ErrorIs(t, err, ErrMismatch)
	assert.Contains(t, err.Error(), "iterations = 8")
	_, err = Merge(t.TempDir(), []string{a, t.TempDir()})
	assert.ErrorContains(t, err, "is not a results directory")
}

// TestResumeAfterInterrupt cancels a run after k finished jobs, then runs
// it again: only the missing jobs run, and the result equals an
// uninterrupted run.
func TestResumeAfterInterrupt(t *testing.T) {
	s := loadTiny(t)
	whole := t.TempDir()
	runInto(t, s, whole, Runner{Exec: fakeExec, Workers: 2})

	for _, k := range []int{0, 1, 3, 7} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := Runner{Dir: dir, Exec: fakeExec, Workers: 1, Progress: func(p Progress) {
				if p.Kind == JobFinished && p.Done == k || k == 0 && p.Kind == JobStarted {
					cancel()
				}
			}}
			_, err := r.Run(ctx, s)
			require.ErrorIs(t, err, context.Canceled)
			assert.Contains(t, err.Error(), "run again")
			files, _ := filepath.Glob(filepath.Join(dir, RunsDir, "*"))
			assert.Len(t, files, k, "finished runs kept, none half-written: %v", files)

			var resumed, ran int
			r = Runner{Dir: dir, Exec: fakeExec, Workers: 2, Progress: func(p Progress) {
				switch p.Kind {
				case JobResumed:
					resumed++
				case JobFinished:
					ran++
				}
			}}
			_, err = r.Run(context.Background(), s)
			require.NoError(t, err)
			assert.Equal(t, k, resumed)
			assert.Equal(t, 8-k, ran)
			assert.Equal(t, dirContent(t, whole), dirContent(t, dir))
		})
	}

	t.Run("deleted run files", func(t *testing.T) {
		dir := t.TempDir()
		runInto(t, s, dir, Runner{Exec: fakeExec})
		for _, id := range []string{"r0002", "r0005"} {
			require.NoError(t, os.Remove(RunPath(dir, id)))
		}
		var ran []string
		exec := func(ctx context.Context, j Job, on func(Row)) (Summary, error) {
			ran = append(ran, j.ID)
			return fakeExec(ctx, j, on)
		}
		runInto(t, s, dir, Runner{Exec: exec, Workers: 1})
		assert.Equal(t, []string{"r0002", "r0005"}, ran)
		assert.Equal(t, dirContent(t, whole), dirContent(t, dir))
	})
}

func TestRunRefusesOtherScenario(t *testing.T) {
	dir := t.TempDir()
	runInto(t, loadTiny(t), dir, Runner{Exec: fakeExec})
	r := Runner{Dir: dir, Exec: fakeExec}
	_, err := r.Run(context.Background(), loadTiny(t, "optimizer.adam.lr=0.02"))
	require.ErrorIs(t, err, ErrMismatch)
	assert.Contains(t, err.Error(), "lr = 0.02")
	assert.Contains(t, err.Error(), "remove "+dir)
}

func TestRunStopsOnExecutorError(t *testing.T) {
	s := loadTiny(t)
	dir := t.TempDir()
	boom := errors.New("no data")
	exec := func(ctx context.Context, j Job, on func(Row)) (Summary, error) {
		if j.Index == 2 {
			return Summary{}, boom
		}
		return fakeExec(ctx, j, on)
	}
	r := Runner{Dir: dir, Exec: exec, Workers: 1}
	_, err := r.Run(context.Background(), s)
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "run r0002 (adam, seed 2, optimizer.tngd.window.time=2)")
	files, _ := filepath.Glob(filepath.Join(dir, RunsDir, "*"))
	assert.Len(t, files, 2, "the jobs before the failure are kept")
	_, err = os.Stat(filepath.Join(dir, MetricsFile))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestSweepOrderSurvivesResolvedFile: Scenario.TOML may list the swept
// keys in another order than the file; results read back from
// scenario.toml still enumerate the jobs as the run did.
func TestSweepOrderSurvivesResolvedFile(t *testing.T) {
	s := loadTiny(t, `sweep.params={"optimizer.tngd.window.time"=[2, 5], "optimizer.adam.lr"=[0.01, 0.02]}`)
	s.Sweep.order = []string{"optimizer.tngd.window.time", "optimizer.adam.lr"} // the file's order
	dir := t.TempDir()
	want := runInto(t, s, dir, Runner{Exec: fakeExec})
	got, err := ReadResults(dir)
	require.NoError(t, err)
	require.Len(t, got.Runs, len(want.Runs))
	for i := range got.Runs {
		assert.Equal(t, want.Runs[i].Point, got.Runs[i].Point)
	}
	assert.Equal(t, want.Keys, got.Keys)

	// Running the resolved file into the directory finds every run.
	r, err := Load(filepath.Join(dir, ScenarioFile))
	require.NoError(t, err)
	ran := 0
	exec := func(ctx context.Context, j Job, on func(Row)) (Summary, error) {
		ran++
		return fakeExec(ctx, j, on)
	}
	again := runInto(t, r, dir, Runner{Exec: exec})
	assert.Zero(t, ran)
	for i := range again.Runs {
		assert.Equal(t, want.Runs[i].Point, again.Runs[i].Point)
	}
}

func TestRunInvalidPointLeavesNoDirectory(t *testing.T) {
	s := loadTiny(t, `sweep.params={"hardware.arrays.bits"=[8, 99]}`)
	dir := filepath.Join(t.TempDir(), "out")
	r := Runner{Dir: dir, Exec: fakeExec}
	_, err := r.Run(context.Background(), s)
	require.ErrorIs(t, err, ErrInvalid)
	_, err = os.Stat(dir)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestProgressEvents(t *testing.T) {
	s := loadTiny(t)
	dir := t.TempDir()
	var events []Progress
	runInto(t, s, dir, Runner{Exec: fakeExec, Workers: 2, Shard: Shard{1, 2}, Progress: func(p Progress) { events = append(events, p) }})
	count := map[ProgressKind]int{}
	for _, e := range events {
		count[e.Kind]++
		assert.Equal(t, 4, e.Total)
	}
	assert.Equal(t, map[ProgressKind]int{JobStarted: 4, JobEvaluated: 16, JobFinished: 4}, count)
	last := events[len(events)-1]
	assert.Equal(t, JobFinished, last.Kind)
	assert.Equal(t, 4, last.Done)
	line := last.Line()
	assert.Regexp(t, `^\[4/4\] r000[1357] (adam|tngd) seed=[12] optimizer.tngd.window.time=[25]: (finished|diverged), 12 it, test loss `, line)
}

func TestSimDuration(t *testing.T) {
	for _, tt := range []struct {
		s    float64
		want string
	}{{0, "0 s"}, {2.5, "2.5 s"}, {1.234e-3, "1.23 ms"}, {4.5e-4, "450 µs"}, {3e-8, "30 ns"}, {math.NaN(), "NaN"}} {
		assert.Equal(t, tt.want, SimDuration(tt.s))
	}
}
