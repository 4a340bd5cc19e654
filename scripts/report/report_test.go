package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tngd/tngd/scenarios"
)

// TestReportOnTinyRun runs scenarios/testdata/tiny.toml (8 jobs of a
// fraction of a second), once as shipped and once with a reduced budget,
// and checks the report: it names every optimizer, links only figures that
// exist, and states the budget against the shipped file.
func TestReportOnTinyRun(t *testing.T) {
	shippedDir := filepath.Join("..", "..", "scenarios", "testdata")
	for _, tc := range []struct {
		name   string
		sets   []string
		budget string
	}{
		{"as shipped", nil, "full"},
		{"reduced", []string{"run.iterations=8", "run.seeds=[1]"}, "reduced: 1 of 2 seeds, 8 of 12 iterations per run (66.7 %)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			results := filepath.Join(root, "results")
			dir := filepath.Join(results, "tiny")
			s, err := scenarios.Load(filepath.Join(shippedDir, "tiny.toml"), tc.sets...)
			require.NoError(t, err)
			res, err := (&scenarios.Runner{Dir: dir, Workers: 1}).Run(context.Background(), s)
			require.NoError(t, err)
			plotsDir := filepath.Join(dir, scenarios.PlotsDir)
			require.NoError(t, os.MkdirAll(plotsDir, 0o755))
			_, problems := scenarios.WriteFigures(plotsDir, res, 0)
			require.Empty(t, problems)
			require.NoError(t, os.WriteFile(filepath.Join(results, "tiny.cmd"), []byte("tngd run tiny.toml\n"), 0o644))

			docs := filepath.Join(root, "docs")
			o := options{Results: results, Out: filepath.Join(docs, "reproduction.md"), Figures: filepath.Join(docs, "figures"),
				Scenarios: shippedDir, Names: []string{"tiny", "absent"}}
			// A stale figure from an earlier report must go.
			require.NoError(t, os.MkdirAll(o.Figures, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(o.Figures, "stale.png"), nil, 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(shippedDirCopy(t, shippedDir, &o), "absent.toml"), []byte(absentTOML), 0o644))
			require.NoError(t, generate(o))

			b, err := os.ReadFile(o.Out)
			require.NoError(t, err)
			md := string(b)
			for _, opt := range []string{"adam", "tngd"} {
				assert.Regexp(t, regexp.MustCompile(`(?m)^\| `+opt+` \|`), md, "a table row for %s", opt)
			}
			assert.Contains(t, md, "```sh\ntngd run tiny.toml\n```")
			assert.Contains(t, md, "**Budget:** "+tc.budget+".")
			assert.Contains(t, md, "## absent")
			assert.Contains(t, md, "Not run.")
			assert.NoFileExists(t, filepath.Join(o.Figures, "stale.png"))

			links := regexp.MustCompile(`!\[[^\]]*\]\(([^)]+)\)`).FindAllStringSubmatch(md, -1)
			require.NotEmpty(t, links, "the report embeds figures")
			assert.LessOrEqual(t, len(links), maxFigures)
			for _, l := range links {
				assert.True(t, strings.HasPrefix(l[1], "figures/tiny-"), "link %s", l[1])
				assert.FileExists(t, filepath.Join(docs, filepath.FromSlash(l[1])))
			}
			copied, _ := filepath.Glob(filepath.Join(o.Figures, "*.png"))
			assert.Len(t, copied, len(links), "exactly the linked figures are copied")
		})
	}
}

// absentTOML is a scenario with no results, which gets a "not run" section.
const absentTOML = `
[task]
dataset = "teacher-student"
[[optimizer]]
kind = "adam"
`

// shippedDirCopy copies the shipped tiny.toml into a temporary scenarios
// directory, points o at it, and returns it.
func shippedDirCopy(t *testing.T, shippedDir string, o *options) string {
	dir := filepath.Join(t.TempDir(), "scenarios")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	b, err := os.ReadFile(filepath.Join(shippedDir, "tiny.toml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tiny.toml"), b, 0o644))
	o.Scenarios = dir
	return dir
}

