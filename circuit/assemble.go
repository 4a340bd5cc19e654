package circuit

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// MNA holds the modified-nodal-analysis stamps of a circuit in node space,
// element by element, before any elimination. With v the non-ground node
// voltages (order Nodes), j the branch currents of voltage sources, VCVS and
// op-amp outputs (order Branches) and u the independent sources (order
// Inputs), the circuit obeys
//
//	Capacitance·dv/dt + Conductance·v + Incidence·j = Injection·u + ξ(t)
//	Constraint·v = ConstraintInput·u
//
// where each row of the first equation is Kirchhoff's current law at a node
// (currents leaving the node through elements on the left, currents injected
// into it on the right) and ξ is white current noise with
// E[ξ(t)ξ(s)ᵀ] = 2·Noise·δ(t−s), i.e. Noise is the SDE intensity: the
// one-sided PSD of each source halved (2kTG for a resistor of conductance G).
//
// Matrices with a zero dimension are nil. All fields are fresh copies owned
// by the caller.
type MNA struct {
	Nodes    []string // non-ground nodes, by first appearance
	Inputs   []string // independent sources, in element order
	Branches []string // elements with a branch current, in element order

	InputValues []float64 // default (DC) value of each input, A or V

	Capacitance     *mat.SymDense // n×n, farads
	Conductance     *mat.Dense    // n×n, siemens (non-symmetric with VCCS)
	Noise           *mat.SymDense // n×n, A²·s per second (intensity)
	Injection       *mat.Dense    // n×nu: current into each node per unit input
	Incidence       *mat.Dense    // n×nb: branch current leaving each node
	Constraint      *mat.Dense    // nb×n: voltage constraints
	ConstraintInput *mat.Dense    // nb×nu: their dependence on the inputs

	Temperature float64 // kelvin
}

// mna is the internal form of MNA.
type mna struct {
	temperature                 float64
	nodes, inputs, branches     []string
	values                      []float64
	pivV, pivI                  []int
	c, g, noise, inj, bj, k, ku *dense
}

// MNA validates the circuit and returns its stamps. It returns an error
// wrapping [ErrInvalid] (as an [*ElementError]) for an empty or duplicate
// element name, an empty node name, or an invalid value.
func (c *Circuit) MNA() (*MNA, error) {
	m, err := c.stamps()
	if err != nil {
		return nil, err
	}
	out := &MNA{
		Nodes:           slices.Clone(m.nodes),
		Inputs:          slices.Clone(m.inputs),
		Branches:        slices.Clone(m.branches),
		InputValues:     slices.Clone(m.values),
		Capacitance:     m.c.toSym(),
		Conductance:     m.g.toMatCopy(),
		Noise:           m.noise.toSym(),
		Injection:       m.inj.toMatCopy(),
		Incidence:       m.bj.toMatCopy(),
		Constraint:      m.k.toMatCopy(),
		ConstraintInput: m.ku.toMatCopy(),
		Temperature:     m.temperature,
	}
	return out, nil
}

// Assemble reduces the stamps to the model of their circuit, as
// [Circuit.Assemble] does: the same model from the same stamps, without
// the circuit's elements, so that a netlist reader can stamp its cards
// directly. Nil matrices are zero. The stamps are not validated (values
// are the caller's to check); the errors are those of Circuit.Assemble
// that depend on the stamps alone: a capacitor-free node without a
// conductive path ([*NodeError], [ErrSingular]), [ErrImpulsive] naming
// the input, [*UnstableError]. m is not retained.
//
// It panics if m has branches (voltage sources, VCVS, op amps: their
// elimination follows per-element pivot preferences that MNA does not
// carry, so such circuits go through Circuit.Assemble) or if a matrix
// does not match Nodes and Inputs.
func (m *MNA) Assemble() (*Model, error) {
	if len(m.Branches) > 0 || m.Incidence != nil || m.Constraint != nil || m.ConstraintInput != nil {
		panic("circuit: MNA.Assemble: stamps with branches")
	}
	n, nu := len(m.Nodes), len(m.Inputs)
	if len(m.InputValues) != nu {
		panic("circuit: MNA.Assemble: InputValues does not match Inputs")
	}
	in := &mna{
		temperature: m.Temperature,
		nodes:       m.Nodes, inputs: m.Inputs, values: m.InputValues,
		c:     stampsOf(m.Capacitance, n, n),
		g:     stampsOf(m.Conductance, n, n),
		noise: stampsOf(m.Noise, n, n),
		inj:   stampsOf(m.Injection, n, nu),
		bj:    newDense(n, 0), k: newDense(0, n), ku: newDense(0, nu),
	}
	return reduce(in)
}

