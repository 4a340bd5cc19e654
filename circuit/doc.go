// Package circuit is the component-level model of the analog hardware of
// tngd: components on named nodes, their exact assembly into a linear
// stochastic state-space model, and its evolution in simulated time, exact
// or by Euler–Maruyama. The SPU of the TNGD paper is built from these parts
// (see [SPU] and the hardware description in [Hardware]).
//
// # Components and conventions
//
// A [Circuit] is a list of [Element] values on nodes named by strings; "0"
// (also "gnd", any case) is ground. The elements are [Resistor] (or
// [Conductance]), [Capacitor], [CurrentSource], [VoltageSource], [VCCS],
// [VCVS], [Nullor] (an ideal op-amp), [Integrator] (an ideal op-amp
// inverting integrator cell: virtual ground at In, feedback capacitor from
// In to Out, V(Out) is the state) and [NoiseCurrent] (white current noise of
// a stated one-sided PSD).
//
// Units are SI throughout: ohms, siemens, farads, amperes, volts, kelvin,
// seconds; noise PSDs are one-sided, in A²/Hz. Signs follow SPICE: a
// two-terminal element has nodes P and N and its current is positive from P
// through the element to N, so CurrentSource{P: "0", N: "a"} pushes current
// into a. Node order (by first appearance), input order (the independent
// sources, in element order) and branch order are fixed by the order in
// which elements were added, never by map iteration.
//
// # Noise
//
// Every resistor carries Johnson–Nyquist current noise of one-sided PSD
// 4kTG at the circuit temperature ([Circuit.Temperature], default 300.15 K,
// SPICE's 27 °C); a VCCS with NoiseFactor γ carries γ·4kT|Gm|. Both switch
// off with [Circuit.NoThermalNoise]; NoiseCurrent sources with
// [Circuit.NoInjectedNoise]. In the SDE a one-sided PSD S is the intensity
// S/2 (so 4kTG becomes 2kTG, see [Intensity]). k is gonum's
// constant.Boltzmann. The noise of each element is stamped into a node-space
// intensity matrix and carried through the exact reduction below, so the
// diffusion is exact for any topology: a passive RC network has the
// stationary covariance kT·C⁻¹ whatever its conductances (equipartition).
//
// # Assembly
//
// [Circuit.MNA] returns the modified-nodal-analysis stamps (capacitance,
// conductance, noise, incidence of branch currents, voltage constraints).
// [Circuit.Assemble] reduces them exactly to a [Model]
//
//	dx = (−A x + B u) dt + L dW,   D = L Lᵀ,
//
// by three eliminations: the voltage constraints of voltage sources, VCVS
// and op-amp inputs (choosing as dependent a capacitor-free node where it
// can), the unknown branch currents (projecting Kirchhoff's laws onto the
// complement of their incidence), and the capacitor-free nodes (a Schur
// complement of the algebraic rows, found by QR with column pivoting of the
// reduced capacitance matrix). The state is the voltage of the remaining
// capacitive nodes ([Model.States]); after a floating capacitor between two
// otherwise capacitance-free nodes it is the voltage across it
// ([Model.NodalStates]). [Model.NodeVoltagesTo] maps a state back to every
// node voltage, [Model.StateFromNodesTo] the other way. A circuit whose
// algebraic part is singular is refused with [ErrSingular] naming the
// element or node, one whose drift does not decay with an [UnstableError]
// naming the node (a capacitor without a DC path gives a zero rate).
// [NewModel] builds a Model directly from matrices.
//
// # Evolution
//
// Inputs are piecewise constant. [Exact] advances by the exact transition
// law over any step h: mean x̄ + e^{−Ah}(x − x̄) with x̄ = A⁻¹Bu, and
// covariance Q(h) = ∫₀ʰ e^{−As} D e^{−Aᵀs} ds ([Model.Transition]), exact for
// non-symmetric A (no symmetric-part shortcut). e^{−Ah} and Q(h) are
// computed together by Taylor series on h/2ˢ and s doublings
// Q(2t) = Q(t) + E(t)Q(t)E(t)ᵀ, which neither cancels at small h nor
// overflows at large h (where a Van Loan block exponential fails); the
// noise is drawn through a pivoted Cholesky factor of Q(h), which handles a
// singular Q. Propagators are cached per step length, so stepping allocates
// nothing. [EulerMaruyama] is the paper's scheme, x ← x − h(Ax − Bu) +
// √h L ξ, kept as the reference. Both implement [Stepper] and the
// AdvanceTo hook of the events package. [Model.StationaryCovariance] solves
// the Lyapunov equation A Σ + Σ Aᵀ = D by Bartels–Stewart ([SolveLyapunov]).
//
// # The SPU
//
// [SPU] is the programmable stochastic processing unit of TNGD at component
// level. Its Factored architecture has N op-amp RC integrator cells and
// three resistor arrays holding J, H and a separately programmed Jᵀ, joined
// by transimpedance stages; its drift is λI + J_bᵀĤJ_f, and F is never
// formed. Its Direct architecture has one N×N array holding a
// positive-stable A. [Hardware] describes it as plain TOML-tagged structs
// whose zero value is the paper's ideal device (R = 1 kΩ, C = 1 nF, 16-bit
// words at 50 Gb/s). Every imperfection is off until its field is set: array
// bits, G_min, programming error, stuck devices; op-amp gain, GBW, offset,
// rails and noise; capacitor mismatch; converter bits, range, timing and
// noise; Johnson noise; injected noise (κ₀, see [NoiseSpec]). The
// controller's scaling rule ([Scaling]) maps problems into conductances and
// volts and reports the drift scale α, the spectrum in 1/τ, and the clipped
// and saturated counts. [SPU.Run] evolves the circuit by the method of an
// [Evolution]: the engine's exact dense transition for small states;
// [MethodLowRank], exact in distribution at the cost of two Gram matrices
// of the J copies and an r×r eigendecomposition per programming (the drift
// is d·I plus a low-rank term; symmetric-definite when the copies are
// identical; the Gram matrix may come from the caller, [SPU.SetGram]),
// then a few J-products per window whatever its length (each array read
// once per step for all its vectors, on all cores); [MethodLowRankETD],
// exponential Euler around it when the cell damping differs between cells
// (capacitor mismatch, finite gain), with a stated error ≤ 1e-3; and
// Euler–Maruyama, the paper's method, which the automatic choice uses only
// where nothing exact applies (op-amp rails).
// [SPU.Circuit] returns the same circuit as elements, for SPICE export and
// for cross-checking the structured model against the engine.
//
// # Ownership and concurrency
//
// Elements are values; a Circuit keeps copies. Matrices returned by
// accessors are fresh copies. A Model is immutable and may be shared between
// goroutines; a Stepper is not safe for concurrent use, and the slice
// returned by [Stepper.State] belongs to the stepper and changes with every
// step. All randomness comes from the math/rand/v2 source given to a
// stepper; the same seed gives the same trajectory.
//
// # References
//
// Donatella et al., Thermodynamic Natural Gradient Descent, arXiv:2405.13817
// (2024); Aifer et al., Thermodynamic Linear Algebra, arXiv:2308.05660; Ho,
// Ruehli and Brennan, The modified nodal approach to network analysis, IEEE
// TCAS 22 (1975); Bartels and Stewart, Comm. ACM 15 (1972); Van Loan,
// Computing integrals involving the matrix exponential, IEEE TAC 23 (1978);
// Moler and Van Loan, SIAM Review 45 (2003); Higham, Functions of Matrices
// (SIAM, 2008), ch. 10.
package circuit