// synth builds Results by hand, so that the rules meet data whose verdict
// is known. src is a scenario (its optimizers and sweep give the lines'
// kinds and points); each run is given by its optimizer, point, curves and
// time per iteration.
type synthRun struct {
	opt   string
	point scenarios.Point
	seed  uint64
	loss  []float64 // test loss at iterations 0, 10, 20, …
	acc   []float64 // test accuracy at the same iterations
	per   scenarios.Phases
	cos   float64
}

func synth(t *testing.T, src string, runs []synthRun) *scenarios.Results {
	t.Helper()
	s, err := scenarios.Parse("synth.toml", []byte(src))
	require.NoError(t, err)
	res := &scenarios.Results{Scenario: s, Keys: s.Sweep.Keys()}
	for i, r := range runs {
		require.Equal(t, len(r.loss), len(r.acc))
		seed := r.seed
		if seed == 0 {
			seed = 1
		}
		rec := &scenarios.Record{Index: i, ID: fmt.Sprintf("r%04d", i), Point: r.point, Seed: seed, Optimizer: r.opt}
		n := len(r.loss) - 1
		for k := range r.loss {
			it := 10 * k
			rec.Rows = append(rec.Rows, scenarios.Row{Optimizer: r.opt, Seed: seed, Iteration: it,
				SimTime: float64(it) * r.per.Total(), TestLoss: r.loss[k], TestAcc: r.acc[k], SolveCos: r.cos})
		}
		best, bestAcc := math.Inf(1), 0.0
		for k := range r.loss {
			best, bestAcc = math.Min(best, r.loss[k]), math.Max(bestAcc, r.acc[k])
		}
		rec.Summary = scenarios.Summary{RunID: rec.ID, Point: r.point, Optimizer: r.opt, Seed: seed, Outcome: scenarios.Finished,
			Iterations: 10 * n, SimTime: float64(10*n) * r.per.Total(), PerIteration: r.per,
			FinalTestLoss: r.loss[n], FinalTestAcc: r.acc[n], BestTestLoss: best, BestTestAcc: bestAcc, MeanSolveCos: r.cos}
		res.Runs = append(res.Runs, rec)
	}
	return res
}

// verdicts returns the verdict of each non-extension claim, keyed by
// "Figure: Paper".
func verdicts(cl []Claim) map[string]Verdict {
	out := map[string]Verdict{}
	for _, c := range cl {
		if !c.Extension {
			out[c.Figure+": "+c.Paper] = c.Verdict
		}
	}
	return out
}

const fig3TOML = `
[task]
dataset = "teacher-student"
[[optimizer]]
kind = "tngd"
window.time = 50
[[optimizer]]
kind = "adam"
`

func TestTNGDVersusAdam(t *testing.T) {
	// Times per iteration: Adam 10 µs of digital time; TNGD either with a
	// 1 ms upload (101× Adam) or only 13 µs (1.3× Adam, within the factor
	// of two of the paper's 2× that the rule allows).
	adam := scenarios.Phases{Digital: 10e-6}
	slow := scenarios.Phases{Digital: 10e-6, Upload: 1e-3}
	fast := scenarios.Phases{Digital: 10e-6, Analog: 3e-6}
	init := 2.3
	ahead := []float64{init, 1.0, 0.6, 0.4}
	behind := []float64{init, 1.5, 1.0, 0.8}
	accAhead := []float64{0.1, 0.7, 0.85, 0.9}
	accBehind := []float64{0.1, 0.5, 0.7, 0.8}
	const perIter = "Fig. 3: TNGD trains faster than Adam per iteration"
	const perTime = "Fig. 3: TNGD trains faster than Adam per unit of time"
	const cost = "Runtime: a TNGD iteration costs about 2× an Adam iteration"
	for _, tc := range []struct {
		name       string
		tngd       synthRun
		iter, time Verdict
		costV      Verdict
	}{
		// TNGD better at every evaluation but 100× slower per iteration:
		// TNGD reaches Adam's final values at iteration 20 (20 × 1.01 ms),
		// Adam at iteration 30 (30 × 10 µs).
		{"better per iteration, slower per time", synthRun{opt: "tngd", loss: ahead, acc: accAhead, per: slow}, Agrees, Disagrees, Disagrees},
		// Same curves at 1.3× Adam's cost: 20 × 13 µs < 30 × 10 µs.
		{"better per iteration and per time", synthRun{opt: "tngd", loss: ahead, acc: accAhead, per: fast}, Agrees, Agrees, Agrees},
		// Better accuracy, worse loss: the metrics split.
		{"metrics split", synthRun{opt: "tngd", loss: ahead, acc: accBehind, per: fast}, PartlyAgrees, PartlyAgrees, Agrees},
		{"worse", synthRun{opt: "tngd", loss: []float64{init, 2.0, 1.9, 1.8}, acc: []float64{0.1, 0.2, 0.3, 0.4}, per: fast}, Disagrees, Disagrees, Agrees},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := synth(t, fig3TOML, []synthRun{tc.tngd, {opt: "adam", loss: behind, acc: []float64{0.1, 0.6, 0.75, 0.85}, per: adam}})
			v := verdicts(claims(res))
			assert.Equal(t, tc.iter, v[perIter], "per iteration")
			assert.Equal(t, tc.time, v[perTime], "per time")
			assert.Equal(t, tc.costV, v[cost], "cost")
		})
	}
}