// stampsOf copies a (nil: zero) into an r×c dense; it panics on other
// dimensions.
func stampsOf(a mat.Matrix, r, c int) *dense {
	switch p := a.(type) {
	case nil:
		return newDense(r, c)
	case *mat.Dense:
		if p == nil {
			return newDense(r, c)
		}
	case *mat.SymDense:
		if p == nil {
			return newDense(r, c)
		}
	}
	if ar, ac := a.Dims(); ar != r || ac != c {
		panic(fmt.Sprintf("circuit: MNA.Assemble: %d×%d stamps, want %d×%d", ar, ac, r, c))
	}
	return denseOf(a)
}

func (c *Circuit) stamps() (*mna, error) {
	if t := c.Temperature; !(t >= 0) || math.IsInf(t, 0) {
		return nil, fmt.Errorf("%w: temperature %g K must be non-negative and finite", ErrInvalid, t)
	}
	// One pass: names, terminals, and the node order of [Circuit.Nodes]
	// (first appearance among the terminals).
	seen := make(map[string]struct{}, len(c.elements))
	idx := make(map[string]int)
	var nodes []string
	for i, e := range c.elements {
		name := e.ElementName()
		if name == "" {
			return nil, &ElementError{Element: fmt.Sprintf("#%d", i), Err: ErrInvalid, Detail: "empty element name"}
		}
		if _, dup := seen[name]; dup {
			return nil, &ElementError{Element: name, Err: ErrInvalid, Detail: "duplicate element name"}
		}
		seen[name] = struct{}{}
		for _, t := range e.Terminals() {
			if t == "" {
				return nil, &ElementError{Element: name, Err: ErrInvalid, Detail: "empty node name"}
			}
			if IsGround(t) {
				continue
			}
			if _, ok := idx[t]; !ok {
				idx[t] = len(nodes)
				nodes = append(nodes, t)
			}
		}
	}
	n := len(nodes)
	s := &stamper{
		n:           n,
		idx:         idx,
		temperature: c.temperature(),
		thermal:     !c.NoThermalNoise,
		injected:    !c.NoInjectedNoise,
		c:           make([]float64, n*n),
		g:           make([]float64, n*n),
		noise:       make([]float64, n*n),
	}
	for _, e := range c.elements {
		if err := e.stamp(s); err != nil {
			return nil, err
		}
	}
	nu, nb := len(s.inputs), len(s.branches)
	m := &mna{
		temperature: s.temperature,
		nodes:       nodes,
		inputs:      s.inputs,
		branches:    s.branches,
		values:      s.values,
		pivV:        s.pivV,
		pivI:        s.pivI,
		c:           &dense{r: n, c: n, d: s.c},
		g:           &dense{r: n, c: n, d: s.g},
		noise:       &dense{r: n, c: n, d: s.noise},
		inj:         newDense(n, nu),
		bj:          newDense(n, nb),
		k:           newDense(nb, n),
		ku:          newDense(nb, nu),
	}
	for _, e := range s.inj {
		m.inj.add(e.i, e.j, e.v)
	}
	for _, e := range s.bj {
		m.bj.add(e.i, e.j, e.v)
	}
	for _, e := range s.kc {
		m.k.add(e.i, e.j, e.v)
	}
	for _, e := range s.cinj {
		m.ku.add(e.i, e.j, e.v)
	}
	return m, nil
}

