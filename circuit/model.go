package circuit

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Model is a linear stochastic state-space model
//
//	dx = (−A x + B u) dt + L dW,   D = L Lᵀ,
//
// with state x (r values, volts for a circuit), piecewise-constant inputs u
// (amperes or volts) and diffusion matrix D (V²/s), together with the map
// from the state back to every node voltage of the circuit it came from.
// A is stable (every eigenvalue has a positive real part). A Model is
// immutable and safe for concurrent use; create it with [Circuit.Assemble]
// or [NewModel].
type Model struct {
	a, b, d *dense // r×r drift (1/s), r×nu input (1/s per unit), r×r diffusion (V²/s)

	states, nodes, inputs []string
	values                []float64 // default inputs

	vx, vu *dense // node voltages v = vx x + vu u (n×r, n×nu)
	wv     *dense // state x = wv v (r×n)
	jump   *dense // state jump per unit input step (r×nu)
	nodal  bool
	jumps  bool // jump ≠ 0

	temperature float64

	ainvB *dense // A⁻¹B, r×nu: stationary mean per unit input

	sigmaOnce sync.Once
	sigma     []float64
	sigmaErr  error
}

// NewModel returns the model dx = (−A x + B u) dt + L dW with LLᵀ = D built
// directly from matrices, for callers that reduce a circuit analytically.
// drift (A) must be square, r×r, r ≥ 1, and stable; input (B, r×nu) may be
// nil for no inputs; diffusion (D, r×r) may be nil for a deterministic model
// and must otherwise be positive semidefinite. The states and nodes are
// labelled "x0" … "x{r−1}" (node voltages are the states), the inputs
// "u0" … with default value 0. The matrices are copied, not retained.
//
// It returns an error wrapping [ErrInvalid] for non-finite entries or an
// indefinite D, and an [*UnstableError] for a drift that is not stable. It
// panics if the dimensions do not match.
func NewModel(drift, input mat.Matrix, diffusion mat.Symmetric) (*Model, error) {
	r, c := drift.Dims()
	if r != c || r == 0 {
		panic("circuit: NewModel: drift must be square and non-empty")
	}
	a := denseOf(drift)
	b := newDense(r, 0)
	if input != nil {
		if ir, _ := input.Dims(); ir != r {
			panic("circuit: NewModel: input rows do not match drift")
		}
		b = denseOf(input)
	}
	d := newDense(r, r)
	if diffusion != nil {
		if diffusion.SymmetricDim() != r {
			panic("circuit: NewModel: diffusion does not match drift")
		}
		d = denseOf(diffusion)
	}
	for _, m := range []*dense{a, b, d} {
		for _, v := range m.d {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: non-finite matrix entry", ErrInvalid)
			}
		}
	}
	if diffusion != nil {
		var es mat.EigenSym
		if !es.Factorize(d.toSym(), false) {
			return nil, fmt.Errorf("%w: eigen-decomposition of the diffusion failed", ErrInvalid)
		}
		vals := es.Values(nil)
		if vals[0] < -1e-10*max(math.Abs(vals[r-1]), math.SmallestNonzeroFloat64) {
			return nil, fmt.Errorf("%w: diffusion has eigenvalue %g < 0 (not positive semidefinite)", ErrInvalid, vals[0])
		}
	}
	nu := b.c
	m := &Model{
		a: a, b: b, d: d,
		states: labels("x", r), inputs: labels("u", nu), values: make([]float64, nu),
		vx: identity(r), vu: newDense(r, nu), wv: identity(r), jump: newDense(r, nu),
		nodal: true,
	}
	m.nodes = m.states
	if err := m.finish(); err != nil {
		return nil, err
	}
	return m, nil
}