const fig4aTOML = `
[task]
dataset = "teacher-student"
[[optimizer]]
kind = "tngd"
window.time = 50
[[optimizer]]
kind = "ngd"
[sweep.params]
"optimizer.tngd.window.time" = [5.0, 10.0, 20.0, 50.0]
`

func TestAnalogTime(t *testing.T) {
	const grows = "Fig. 4a: TNGD improves as the analog time t grows"
	const near = "Fig. 4a: at t = 50τ TNGD is close to exact NGD"
	ts := []float64{5, 10, 20, 50}
	// NGD improves the loss from 2 to 1 and the accuracy from 0.1 to 0.9;
	// TNGD at each t reaches the given fraction of both improvements.
	run := func(fracs []float64) []synthRun {
		var runs []synthRun
		for i, t := range ts {
			p := scenarios.Point{{Key: "optimizer.tngd.window.time", Value: t}}
			f := fracs[i]
			runs = append(runs,
				synthRun{opt: "tngd", point: p, loss: []float64{2, 2 - f}, acc: []float64{0.1, 0.1 + 0.8*f}, per: scenarios.Phases{Digital: 1}},
				synthRun{opt: "ngd", point: p, loss: []float64{2, 1}, acc: []float64{0.1, 0.9}, per: scenarios.Phases{Digital: 1}})
		}
		return runs
	}
	for _, tc := range []struct {
		name        string
		fracs       []float64
		grows, near Verdict
	}{
		{"monotone, 95 % at 50τ", []float64{0.5, 0.7, 0.85, 0.95}, Agrees, Agrees},
		{"monotone, 80 % at 50τ", []float64{0.5, 0.6, 0.7, 0.8}, Agrees, Disagrees},
		// Pairs of t: 5 increasing (5<10, 5<20, 5<50, 10<50, 20<50), 1
		// decreasing (10>20).
		{"one dip", []float64{0.5, 0.8, 0.7, 0.92}, PartlyAgrees, Agrees},
		{"decreasing", []float64{0.9, 0.8, 0.7, 0.6}, Disagrees, Disagrees},
		// All within minEffect of each other: no trend.
		{"flat", []float64{0.950, 0.953, 0.953, 0.945}, Disagrees, Agrees},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := verdicts(claims(synth(t, fig4aTOML, run(tc.fracs))))
			assert.Equal(t, tc.grows, v[grows])
			assert.Equal(t, tc.near, v[near])
		})
	}
}

// fig4bTOML has a test set of 20 000 samples: the noise floor of the
// accuracy (metric.floor) is then 2√2·√(0.82·0.18/20000) ≈ 0.8 points, below
// the changes of the cases, whose loss changes are also beyond minEffect.
const fig4bTOML = `
[task]
dataset = "teacher-student"
[task.teacher_student]
test = 20000
[[optimizer]]
kind = "tngd"
window.time = 5
[sweep.params]
"optimizer.tngd.window.delay" = [0.0, 0.2, 1.0]
`