// Tolerances of the elimination, relative to the scale of the matrix at
// hand. They separate structural zeros polluted by rounding (≈ ε·n) from
// genuinely small entries; a capacitance or conductance 1e-13 times the
// largest one is still honoured.
const (
	// constraintTol: a constraint row (or branch column) whose eliminated
	// remainder is below this fraction of its original size is dependent.
	constraintTol = 1e-10
	// rankTol: a column of the reduced capacitance matrix whose QR
	// remainder is below this fraction of the largest is capacitor-free.
	rankTol = 1e-13
	// stabilityTol: an eigenvalue of A with Re λ ≤ stabilityTol·‖A‖₁ is
	// treated as not decaying (a zero eigenvalue computes as ≈ ε·‖A‖).
	stabilityTol = 1e-12
	// pivotTol: threshold of the pivoting that picks the dependent node of
	// each voltage constraint; it bounds the growth of the elimination.
	pivotTol = 1e-3
	// impulseTol: relative size of the part of a source's capacitive
	// coupling that falls outside the dynamic subspace.
	impulseTol = 1e-9
)

// Assemble validates the circuit and reduces it exactly to the linear
// stochastic state-space model of its dynamic nodes,
//
//	dx = (−A x + B u) dt + L dW,   D = L Lᵀ,
//
// eliminating capacitor-free nodes, voltage constraints (voltage sources,
// VCVS, op-amp virtual grounds) and branch currents by Schur complements.
// The state x is the voltage of the capacitive nodes (see [Model.States]
// and [Model.NodalStates] for the general case), A = C⁻¹G of the reduced
// network, and D is derived element by element from the noise stamps, so it
// is exact for any topology. See the package documentation for the method.
//
// Errors (all wrapped, test with errors.Is): [ErrInvalid] for invalid
// elements ([*ElementError]); [ErrSingular] when the algebraic part has no
// unique solution, naming the element ([*ElementError]: a loop of voltage
// sources, parallel op-amp outputs) or the node ([*NodeError]: a
// capacitor-free node with no conductive path); [ErrImpulsive] naming the
// input; [ErrUnstable] ([*UnstableError]) when the drift does not decay,
// naming the node (e.g. a capacitor with no DC path to ground, or positive
// feedback).
func (c *Circuit) Assemble() (*Model, error) {
	m, err := c.stamps()
	if err != nil {
		return nil, err
	}
	return reduce(m)
}

// reduce performs the elimination described in the package documentation.
func reduce(m *mna) (*Model, error) {
	if len(m.branches) == 0 && groundedCapacitors(m.c) {
		return reduceGrounded(m)
	}
	return reduceGeneral(m)
}