func labels(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// finish checks stability and precomputes A⁻¹B.
func (m *Model) finish() error {
	r := m.a.r
	m.jumps = m.jump.maxAbs() != 0
	if r == 0 {
		m.ainvB = newDense(0, m.b.c)
		return nil
	}
	for _, v := range m.a.d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: non-finite drift", ErrInvalid)
		}
	}
	norm := 0.0
	for j := range r {
		s := 0.0
		for i := range r {
			s += math.Abs(m.a.at(i, j))
		}
		norm = max(norm, s)
	}
	if stableSymmetrizable(m.a, stabilityTol*norm) {
		x, ok := solve(m.a, m.b)
		if !ok {
			return &UnstableError{Node: m.states[0], Rate: complex(math.NaN(), 0)}
		}
		m.ainvB = x
		return nil
	}
	// Eigenvalues only: gonum's eigenvector back-substitution (Dtrevc3) can
	// panic on some nearly defective matrices, so vectors are computed
	// only to name the node of an unstable mode, under recover.
	var eig mat.Eigen
	if !eig.Factorize(m.a.toMat(), mat.EigenNone) {
		return &UnstableError{Node: m.states[0], Rate: complex(math.NaN(), 0)}
	}
	vals := eig.Values(nil)
	worst := 0
	for i, v := range vals {
		if real(v) < real(vals[worst]) {
			worst = i
		}
	}
	if real(vals[worst]) <= stabilityTol*norm {
		return &UnstableError{Node: m.states[m.dominantState(worst)], Rate: vals[worst]}
	}
	x, ok := solve(m.a, m.b)
	if !ok {
		return &UnstableError{Node: m.states[0], Rate: vals[worst]}
	}
	m.ainvB = x
	return nil
}

// stableSymmetrizable reports whether a is diagonally symmetrizable
// (wᵢaᵢⱼ = wⱼaⱼᵢ with w > 0, found by symmetrizer in exact.go, as RC
// networks are: A = C⁻¹G with diagonal C and symmetric G) and every
// eigenvalue of a exceeds tol. Such an a is similar to the symmetric
// S = W^{1/2} a W^{−1/2}, so its eigenvalues are real and exceed tol exactly
// when S − tol·I is positive definite, which a Cholesky factorization
// decides in r³/6 flops instead of a non-symmetric eigendecomposition.
// false means "not shown": the caller falls back to the eigenvalues.
func stableSymmetrizable(a *dense, tol float64) bool {
	r := a.r
	w := symmetrizer(a.d, r)
	if w == nil {
		return false
	}
	sq := make([]float64, r)
	for i, wi := range w {
		sq[i] = math.Sqrt(wi)
	}
	s := mat.NewSymDense(r, nil)
	for i := range r {
		for j := i; j < r; j++ {
			v := 0.5 * (sq[i]/sq[j]*a.d[i*r+j] + sq[j]/sq[i]*a.d[j*r+i])
			if i == j {
				v -= tol
			}
			s.SetSym(i, j, v)
		}
	}
	var ch mat.Cholesky
	return ch.Factorize(s)
}

// dominantState returns the state with the largest component in the
// eigenvector of the drift's mode k (in the order of the eigenvalues of
// mat.Eigen), or 0 if the eigenvectors cannot be computed.
func (m *Model) dominantState(k int) (state int) {
	defer func() {
		if recover() != nil {
			state = 0
		}
	}()
	var eig mat.Eigen
	if !eig.Factorize(m.a.toMat(), mat.EigenRight) {
		return 0
	}
	var vec mat.CDense
	eig.VectorsTo(&vec)
	big := -1.0
	for i := range m.a.r {
		if a := cmplxAbs(vec.At(i, k)); a > big+1e-9 {
			state, big = i, a
		}
	}
	return state
}

func cmplxAbs(c complex128) float64 { return math.Hypot(real(c), imag(c)) }

// Dim returns the number of states r (0 for a circuit without capacitors).
func (m *Model) Dim() int { return m.a.r }

// States returns the label of each state: the name of the node whose
// voltage it is. When [Model.NodalStates] is false, some state i is instead
// the combination v(States[i]) + Σⱼ Tᵢⱼ v(j) of node voltages given by
// [Model.StateFromNodesTo], e.g. the voltage across a floating capacitor.
// The slice is a copy.
func (m *Model) States() []string { return slices.Clone(m.states) }

// NodalStates reports whether every state is exactly the voltage of the
// node it is labelled with. It is true unless two nodes are joined by a
// floating capacitor and their capacitance matrix is singular (e.g. a
// capacitor between two nodes that have no other capacitance): then the
// state is the voltage across that capacitor.
func (m *Model) NodalStates() bool { return m.nodal }