func TestDelayMomentum(t *testing.T) {
	const key = "Fig. 4b: a delay t_d > 0 acts like momentum and improves training"
	mk := func(losses, accs []float64, seeds int) []synthRun {
		var runs []synthRun
		for i, d := range []float64{0, 0.2, 1} {
			for s := range seeds {
				// Seeds add ±0.002 to the loss: the paired differences are
				// the same for every seed, so their standard error is 0.
				off := 0.002 * float64(s)
				runs = append(runs, synthRun{opt: "tngd", seed: uint64(s + 1), point: scenarios.Point{{Key: "optimizer.tngd.window.delay", Value: d}},
					loss: []float64{2, losses[i] + off}, acc: []float64{0.1, accs[i]}, per: scenarios.Phases{Digital: 1}})
			}
		}
		return runs
	}
	for _, tc := range []struct {
		name         string
		losses, accs []float64
		seeds        int
		want         Verdict
	}{
		{"both delays help", []float64{1.0, 0.9, 0.8}, []float64{0.80, 0.85, 0.88}, 1, Agrees},
		{"both help, three seeds", []float64{1.0, 0.9, 0.8}, []float64{0.80, 0.85, 0.88}, 3, Agrees},
		{"one helps", []float64{1.0, 0.9, 1.0}, []float64{0.80, 0.85, 0.80}, 1, PartlyAgrees},
		// A 0.5 % change is below minEffect: no clear effect.
		{"no effect", []float64{1.0, 0.995, 1.004}, []float64{0.80, 0.802, 0.799}, 1, Disagrees},
		{"delays hurt", []float64{1.0, 1.2, 1.4}, []float64{0.80, 0.70, 0.60}, 1, Disagrees},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := verdicts(claims(synth(t, fig4bTOML, mk(tc.losses, tc.accs, tc.seeds))))
			assert.Equal(t, tc.want, v[key])
		})
	}
}

const fig7TOML = `
[task]
dataset = "teacher-student"
[hardware.noise]
injected_psd = 1e-17
[[optimizer]]
name = "ideal-t1"
kind = "tngd"
device = "ideal"
window.time = 1
kappa0 = 1e-2
[[optimizer]]
name = "circuit-t1"
kind = "tngd"
window.time = 1
[sweep]
mode = "zip"
[sweep.params]
"optimizer.ideal-t1.kappa0" = [1e-3, 1e-2, 1e-1]
"hardware.noise.injected_psd" = [1e-18, 1e-17, 1e-16]
`

func TestNoiseThreshold(t *testing.T) {
	// Each level's loss improvement (from 2) as a fraction of the lowest
	// level's (2 → 1); accuracy follows the same fractions.
	mk := func(fracs []float64) []synthRun {
		var runs []synthRun
		for i, k := range []float64{1e-3, 1e-2, 1e-1} {
			p := scenarios.Point{{Key: "optimizer.ideal-t1.kappa0", Value: k}, {Key: "hardware.noise.injected_psd", Value: k * 1e-15}}
			f := fracs[i]
			for _, o := range []string{"ideal-t1", "circuit-t1"} {
				runs = append(runs, synthRun{opt: o, point: p, loss: []float64{2, 2 - f}, acc: []float64{0.1, 0.1 + 0.8*f}, per: scenarios.Phases{Digital: 1}})
			}
		}
		return runs
	}
	for _, tc := range []struct {
		name  string
		fracs []float64
		want  Verdict
	}{
		{"threshold at 1e-1", []float64{1, 0.95, 0.5}, Agrees},
		{"1e-2 already hurts", []float64{1, 0.6, 0.5}, PartlyAgrees},
		{"1e-1 does not hurt", []float64{1, 0.97, 0.95}, PartlyAgrees},
		{"opposite", []float64{1, 0.5, 0.95}, Disagrees},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := claims(synth(t, fig7TOML, mk(tc.fracs)))
			var paper, ext []Claim
			for _, c := range cl {
				if c.Figure != "Fig. 7" {
					continue
				}
				if c.Extension {
					ext = append(ext, c)
				} else {
					paper = append(paper, c)
				}
			}
			require.Len(t, paper, 1, "one verdict, on the ideal device at t = τ")
			assert.Equal(t, tc.want, paper[0].Verdict)
			assert.Contains(t, paper[0].Evidence, "ideal-t1")
			require.Len(t, ext, 1, "the circuit variant as an extension")
			assert.Equal(t, tc.want, ext[0].Verdict, "the circuit's levels are labelled by the ideal κ₀ of its point")
		})
	}
}