// reduceGeneral is reduce for any network.
func reduceGeneral(m *mna) (*Model, error) {
	n, nb, nu := len(m.nodes), len(m.branches), len(m.inputs)

	// Step 1: voltage constraints and branch currents. v = Vp u + N z with
	// z the free node voltages; Pt annihilates the branch currents from
	// Kirchhoff's laws (Pt·Incidence = 0).
	var nm, pt, vp *dense
	var free []int
	if nb == 0 {
		nm, pt, vp = identity(n), identity(n), newDense(n, nu)
		free = make([]int, n)
		for i := range free {
			free[i] = i
		}
	} else {
		capacitive := make([]bool, n)
		for i := range n {
			capacitive[i] = m.c.at(i, i) != 0
		}
		dep, bad := pivotRows(m.k, m.pivV, capacitive)
		if bad >= 0 {
			return nil, &ElementError{Element: m.branches[bad], Err: ErrSingular,
				Detail: "its voltage constraint is redundant with or contradicts earlier ones (a loop of voltage sources, VCVS or op-amp inputs)"}
		}
		cur, bad := pivotRows(m.bj.transpose(), m.pivI, nil)
		if bad >= 0 {
			return nil, &ElementError{Element: m.branches[bad], Err: ErrSingular,
				Detail: "its branch current is undetermined (voltage sources or op-amp outputs in parallel)"}
		}
		free = complement(n, dep)
		kept := complement(n, cur)
		nf := len(free)
		x, ok := solve(m.k.cols(dep), hcat(m.k.cols(free), m.ku))
		if !ok {
			return nil, &ElementError{Element: m.branches[0], Err: ErrSingular, Detail: "the voltage constraints are ill-conditioned"}
		}
		nm, vp = newDense(n, nf), newDense(n, nu)
		for j, f := range free {
			nm.set(f, j, 1)
		}
		for i, d := range dep {
			for j := range nf {
				nm.set(d, j, -x.at(i, j))
			}
			for k := range nu {
				vp.set(d, k, x.at(i, nf+k))
			}
		}
		zt, ok := solve(m.bj.rows(cur).transpose(), m.bj.rows(kept).transpose())
		if !ok {
			return nil, &ElementError{Element: m.branches[0], Err: ErrSingular, Detail: "the branch currents are ill-conditioned"}
		}
		pt = newDense(nf, n)
		for i, kp := range kept {
			pt.set(i, kp, 1)
			for l, cu := range cur {
				pt.set(i, cu, -zt.at(l, i))
			}
		}
	}

	// Step 2: the descriptor system in z:
	// E ż + Cu u̇ + M z = Su u + Pt ξ.
	var e, mz, su, cu *dense
	if nb == 0 { // N = Pt = I and Vp = 0: the products are copies
		e, mz, su, cu = m.c.clone(), m.g.clone(), m.inj.clone(), newDense(n, nu)
	} else {
		e = mul(pt, mul(m.c, nm))
		mz = mul(pt, mul(m.g, nm))
		su = mul(pt, sub(m.inj, mul(m.g, vp)))
		cu = mul(pt, mul(m.c, vp))
	}

	// Step 3: split z into dynamic (sel) and algebraic (rest) variables,
	// with ξ = z_sel + To z_rest + Tu u the quantity whose derivative
	// appears (E ż + Cu u̇ = E_sel ξ̇), and eliminate the algebraic ones.
	sel, rest := dynamicColumns(e)
	r := len(sel)
	es := e.cols(sel)
	y1, y2 := leftInverse(es)
	to := mul(y1, e.cols(rest))
	tu := mul(y1, cu)
	if r > 0 {
		imp := mul(y2, cu)
		for k := range nu {
			scale := 0.0
			for i := range cu.r {
				scale = max(scale, math.Abs(cu.at(i, k)))
			}
			for i := range imp.r {
				if math.Abs(imp.at(i, k)) > impulseTol*scale {
					return nil, &ElementError{Element: m.inputs[k], Err: ErrImpulsive,
						Detail: "a step of this source would move charge instantaneously onto a capacitor-free node"}
				}
			}
		}
	} else if cu.maxAbs() > 0 {
		for k := range nu {
			for i := range cu.r {
				if cu.at(i, k) != 0 {
					return nil, &ElementError{Element: m.inputs[k], Err: ErrImpulsive,
						Detail: "a step of this source would move charge instantaneously onto a capacitor-free node"}
				}
			}
		}
	}
	// Entries of To and Tu at rounding level (their scale is 1: volts per
	// volt) are structural zeros.
	nodal := to.maxAbs() <= 1e-12
	if nodal {
		clear(to.d)
	}
	if tu.maxAbs() <= 1e-12 {
		clear(tu.d)
	}
	ms := mz.cols(sel)
	mo := sub(mz.cols(rest), mul(ms, to))
	sx := plus(su, mul(ms, tu))
	m11, m12 := mul(y1, ms), mul(y1, mo)
	m21, m22 := mul(y2, ms), mul(y2, mo)
	if j := singularColumn(m22); j >= 0 {
		return nil, &NodeError{Node: m.nodes[free[rest[j]]], Err: ErrSingular,
			Detail: "its voltage is not determined: a capacitor-free node needs a conductive path (resistor, source or controlled source) that fixes it"}
	}
	y2sx := mul(y2, sx)
	x, ok := solve(m22, hcat(m21, y2sx, y2))
	if !ok {
		return nil, &NodeError{Node: m.nodes[free[rest[0]]], Err: ErrSingular, Detail: "the capacitor-free part of the circuit is ill-conditioned"}
	}
	x21 := x.cols(seq(0, r))
	xs := x.cols(seq(r, r+nu))
	xy := x.cols(seq(r+nu, x.c))
	a := sub(m11, mul(m12, x21))
	bu := sub(mul(y1, sx), mul(m12, xs))
	lr := sub(y1, mul(m12, xy)) // r×n: noise currents → state
	if nb > 0 {
		lr = mul(lr, pt)
	}
	d := mulT(mul(lr, m.noise), lr)
	d.symmetrize()

	// Output map: η = Hx ξ + Hu u (white noise on capacitor-free nodes is
	// left out), z_sel = ξ − To η − Tu u, v = Vp u + N z.
	hx := x21.clone()
	hx.scale(-1)
	hu := xs
	nf := len(free)
	zx, zu := newDense(nf, r), newDense(nf, nu)
	tohx, tohu := mul(to, hx), mul(to, hu)
	for i, j := range sel {
		for k := range r {
			zx.set(j, k, -tohx.at(i, k))
		}
		zx.add(j, i, 1)
		for k := range nu {
			zu.set(j, k, -tohu.at(i, k)-tu.at(i, k))
		}
	}
	for i, j := range rest {
		copy(zx.d[j*r:(j+1)*r], hx.d[i*r:(i+1)*r])
		copy(zu.d[j*nu:(j+1)*nu], hu.d[i*nu:(i+1)*nu])
	}
	var vx, vu *dense
	if nb == 0 {
		vx, vu = zx, plus(vp, zu)
		for i, v := range vx.d {
			vx.d[i] = v + 0 // −0 → +0, as the product N·zx gave
		}
	} else {
		vx, vu = mul(nm, zx), plus(vp, mul(nm, zu))
	}

	// Change of state x = ξ − Tu u: x is continuous between input steps
	// and equals node voltages, and jumps by −Tu·Δu when the inputs step
	// (charge conservation on capacitors tied to voltage sources). In x:
	// dx = (−A x + (B − A Tu) u) dt + L dW, v = Vx x + (Vu + Vx Tu) u.
	bu = sub(bu, mul(a, tu))
	vu = plus(vu, mul(vx, tu))
	jump := tu.clone()
	jump.scale(-1)

	wv := newDense(r, n)
	for i, j := range sel {
		wv.set(i, free[j], 1)
		for k, l := range rest {
			wv.set(i, free[l], to.at(i, k))
		}
	}
	states := make([]string, r)
	for i, j := range sel {
		states[i] = m.nodes[free[j]]
	}
	mod := &Model{
		a: a, b: bu, d: d,
		states: states, nodes: slices.Clone(m.nodes), inputs: slices.Clone(m.inputs), values: slices.Clone(m.values),
		vx: vx, vu: vu, wv: wv, jump: jump,
		nodal:       nodal,
		temperature: m.temperature,
	}
	if err := mod.finish(); err != nil {
		return nil, err
	}
	return mod, nil
}