// Nodes returns the names of the non-ground nodes, in the order of
// [Model.NodeVoltagesTo] (the order of [Circuit.Nodes]). The slice is a copy.
func (m *Model) Nodes() []string { return slices.Clone(m.nodes) }

// NodeIndex returns the position of node name in [Model.Nodes], or −1.
func (m *Model) NodeIndex(name string) int { return slices.Index(m.nodes, name) }

// StateIndex returns the position of the state labelled name, or −1.
func (m *Model) StateIndex(name string) int { return slices.Index(m.states, name) }

// Inputs returns the names of the inputs (the independent current and
// voltage sources, in element order). The slice is a copy.
func (m *Model) Inputs() []string { return slices.Clone(m.inputs) }

// InputIndex returns the position of input name in [Model.Inputs], or −1.
func (m *Model) InputIndex(name string) int { return slices.Index(m.inputs, name) }

// InputValues returns the default value of each input (the source values of
// the circuit, in A or V). The slice is a copy.
func (m *Model) InputValues() []float64 { return slices.Clone(m.values) }

// Temperature returns the circuit temperature in kelvin (0 for [NewModel]).
func (m *Model) Temperature() float64 { return m.temperature }

// Drift returns a copy of A (r×r, 1/s), or nil when r = 0.
func (m *Model) Drift() *mat.Dense { return m.a.toMatCopy() }

// InputMatrix returns a copy of B (r×nu, 1/s times V per unit input), or nil
// when r = 0 or there are no inputs.
func (m *Model) InputMatrix() *mat.Dense { return m.b.toMatCopy() }

// Diffusion returns a copy of D = L Lᵀ (r×r, V²/s), or nil when r = 0.
func (m *Model) Diffusion() *mat.SymDense { return m.d.toSym() }

// OutputMatrices returns copies of Vx (n×r) and Vu (n×nu) with node voltages
// v = Vx x + Vu u (see [Model.NodeVoltagesTo]); nil where a dimension is 0.
func (m *Model) OutputMatrices() (vx, vu *mat.Dense) { return m.vx.toMatCopy(), m.vu.toMatCopy() }

// WithoutNoise returns a copy of m with D = 0, for deterministic runs.
func (m *Model) WithoutNoise() *Model {
	c := &Model{
		a: m.a, b: m.b, d: newDense(m.d.r, m.d.c),
		states: m.states, nodes: m.nodes, inputs: m.inputs, values: m.values,
		vx: m.vx, vu: m.vu, wv: m.wv, jump: m.jump, nodal: m.nodal, jumps: m.jumps,
		temperature: m.temperature, ainvB: m.ainvB,
	}
	return c
}

func (m *Model) noisy() bool {
	for _, v := range m.d.d {
		if v != 0 {
			return true
		}
	}
	return false
}

func (m *Model) inputsOrDefault(u []float64) []float64 {
	if u == nil {
		return m.values
	}
	if len(u) != len(m.inputs) {
		panic(fmt.Sprintf("circuit: %d inputs given, model has %d", len(u), len(m.inputs)))
	}
	return u
}

// gemvTo computes dst = a·x (+ dst when acc).
func gemvTo(dst []float64, a *dense, x []float64, acc bool) {
	beta := 0.0
	if acc {
		beta = 1
	}
	if a.r == 0 {
		return
	}
	if a.c == 0 {
		if !acc {
			clear(dst[:a.r])
		}
		return
	}
	blas64.Gemv(blas.NoTrans, 1, a.general(), blas64.Vector{N: a.c, Inc: 1, Data: x}, beta, blas64.Vector{N: a.r, Inc: 1, Data: dst})
}

// OffsetTo stores b = B u (V/s) into dst (length r). A nil u means the
// default inputs. It panics on mismatched lengths.
func (m *Model) OffsetTo(dst, u []float64) {
	u = m.inputsOrDefault(u)
	checkLen("dst", dst, m.a.r)
	gemvTo(dst, m.b, u, false)
}