const fig5TOML = `
[task]
dataset = "teacher-student"
[[optimizer]]
kind = "tngd-adam"
[[optimizer]]
kind = "tngd"
[[optimizer]]
kind = "adam"
`

func TestFinetuneOrder(t *testing.T) {
	const key = "Fig. 5: in fine-tuning, TNGD-Adam > Adam > TNGD"
	for _, tc := range []struct {
		name string
		acc  [3]float64 // TNGD-Adam, TNGD, Adam
		want Verdict
	}{
		{"paper's order", [3]float64{0.95, 0.77, 0.85}, Agrees},
		{"TNGD beats Adam", [3]float64{0.95, 0.90, 0.85}, PartlyAgrees},
		{"reversed", [3]float64{0.70, 0.90, 0.80}, Disagrees},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var runs []synthRun
			for i, o := range []string{"tngd-adam", "tngd", "adam"} {
				// The loss follows the accuracy, so both metrics agree.
				runs = append(runs, synthRun{opt: o, loss: []float64{3, 1 - tc.acc[i]}, acc: []float64{0, tc.acc[i]}, per: scenarios.Phases{Digital: 1}})
			}
			v := verdicts(claims(synth(t, fig5TOML, runs)))
			assert.Equal(t, tc.want, v[key])
		})
	}
}

func TestFloor(t *testing.T) {
	// Accuracy: 2√2·√(0.9·0.1/2000) = 0.01897; the loss: 1 % of the larger.
	assert.InDelta(t, 0.01897, testAcc.floor(0.9, 0.9, 2000), 1e-5)
	assert.InDelta(t, 0.02, testLoss.floor(1.5, 2, 2000), 1e-12)
	// A large test set leaves minEffect of the accuracy.
	assert.InDelta(t, 0.009, testAcc.floor(0.9, 0.9, 1e9), 1e-12)
}

func TestCombine(t *testing.T) {
	for _, tc := range []struct {
		in   []Verdict
		want Verdict
	}{
		{[]Verdict{Agrees, Agrees}, Agrees},
		{[]Verdict{Disagrees, Disagrees}, Disagrees},
		{[]Verdict{Agrees, Disagrees}, PartlyAgrees},
		{[]Verdict{Inconclusive, Disagrees}, Disagrees},
		{[]Verdict{Inconclusive, Inconclusive}, Inconclusive},
		{[]Verdict{PartlyAgrees, Agrees}, PartlyAgrees},
	} {
		assert.Equal(t, tc.want, combine(tc.in...), "%v", tc.in)
	}
}

func TestImprovement(t *testing.T) {
	ref := stats{InitLoss: 2, FinalLoss: 1, InitAcc: 0.1, FinalAcc: 0.9}
	s := stats{InitLoss: 2, FinalLoss: 1.5, InitAcc: 0.1, FinalAcc: 0.5}
	// Half of the loss improvement (0.5 of 1), half of the accuracy's
	// (0.4 of 0.8); 1e-12 covers rounding of the decimal inputs.
	assert.InDelta(t, 0.5, testLoss.improvement(s, ref), 1e-12)
	assert.InDelta(t, 0.5, testAcc.improvement(s, ref), 1e-12)
	flat := stats{InitLoss: 2, FinalLoss: 2, InitAcc: 0.1, FinalAcc: 0.1}
	assert.True(t, math.IsNaN(testLoss.improvement(s, flat)), "no reference improvement")
}

