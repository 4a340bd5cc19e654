package plots

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

// benchRuns returns seeds runs of n points of a noisy decaying loss; with
// shifted set, each seed's X is offset so that Aggregate interpolates.
func benchRuns(seeds, n int, shifted bool) []Trace {
	rng := rand.New(rand.NewPCG(6, 6))
	runs := make([]Trace, seeds)
	for s := range runs {
		runs[s].X = make([]float64, n)
		runs[s].Y = make([]float64, n)
		for i := range n {
			x := float64(i)
			if shifted {
				x += float64(s) / float64(seeds)
			}
			runs[s].X[i] = x
			runs[s].Y[i] = 2.3*math.Exp(-x/float64(n/4+1)) + 0.05*rng.Float64()
		}
	}
	return runs
}

func benchmarkMovingAverage(b *testing.B, n int) {
	y := benchRuns(1, n, false)[0].Y
	b.ReportAllocs()
	for b.Loop() {
		MovingAverage(y, 200)
	}
}

func BenchmarkMovingAverage1570(b *testing.B)   { benchmarkMovingAverage(b, 1570) }
func BenchmarkMovingAverage100000(b *testing.B) { benchmarkMovingAverage(b, 100000) }

func benchmarkAggregate(b *testing.B, n int, shifted bool) {
	runs := benchRuns(5, n, shifted)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Aggregate(runs, BandStd); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAggregateSameX1570(b *testing.B)    { benchmarkAggregate(b, 1570, false) }
func BenchmarkAggregateShifted1570(b *testing.B)  { benchmarkAggregate(b, 1570, true) }
func BenchmarkAggregateShifted15700(b *testing.B) { benchmarkAggregate(b, 15700, true) }

// benchmarkCurves builds the paper's Fig. 3 layout (4 optimizers × 5 seeds
// of n points, 200-point moving average) and encodes it as PNG.
func benchmarkCurves(b *testing.B, n int) {
	var groups []Group
	for _, name := range []string{"Adam", "TNGD", "NGD-CG", "NGD-Woodbury"} {
		groups = append(groups, Group{Label: name, Runs: benchRuns(5, n, false)})
	}
	c := Curves{Title: "Test loss", X: Axis{Label: "iteration"}, Y: Axis{Label: "test loss"}, Groups: groups, Smooth: 200}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		f, err := c.Figure()
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		if err := f.Encode(&buf, "png"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCurvesPNG1570(b *testing.B)  { benchmarkCurves(b, 1570) }
func BenchmarkCurvesPNG15700(b *testing.B) { benchmarkCurves(b, 15700) }
