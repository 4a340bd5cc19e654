package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Dataset is a supervised data set held in memory: Len samples of shape In
// with targets of length OutSize. For classification, Labels holds each
// sample's class and Y its one-hot encoding (OutSize = number of classes);
// for regression Labels is nil.
type Dataset struct {
	In      Shape
	OutSize int
	X       []float64 // Len × In.Size(), row-major
	Y       []float64 // Len × OutSize, row-major
	Labels  []int     // Len class indices in [0, OutSize), or nil
}

// Len returns the number of samples.
func (d *Dataset) Len() int {
	if d == nil || d.OutSize == 0 {
		return 0
	}
	return len(d.Y) / d.OutSize
}

// Classification reports whether the data set has labels.
func (d *Dataset) Classification() bool { return d.Labels != nil }

// Validate checks that the slices agree with the shapes and the labels with
// the one-hot targets' range.
func (d *Dataset) Validate() error {
	n := d.Len()
	switch {
	case d.In.Size() <= 0 || d.OutSize <= 0:
		return fmt.Errorf("nn: data set with input %v and %d outputs", d.In, d.OutSize)
	case len(d.Y) != n*d.OutSize || len(d.X) != n*d.In.Size():
		return fmt.Errorf("nn: data set slices of lengths %d and %d do not fit %d samples of %v → %d", len(d.X), len(d.Y), n, d.In, d.OutSize)
	case d.Labels != nil && len(d.Labels) != n:
		return fmt.Errorf("nn: %d labels for %d samples", len(d.Labels), n)
	}
	for i, l := range d.Labels {
		if l < 0 || l >= d.OutSize {
			return fmt.Errorf("nn: label %d of sample %d outside [0, %d)", l, i, d.OutSize)
		}
	}
	return nil
}

// Subset returns a new data set with copies of the samples idx, in that
// order. It panics for an index out of range.
func (d *Dataset) Subset(idx []int) *Dataset {
	in, out := d.In.Size(), d.OutSize
	s := &Dataset{In: d.In, OutSize: out, X: make([]float64, len(idx)*in), Y: make([]float64, len(idx)*out)}
	if d.Labels != nil {
		s.Labels = make([]int, len(idx))
	}
	for k, i := range idx {
		copy(s.X[k*in:(k+1)*in], d.X[i*in:(i+1)*in])
		copy(s.Y[k*out:(k+1)*out], d.Y[i*out:(i+1)*out])
		if d.Labels != nil {
			s.Labels[k] = d.Labels[i]
		}
	}
	return s
}

// Head returns the first n samples (all of them if n ≥ Len) as a new data
// set sharing no memory with d.
func (d *Dataset) Head(n int) *Dataset {
	n = min(max(n, 0), d.Len())
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return d.Subset(idx)
}

// WithLabels returns the samples whose label is one of keep, in their
// original order (targets keep their encoding over all classes). It panics
// for a regression data set.
func (d *Dataset) WithLabels(keep ...int) *Dataset {
	if d.Labels == nil {
		panic("nn: WithLabels on a regression data set")
	}
	want := make(map[int]bool, len(keep))
	for _, k := range keep {
		want[k] = true
	}
	var idx []int
	for i, l := range d.Labels {
		if want[l] {
			idx = append(idx, i)
		}
	}
	return d.Subset(idx)
}

// Shuffled returns a copy of d with its samples in a random order drawn
// from rng (Fisher–Yates). It panics if rng is nil.
func (d *Dataset) Shuffled(rng *rand.Rand) *Dataset {
	if rng == nil {
		panic("nn: Shuffled with nil rng")
	}
	idx := make([]int, d.Len())
	for i := range idx {
		idx[i] = i
	}
	rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	return d.Subset(idx)
}

// GatherTo copies the inputs and targets of the samples idx into x
// (len(idx)·In.Size()) and y (len(idx)·OutSize).
func (d *Dataset) GatherTo(x, y []float64, idx []int) {
	in, out := d.In.Size(), d.OutSize
	for k, i := range idx {
		copy(x[k*in:(k+1)*in], d.X[i*in:(i+1)*in])
		copy(y[k*out:(k+1)*out], d.Y[i*out:(i+1)*out])
	}
}

// TeacherStudent configures a synthetic task for fast tests: inputs drawn
// from N(0, I) and targets produced by a random "teacher" network
// Inputs → Hidden (tanh) → Outputs with N(0, 1/fan-in) weights. With
// Classify the label is the argmax of the teacher's output (cross-entropy
// task); otherwise the targets are the outputs plus N(0, Noise²) noise
// (squared-error task). Zero values mean: Inputs 8, Hidden 16, Outputs 3,
// Train 512, Test 256, Noise 0.
type TeacherStudent struct {
	Inputs   int     `toml:"inputs"`
	Hidden   int     `toml:"hidden"`
	Outputs  int     `toml:"outputs"`
	Train    int     `toml:"train"`
	Test     int     `toml:"test"`
	Classify bool    `toml:"classify"`
	Noise    float64 `toml:"noise"`
}

// Validate reports negative sizes or noise.
func (c TeacherStudent) Validate() error {
	if c.Inputs < 0 || c.Hidden < 0 || c.Outputs < 0 || c.Train < 0 || c.Test < 0 {
		return fmt.Errorf("nn: negative size in %+v", c)
	}
	if c.Noise < 0 || math.IsNaN(c.Noise) {
		return fmt.Errorf("nn: TeacherStudent.noise = %g", c.Noise)
	}
	return nil
}

// Generate draws the teacher and then the training and test sets from rng,
// in that order. It panics if rng is nil or c is invalid.
func (c TeacherStudent) Generate(rng *rand.Rand) (train, test *Dataset) {
	if rng == nil {
		panic("nn: TeacherStudent.Generate with nil rng")
	}
	if err := c.Validate(); err != nil {
		panic(err)
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Inputs, 8)
	def(&c.Hidden, 16)
	def(&c.Outputs, 3)
	def(&c.Train, 512)
	def(&c.Test, 256)
	teacher := NewSequential(Shape{c.Inputs, 1, 1}, Dense{Out: c.Hidden}, Tanh{}, Dense{Out: c.Outputs})
	theta := make([]float64, teacher.NumParams())
	// N(0, 1/fan-in) weights and small biases: the He init scaled by 1/√2.
	teacher.Init(theta, rng)
	for i := range theta {
		theta[i] = theta[i]/math.Sqrt2 + 0.1*rng.NormFloat64()
	}
	gen := func(n int) *Dataset {
		d := &Dataset{In: teacher.InShape(), OutSize: c.Outputs,
			X: make([]float64, n*c.Inputs), Y: make([]float64, n*c.Outputs)}
		for i := range d.X {
			d.X[i] = rng.NormFloat64()
		}
		p := NewPass(teacher, SquaredError{}, n)
		p.Forward(theta, d.X, nil)
		z := p.Outputs()
		if c.Classify {
			d.Labels = make([]int, n)
			for s := range n {
				best := 0
				for o := range c.Outputs {
					if z[s*c.Outputs+o] > z[s*c.Outputs+best] {
						best = o
					}
				}
				d.Labels[s] = best
				d.Y[s*c.Outputs+best] = 1
			}
			return d
		}
		for i := range d.Y {
			d.Y[i] = z[i] + c.Noise*rng.NormFloat64()
		}
		return d
	}
	return gen(c.Train), gen(c.Test)
}
