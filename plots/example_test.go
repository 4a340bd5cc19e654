package plots_test

import (
	"fmt"
	"log"
	"os"

	"github.com/tngd/tngd/plots"
)

// Curves is the main entry point: per-seed runs in, one mean line with a
// band per optimizer out.
func ExampleCurves() {
	seeds := []plots.Trace{
		{X: []float64{0, 100, 200}, Y: []float64{2.3, 0.9, 0.5}},
		{X: []float64{0, 100, 200}, Y: []float64{2.3, 1.1, 0.7}},
	}
	fig, err := plots.Curves{
		Title:  "Test loss",
		X:      plots.Axis{Label: "iteration"},
		Y:      plots.Axis{Label: "test loss"},
		Groups: []plots.Group{{Label: "TNGD", Runs: seeds}},
	}.Figure()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(fig.Describe())

	dir, err := os.MkdirTemp("", "plots")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := fig.Save(dir, "test_loss"); err != nil { // test_loss.png and test_loss.svg
		log.Fatal(err)
	}
	// Output:
	// figure: "Test loss"
	// x: "iteration" [linear]
	// y: "test loss" [linear]
	// series "TNGD" (mean of 2 runs, band min/max): 3 points
	//   x	y	lo	hi
	//   0	2.3	2.3	2.3
	//   100	1	0.9	1.1
	//   200	0.6	0.5	0.7
}

// ParetoFront picks the configurations no other beats on both cost and
// accuracy.
func ExampleParetoFront() {
	bits := []float64{4, 6, 8, 12} // cost proxy
	accuracy := []float64{0.80, 0.93, 0.92, 0.95}
	fmt.Println(plots.ParetoFront(bits, accuracy, true))
	// Output: [0 1 3]
}

// MovingAverage smooths a curve with a centred window, as the paper's
// 200-point moving average (here 3 points; the ends are kept).
func ExampleMovingAverage() {
	fmt.Println(plots.MovingAverage([]float64{3, 6, 0, 6, 3}, 3))
	// Output: [3 3 4 3 3]
}