// groundedCapacitors reports whether the capacitance matrix c is diagonal
// with a positive diagonal: every node has a capacitor to ground and none
// joins two nodes.
func groundedCapacitors(c *dense) bool {
	n := c.r
	for i := range n {
		row := c.d[i*n : (i+1)*n]
		for j, v := range row {
			if j == i && !(v > 0) || j != i && v != 0 {
				return false
			}
		}
	}
	return true
}

// reduceGrounded is reduce for a network without branches whose
// capacitance matrix C is diagonal and positive (groundedCapacitors):
// every node is a state and nothing is eliminated, so the model is
// A = C⁻¹G, B = C⁻¹·Injection, D = C⁻¹·Noise·C⁻¹ and the node voltages
// are the states, the general elimination's result up to rounding,
// without its factorizations.
func reduceGrounded(m *mna) (*Model, error) {
	n, nu := len(m.nodes), len(m.inputs)
	inv := make([]float64, n)
	for i := range n {
		inv[i] = 1 / m.c.d[i*n+i]
	}
	a, b, d := newDense(n, n), newDense(n, nu), newDense(n, n)
	for i := range n {
		for j := range n {
			a.d[i*n+j] = inv[i] * m.g.d[i*n+j]
			d.d[i*n+j] = inv[i] * m.noise.d[i*n+j] * inv[j]
		}
		for k := range nu {
			b.d[i*nu+k] = inv[i] * m.inj.d[i*nu+k]
		}
	}
	d.symmetrize()
	mod := &Model{
		a: a, b: b, d: d,
		states: slices.Clone(m.nodes), nodes: slices.Clone(m.nodes), inputs: slices.Clone(m.inputs), values: slices.Clone(m.values),
		vx: identity(n), vu: newDense(n, nu), wv: identity(n), jump: newDense(n, nu),
		nodal:       true,
		temperature: m.temperature,
	}
	if err := mod.finish(); err != nil {
		return nil, err
	}
	return mod, nil
}