func TestBudget(t *testing.T) {
	shipped, err := scenarios.Parse("paper.toml", []byte(`
[run]
seeds = [1, 2, 3, 4, 5]
[task.mnist]
train = 10000
test = 10000
[[optimizer]]
kind = "adam"
[sweep.params]
"optimizer.adam.lr" = [1e-3, 1e-2, 1e-1]
`))
	require.NoError(t, err)
	assert.Nil(t, budget(shipped, shipped, true), "nothing reduced")
	assert.Equal(t, 1570, iterations(shipped), "10 epochs of ⌈10 000/64⌉ = 157 steps")
	run, err := scenarios.Parse("paper.toml", []byte(`
[run]
seeds = [1]
iterations = 80
[task.mnist]
train = 10000
test = 2000
[[optimizer]]
kind = "adam"
[sweep.params]
"optimizer.adam.lr" = [1e-3, 1e-1]
`))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"1 of 5 seeds",
		"80 of 1 570 iterations per run (5.1 %)",
		"test subset 2 000 of 10 000 images",
		"2 of 3 sweep points (adam.lr {0.001, 0.1} of {0.001, 0.01, 0.1})",
	}, budget(shipped, run, true))
	assert.Equal(t, "2 of 3 sweep points", budget(shipped, run, false)[3], "without the values")
}

const codesignTOML = `
[task]
dataset = "teacher-student"
[[optimizer]]
kind = "tngd"
[sweep.params]
"hardware.adc.bits" = [6, 12]
"hardware.arrays.bits" = [4, 12]
`

func TestCodesign(t *testing.T) {
	// Accuracy: the 6-bit ADC stalls training except with 4-bit arrays, an
	// interaction that the averages over the other key hide.
	acc := map[[2]int64]float64{{6, 4}: 0.6, {6, 12}: 0.1, {12, 4}: 0.7, {12, 12}: 0.8}
	var runs []synthRun
	for _, adc := range []int64{6, 12} {
		for _, arr := range []int64{4, 12} {
			a := acc[[2]int64{adc, arr}]
			runs = append(runs, synthRun{opt: "tngd", point: scenarios.Point{{Key: "hardware.adc.bits", Value: adc}, {Key: "hardware.arrays.bits", Value: arr}},
				loss: []float64{2, 2 - a}, acc: []float64{0.1, a}, per: scenarios.Phases{Upload: 1}})
		}
	}
	cl := claims(synth(t, codesignTOML, runs))
	var ev []string
	for _, c := range cl {
		require.True(t, c.Extension, "the paper has no co-design claim: %s", c.Paper)
		ev = append(ev, c.Evidence)
	}
	all := strings.Join(ev, "\n")
	// Marginal means: adc 6 → (0.6+0.1)/2, 12 → 0.75 (range 40 points);
	// arrays 4 → 0.65, 12 → 0.45 (range 20 points): adc first.
	assert.Contains(t, all, "adc.bits: 35.0 % at 6, 75.0 % at 12, the fewest bits within 1 point of the best: 12 (range 40.0 points); arrays.bits: 65.0 % at 4, 45.0 % at 12")
	assert.Contains(t, all, "arrays.bits with adc.bits = 6: 60.0 % at 4, 10.0 % at 12; with adc.bits = 12: 70.0 % at 4, 80.0 % at 12")
	assert.Contains(t, all, "upload dominates, 100.0 %")
}

func TestTrend(t *testing.T) {
	for _, tc := range []struct {
		vs       []float64
		tol      float64
		up, down int
	}{
		{[]float64{1, 2, 3}, 0, 3, 0},
		{[]float64{3, 2, 1}, 0, 0, 3},
		// Within the tolerance: no pair counts.
		{[]float64{1.040, 1.043, 1.043, 1.035}, 0.01, 0, 0},
		{[]float64{1, math.NaN(), 2}, 0, 1, 0},
	} {
		up, down := trend(tc.vs, tc.tol)
		assert.Equal(t, [2]int{tc.up, tc.down}, [2]int{up, down}, "%v", tc.vs)
	}
}
