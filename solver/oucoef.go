package solver

import "math"

// Scalar Ornstein–Uhlenbeck kernels for the exact devices.
//
// In an eigen-coordinate of A with rate μ > 0, the device obeys the scalar
// OU equation dx = −(μx − g)dt + √(2κ₀)dW, whose exact transition over h
// is x' = ρx + (1 − ρ)g/μ + ε, ρ = e^{−μh}, Var ε = κ₀(1 − ρ²)/μ
// (PHYSICS.md §4). A window of K samples is a chain of such steps; to
// read out the sample mean the state is augmented with the running sum Σ
// of the samples taken so far. The whole window is then one affine map
// s' = T s + d·g + noise with s = (x, Σ), T lower triangular, and a 2×2
// noise covariance P. Maps compose exactly, and a window of K equal steps
// is a power computed by repeated squaring in O(log K): the cost does not
// depend on the window length or on K.
//
// Every entry of T, d and P is ≥ 0 (ρ, 1 − ρ, and covariances of sums of
// positively correlated samples), so composition only adds non-negative
// numbers: no cancellation, even for μh ≪ 1 or K ≫ 1. Small μh is handled
// through expm1.

// ouMap is the affine map of one eigen-coordinate over a time interval:
// (x, Σ) ↦ T(x, Σ) + d·g + N(0, P), T = [[t00, 0], [t10, t11]].
type ouMap struct {
	t00, t10, t11 float64
	d0, d1        float64
	p00, p01, p11 float64
}

// identityMap is the map of an empty interval.
func identityMap() ouMap { return ouMap{t00: 1, t11: 1} }

// evolveMap is the exact transition over h (≥ 0) at rate mu (> 0) and
// noise kappa0, leaving Σ unchanged.
func evolveMap(mu, kappa0, h float64) ouMap {
	rho := math.Exp(-mu * h)
	dg := -math.Expm1(-mu*h) / mu
	q := kappa0 * (-math.Expm1(-2 * mu * h)) / mu
	return ouMap{t00: rho, t11: 1, d0: dg, p00: q}
}

// sampleMap evolves over h, then adds the new state to Σ (one sample).
func sampleMap(mu, kappa0, h float64) ouMap {
	e := evolveMap(mu, kappa0, h)
	return ouMap{
		t00: e.t00, t10: e.t00, t11: 1,
		d0: e.d0, d1: e.d0,
		p00: e.p00, p01: e.p00, p11: e.p00,
	}
}

// then returns the map "a, then b".
func (a ouMap) then(b ouMap) ouMap {
	return ouMap{
		t00: b.t00 * a.t00,
		t10: b.t10*a.t00 + b.t11*a.t10,
		t11: b.t11 * a.t11,
		d0:  b.t00*a.d0 + b.d0,
		d1:  b.t10*a.d0 + b.t11*a.d1 + b.d1,
		p00: b.t00*b.t00*a.p00 + b.p00,
		p01: b.t00*(b.t10*a.p00+b.t11*a.p01) + b.p01,
		p11: b.t10*b.t10*a.p00 + 2*b.t10*b.t11*a.p01 + b.t11*b.t11*a.p11 + b.p11,
	}
}

// pow returns m applied k ≥ 0 times.
func (m ouMap) pow(k int) ouMap {
	out := identityMap()
	for ; k > 0; k >>= 1 {
		if k&1 == 1 {
			out = out.then(m)
		}
		m = m.then(m)
	}
	return out
}

// readCoef holds, for one rate μ, the coefficients of the two outputs of a
// window in terms of the start x₀, the right-hand side g and two
// independent standard normals z₁, z₂:
//
//	readout = aR·x₀ + bR·g + l00·z₁
//	state   = aS·x₀ + bS·g + l10·z₁ + l11·z₂
//
// where readout is the final sample or the sample mean, and state is the
// device state at the end of the window plus delay. [l00 0; l10 l11] is
// the Cholesky factor of their joint covariance.
type readCoef struct {
	aR, bR, l00      float64
	aS, bS, l10, l11 float64
}

// windowCoef returns the readout and state coefficients of window w at
// rate mu > 0 and noise kappa0.
func windowCoef(w Window, mu, kappa0 float64) readCoef {
	k := w.samples()
	var m ouMap
	if k == 1 {
		m = evolveMap(mu, kappa0, w.Time)
	} else {
		m = evolveMap(mu, kappa0, w.BurnIn).then(sampleMap(mu, kappa0, (w.Time-w.BurnIn)/float64(k)).pow(k))
	}
	// Final sample xT = t00·x₀ + d0·g, variance p00.
	aT, bT, vT := m.t00, m.d0, m.p00
	// Readout.
	aR, bR, vR, cRT := aT, bT, vT, vT // cRT = Cov(readout, xT)
	if k > 1 {
		kf := float64(k)
		aR, bR, vR, cRT = m.t10/kf, m.d1/kf, m.p11/(kf*kf), m.p01/kf
	}
	// State: xT after the delay.
	aS, bS, vS, cRS := aT, bT, vT, cRT
	if w.Delay > 0 {
		d := evolveMap(mu, kappa0, w.Delay)
		aS, bS = d.t00*aT, d.t00*bT+d.d0
		vS = d.t00*d.t00*vT + d.p00
		cRS = d.t00 * cRT
	}
	c := readCoef{aR: aR, bR: bR, aS: aS, bS: bS}
	c.l00 = math.Sqrt(vR)
	if c.l00 > 0 {
		c.l10 = cRS / c.l00
	}
	c.l11 = math.Sqrt(max(0, vS-c.l10*c.l10))
	return c
}