// pivotRows chooses for each row i of m, in order, a distinct pivot column
// by Gaussian elimination with threshold pivoting, and returns bad = the
// first row that is numerically a combination of the rows before it (or
// zero), else −1.
//
// Without capacitive (branch currents: which Kirchhoff row determines each
// current, a choice that does not affect the result), pref[i] is taken when
// its eliminated entry is at least half the row's largest, otherwise the
// largest. With capacitive (voltage constraints: which node becomes
// dependent, which decides the state labels), the candidates are the
// entries of at least pivotTol times the largest, and among them a node
// without capacitance is preferred (so that capacitive nodes stay states),
// then the larger entry (so a high-gain VCVS eliminates its input, keeping
// an op-amp's output as the state), then pref[i], then the lowest index.
func pivotRows(m *dense, pref []int, capacitive []bool) (piv []int, bad int) {
	w := m.clone()
	piv = make([]int, m.r)
	for i := range m.r {
		row := w.d[i*w.c : (i+1)*w.c]
		orig := 0.0
		for _, v := range row {
			orig = max(orig, math.Abs(v))
		}
		for k := range i {
			p := piv[k]
			if row[p] == 0 {
				continue
			}
			prow := w.d[k*w.c : (k+1)*w.c]
			f := row[p] / prow[p]
			for j := range row {
				row[j] -= f * prow[j]
			}
			row[p] = 0
		}
		best, bj := 0.0, -1
		for j, v := range row {
			if math.Abs(v) > best {
				best, bj = math.Abs(v), j
			}
		}
		if orig == 0 || best <= constraintTol*orig {
			return nil, i
		}
		p := pref[i]
		if capacitive == nil {
			if p >= 0 && math.Abs(row[p]) >= 0.5*best {
				bj = p
			}
			piv[i] = bj
			continue
		}
		better := func(j, k int) bool { // is column j a better pivot than k?
			if capacitive[j] != capacitive[k] {
				return !capacitive[j]
			}
			if aj, ak := math.Abs(row[j]), math.Abs(row[k]); aj != ak {
				return aj > ak
			}
			if (j == p) != (k == p) {
				return j == p
			}
			return j < k
		}
		for j, v := range row {
			if j != bj && math.Abs(v) >= pivotTol*best && better(j, bj) {
				bj = j
			}
		}
		piv[i] = bj
	}
	return piv, -1
}

