package nn

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Model is a sequential network: a chain of layers mapping one sample of
// shape In to an output vector of length OutSize. It holds the architecture
// only; the parameters live in a flat vector θ of length NumParams owned by
// the caller, laid out layer after layer in the order of each layer's doc
// (so optimizers and the Jacobian's columns index the same vector). A Model
// is immutable after construction and safe for concurrent use; per-batch
// state lives in a [Pass].
type Model struct {
	inShape Shape
	layers  []layer
	offsets []int // offsets[l] is the first θ index of layer l; offsets[len] = N
	maxSize int   // largest activation size, input included
}

// NewSequential builds a model with input shape in from the layer
// specifications, inferring each layer's input shape from the previous
// layer's output. It panics for an empty list, non-positive sizes or a
// layer that does not fit its input (misuse).
func NewSequential(in Shape, specs ...Layer) *Model {
	if in.C <= 0 || in.H <= 0 || in.W <= 0 {
		panic(fmt.Sprintf("nn: invalid input shape %v", in))
	}
	if len(specs) == 0 {
		panic("nn: NewSequential with no layers")
	}
	m := &Model{inShape: in, offsets: make([]int, 1, len(specs)+1), maxSize: in.Size()}
	cur := in
	for _, s := range specs {
		if s == nil {
			panic("nn: nil layer")
		}
		l := s.build(cur)
		m.layers = append(m.layers, l)
		m.offsets = append(m.offsets, m.offsets[len(m.offsets)-1]+l.numParams())
		cur = l.out()
		m.maxSize = max(m.maxSize, cur.Size())
	}
	return m
}

// NumParams returns N, the length of θ.
func (m *Model) NumParams() int { return m.offsets[len(m.offsets)-1] }

// InShape returns the shape of one input sample.
func (m *Model) InShape() Shape { return m.inShape }

// InSize returns the number of input values per sample.
func (m *Model) InSize() int { return m.inShape.Size() }

// OutSize returns dz, the number of outputs per sample.
func (m *Model) OutSize() int { return m.layers[len(m.layers)-1].out().Size() }

// NumLayers returns the number of layers.
func (m *Model) NumLayers() int { return len(m.layers) }

// Layer returns the specification of layer l (with defaults filled in) and
// the half-open range [lo, hi) of its parameters in θ (lo = hi for a layer
// without parameters). It panics if l is out of range.
func (m *Model) Layer(l int) (spec Layer, lo, hi int) {
	return m.layers[l].spec(), m.offsets[l], m.offsets[l+1]
}

// Init draws initial parameters into theta (length NumParams) from rng:
// every weight and bias of a layer with fan-in n (In for Dense, C·K·K for
// Conv2D) uniform on ±1/√n, PyTorch's default. (He-normal weights trained
// the MNIST CNN to a lower test accuracy: their large initial logits cost
// about half a percent after 10 epochs.) It panics if rng
// is nil or theta has the wrong length. The same rng state gives the same θ.
func (m *Model) Init(theta []float64, rng *rand.Rand) {
	if rng == nil {
		panic("nn: Model.Init with nil rng")
	}
	m.checkTheta(theta)
	for i, l := range m.layers {
		l.initParams(theta[m.offsets[i]:m.offsets[i+1]], rng)
	}
}

func (m *Model) checkTheta(theta []float64) {
	if len(theta) != m.NumParams() {
		panic(fmt.Sprintf("nn: θ has length %d, model has %d parameters", len(theta), m.NumParams()))
	}
}

// FLOPs counts floating-point operations per sample (a multiply-add counts
// as two), for compute-time models.
type FLOPs struct {
	// Forward is one forward pass.
	Forward int
	// Backward is one backward pass for one cotangent (input and parameter
	// gradients), about twice Forward. A minibatch gradient costs
	// Forward + Backward per sample; the Jacobian costs Forward + dz·Backward
	// per sample; a GGN-vector product costs about Forward (the JVP) +
	// Backward per sample on top of the cached forward pass.
	Backward int
}

// FLOPs returns the operation counts of the model per sample.
func (m *Model) FLOPs() FLOPs {
	f := 0
	for _, l := range m.layers {
		f += l.flops()
	}
	return FLOPs{Forward: f, Backward: 2 * f}
}

// String summarises the model: one line per layer with its output shape and
// number of parameters, then the total N.
func (m *Model) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "input %v\n", m.inShape)
	for i, l := range m.layers {
		fmt.Fprintf(&b, "%-40s -> %-12v %7d params\n", fmt.Sprintf("%T%+v", l.spec(), l.spec()), l.out(), m.offsets[i+1]-m.offsets[i])
	}
	fmt.Fprintf(&b, "N = %d parameters", m.NumParams())
	return b.String()
}

// Split cuts the model before layer l (0 < l < NumLayers) into a body
// (layers [0, l)) and a head (layers [l, end)), whose parameters are
// theta[:lo] and theta[lo:] of the whole model's θ. Fine-tuning the last
// layers is training the head on the body's [Model.Features] of the data.
// It panics if l is out of range.
func (m *Model) Split(l int) (body, head *Model, lo int) {
	if l <= 0 || l >= len(m.layers) {
		panic(fmt.Sprintf("nn: Split at layer %d of %d", l, len(m.layers)))
	}
	specs := make([]Layer, len(m.layers))
	for i, lay := range m.layers {
		specs[i] = lay.spec()
	}
	body = NewSequential(m.inShape, specs[:l]...)
	head = NewSequential(m.layers[l].in(), specs[l:]...)
	return body, head, m.offsets[l]
}

// Features returns a new data set whose inputs are the model's outputs at
// theta on d's inputs (computed in chunks of 128 samples), with d's targets
// and labels: the input of a head from [Model.Split]. Its input shape is
// the model's output size as a vector. It panics if the shapes disagree.
func (m *Model) Features(theta []float64, d *Dataset) *Dataset {
	if d.In.Size() != m.InSize() {
		panic(fmt.Sprintf("nn: Features of %v data through a model for %v", d.In, m.inShape))
	}
	out := m.OutSize()
	n := d.Len()
	f := &Dataset{In: m.layers[len(m.layers)-1].out(), OutSize: d.OutSize,
		X: make([]float64, n*out), Y: append([]float64(nil), d.Y...)}
	if d.Labels != nil {
		f.Labels = append([]int(nil), d.Labels...)
	}
	p := NewPass(m, SquaredError{}, 128)
	in := m.InSize()
	for lo := 0; lo < n; lo += 128 {
		hi := min(lo+128, n)
		p.Forward(theta, d.X[lo*in:hi*in], nil)
		copy(f.X[lo*out:hi*out], p.Outputs())
	}
	return f
}
