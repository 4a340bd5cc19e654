package main

import (
	"fmt"
	"math"

	"github.com/tngd/tngd/plots"
)

// namedSpec is one figure of a command: the base name of its files
// (base.png and base.svg) and its description.
type namedSpec struct {
	base string
	spec plots.Spec
}

// figureHook, when not nil, is called with every figure a command draws,
// before it is saved; tests use it to read the specs and their text records.
var figureHook func(base string, spec plots.Spec, fig *plots.Figure)

// saveFigures draws each figure and writes it into dir as PNG and SVG,
// creating dir if needed. The first error (data that cannot be drawn, a
// file that cannot be written) stops it and is returned with the figure's
// name.
func saveFigures(dir string, figs []namedSpec) error {
	for _, nf := range figs {
		fig, err := nf.spec.Figure()
		if err != nil {
			return fmt.Errorf("figure %s: %w", nf.base, err)
		}
		if figureHook != nil {
			figureHook(nf.base, nf.spec, fig)
		}
		if err := fig.Save(dir, nf.base); err != nil {
			return fmt.Errorf("figure %s: %w", nf.base, err)
		}
	}
	return nil
}

// sampleMoments returns the mean and the sample variance (n − 1 in the
// denominator; NaN for fewer than two values) of xs.
func sampleMoments(xs []float64) (mean, variance float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, math.NaN()
	}
	for _, x := range xs {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(xs)-1)
}