// complement returns the ascending indices in [0, n) not in idx.
func complement(n int, idx []int) []int {
	in := make([]bool, n)
	for _, i := range idx {
		in[i] = true
	}
	var out []int
	for i := range n {
		if !in[i] {
			out = append(out, i)
		}
	}
	return out
}

func seq(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// dynamicColumns splits the columns of the square reduced capacitance matrix
// e into a maximal independent set sel (by QR with column pivoting, LAPACK
// dgeqp3, rank by rankTol) and the rest, both ascending.
func dynamicColumns(e *dense) (sel, rest []int) {
	n := e.c
	if n == 0 || e.maxAbs() == 0 {
		return nil, seq(0, n)
	}
	w := e.clone()
	jpvt := make([]int, n)
	for i := range jpvt {
		jpvt[i] = -1
	}
	tau := make([]float64, min(e.r, n))
	work := make([]float64, 1)
	lapack64.Geqp3(w.general(), jpvt, tau, work, -1)
	work = make([]float64, max(int(work[0]), 3*n+1))
	lapack64.Geqp3(w.general(), jpvt, tau, work, len(work))
	r00 := math.Abs(w.at(0, 0))
	rank := 0
	for k := range min(e.r, n) {
		if math.Abs(w.at(k, k)) <= rankTol*r00 {
			break
		}
		rank++
	}
	sel = slices.Clone(jpvt[:rank])
	slices.Sort(sel)
	return sel, complement(n, sel)
}

// leftInverse returns, for an m×r matrix es of full column rank, y1 (r×m)
// with y1·es = I and y2 ((m−r)×m) whose rows span the left null space of es
// (y2·es = 0), from a full QR factorization es = Q [R; 0]: y1 = R⁻¹Q₁ᵀ,
// y2 = Q₂ᵀ.
func leftInverse(es *dense) (y1, y2 *dense) {
	m, r := es.r, es.c
	if r == 0 {
		return newDense(0, m), identity(m)
	}
	var qr mat.QR
	qr.Factorize(es.toMat())
	var q, rr mat.Dense
	qr.QTo(&q)
	qr.RTo(&rr)
	qd := denseOf(&q)
	q1t := qd.cols(seq(0, r)).transpose()
	y2 = qd.cols(seq(r, m)).transpose()
	// y1 = R⁻¹ Q₁ᵀ, R upper triangular r×r (nonsingular: es has full
	// column rank by construction).
	y1, ok := solve(denseOf(rr.Slice(0, r, 0, r)), q1t)
	if !ok {
		panic("circuit: internal error: reduced capacitance matrix lost rank")
	}
	return y1, y2
}

// singularColumn returns the index of a column of the square m that makes
// it numerically singular (the first column beyond the rank revealed by QR
// with column pivoting, after scaling rows and columns to unit max-norm), or
// −1 when m is nonsingular.
func singularColumn(m *dense) int {
	n := m.r
	if n == 0 {
		return -1
	}
	w := m.clone()
	for i := range n {
		s := 0.0
		for j := range n {
			s = max(s, math.Abs(w.at(i, j)))
		}
		if s > 0 {
			for j := range n {
				w.set(i, j, w.at(i, j)/s)
			}
		}
	}
	for j := range n {
		s := 0.0
		for i := range n {
			s = max(s, math.Abs(w.at(i, j)))
		}
		if s == 0 {
			return j
		}
		for i := range n {
			w.set(i, j, w.at(i, j)/s)
		}
	}
	jpvt := make([]int, n)
	for i := range jpvt {
		jpvt[i] = -1
	}
	tau := make([]float64, n)
	work := make([]float64, 1)
	lapack64.Geqp3(w.general(), jpvt, tau, work, -1)
	work = make([]float64, max(int(work[0]), 3*n+1))
	lapack64.Geqp3(w.general(), jpvt, tau, work, len(work))
	r00 := math.Abs(w.at(0, 0))
	for k := range n {
		if math.Abs(w.at(k, k)) <= rankTol*r00 {
			return jpvt[k]
		}
	}
	return -1
}