// StationaryMeanTo stores the stationary mean A⁻¹B u of the state (volts)
// into dst (length r); a nil u means the default inputs. This is the DC
// operating point of the circuit for those inputs. It panics on mismatched
// lengths.
func (m *Model) StationaryMeanTo(dst, u []float64) {
	u = m.inputsOrDefault(u)
	checkLen("dst", dst, m.a.r)
	gemvTo(dst, m.ainvB, u, false)
}

// OperatingPoint returns the DC operating point of the state (the
// stationary mean at the default inputs), a new slice of length r. Node
// voltages follow from [Model.NodeVoltagesTo].
func (m *Model) OperatingPoint() []float64 {
	x := make([]float64, m.a.r)
	m.StationaryMeanTo(x, nil)
	return x
}

// StationaryCovariance returns the stationary covariance Σ of the state
// (V²), the solution of A Σ + Σ Aᵀ = D by [SolveLyapunov]; nil for r = 0.
// It is computed once and cached; the result is a copy. The error (rare: the
// drift is stable) wraps [ErrLyapunov].
func (m *Model) StationaryCovariance() (*mat.SymDense, error) {
	r := m.a.r
	if r == 0 {
		return nil, nil
	}
	m.sigmaOnce.Do(func() {
		m.sigma, m.sigmaErr = lyapunov(m.a.d, m.d.d, r)
	})
	if m.sigmaErr != nil {
		return nil, m.sigmaErr
	}
	return mat.NewSymDense(r, slices.Clone(m.sigma)), nil
}

// Transition returns the exact mean propagator E = e^{−Ah} and transition
// covariance Q(h) = ∫₀ʰ e^{−As} D e^{−Aᵀs} ds of a step h ≥ 0 seconds:
// given x(t), x(t+h) is Gaussian with mean x̄ + E (x(t) − x̄), x̄ = A⁻¹Bu,
// and covariance Q(h). Computed by scaling and doubling (see the package
// documentation), accurate to a few ε relative for any h. nil for r = 0.
// It panics if h is negative or not finite.
func (m *Model) Transition(h float64) (*mat.Dense, *mat.SymDense) {
	r := m.a.r
	if r == 0 {
		return nil, nil
	}
	e, q := transition(m.a.d, m.d.d, r, h)
	return mat.NewDense(r, r, e), mat.NewSymDense(r, q)
}

// NodeVoltagesTo stores the voltage of every node of [Model.Nodes] (volts)
// for state x and inputs u into dst: v = Vx x + Vu u. A nil u means the
// default inputs. The voltage of a capacitor-free node that carries white
// noise is reported without that (infinite-variance) white component, i.e.
// as its conditional mean given the state. It panics on mismatched lengths.
func (m *Model) NodeVoltagesTo(dst, x, u []float64) {
	u = m.inputsOrDefault(u)
	checkLen("dst", dst, len(m.nodes))
	checkLen("x", x, m.a.r)
	if m.vx.c == 0 {
		clear(dst)
	} else {
		gemvTo(dst, m.vx, x, false)
	}
	gemvTo(dst, m.vu, u, true)
}

// StateFromNodesTo stores into dst the state that corresponds to node
// voltages v (length len(Nodes), volts): x = Wv v, for setting initial
// conditions from node voltages. When [Model.NodalStates] is true this just
// picks the voltages of the state nodes. It panics on mismatched lengths.
func (m *Model) StateFromNodesTo(dst, v []float64) {
	checkLen("dst", dst, m.a.r)
	checkLen("v", v, len(m.nodes))
	gemvTo(dst, m.wv, v, false)
}

// InputJump returns a copy of the matrix K (r×nu) by which the state jumps
// when the inputs step: x ← x + K·Δu. It is non-zero only for a capacitor
// between a state node and a voltage source, whose charge is conserved
// across the step (so the node follows the source instantly). The steppers
// apply it in SetInputs; nil when there is no such coupling.
func (m *Model) InputJump() *mat.Dense {
	if !m.jumps {
		return nil
	}
	return m.jump.toMatCopy()
}

func checkLen(name string, s []float64, n int) {
	if len(s) != n {
		panic(fmt.Sprintf("circuit: %s has length %d, want %d", name, len(s), n))
	}
}
