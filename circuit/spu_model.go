package circuit

import (
	"github.com/tngd/tngd/internal/gemm"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/unit/constant"
)

// spuModel is the linear stochastic model of a programmed SPU,
//
//	dx = (−M x + c) dt + L dW,  t in units of τ,
//
// held in structured form: diagonal cell terms and the array matrices, so
// that applying M costs one product with each array and M is never formed
// (except by dense, for small sizes). The state x is laid out as
//
//	[V (N cell outputs) | y (N capacitor voltages, cell GBW only) |
//	 u (r), w (r) (stages with memory only)]
//
// and the noise dW as [cells (N) | cell op-amp voltage noise (N, cell GBW
// only) | J stage (r), H stage (r) (factored)].
type spuModel struct {
	n, r                     int
	factored                 bool
	cellPole                 bool // cell op-amps with finite GBW: states y
	stageDyn                 bool // stages with memory: states u, w
	dim, offY, offU, offW    int
	nNoise, zE, zU, zW       int
	cellRail, stageRail      float64
	gtot                     []float64 // G_tot per cell, S
	d, eps, c0, sigC         []float64 // instant-cell form (always kept: fixed point)
	epsP, rgt, cY, vos, sigP []float64 // cell-pole form
	rgl, omega, invA0, sigE  float64
	F, Hs, B, Ahat           *mat.Dense
	u0, w0, sigU, sigW       []float64
	tauU, tauW               []float64
	arrays                   bool      // F, Hs, B or Ahat and the stage terms are built …
	arraysGen                uint64    // … for this programming (SPU.progGen)
	diffs                    bool      // F, Hs, B or Ahat were written by the programming …
	diffsGen                 uint64    // … of this generation
	u, w, w2, acc, coup      []float64 // work
	gemvPar                  gemm.Par  // the large products of gemv
}

// build computes the model of s's current programming.
func (m *spuModel) build(s *SPU) {
	hw := &s.hw
	n, r := s.n, s.r
	R, C, tau := hw.R, hw.C, s.tau
	kT := float64(constant.Boltzmann) * hw.Noise.Temperature
	sc := &s.scale
	m.n, m.r, m.factored = n, r, s.arch == Factored
	m.cellPole = hw.CellOpAmp.GBW > 0
	m.stageDyn = m.factored && (hw.StageTau > 0 || hw.StageOpAmp.GBW > 0)
	m.cellRail, m.stageRail = hw.CellOpAmp.Rail, hw.StageOpAmp.Rail
	m.dim, m.offY, m.offU, m.offW = n, n, n, n
	if m.cellPole {
		m.dim += n
		m.offU, m.offW = m.dim, m.dim
	}
	if m.stageDyn {
		m.offU, m.offW = m.dim, m.dim+r
		m.dim += 2 * r
	}
	m.nNoise, m.zE, m.zU, m.zW = n, n, n, n
	if m.cellPole {
		m.nNoise += n
		m.zU, m.zW = m.nNoise, m.nNoise
	}
	if m.factored {
		m.zU, m.zW = m.nNoise, m.nNoise+r
		m.nNoise += 2 * r
	}
	m.u, m.w, m.w2, m.acc = spuGrow(m.u, r), spuGrow(m.w, r), spuGrow(m.w2, r), spuGrow(m.acc, r)
	m.coup = spuGrow(m.coup, n)
	m.gtot = spuGrow(m.gtot, n)

	// Couplings and stages: they change only with a programming.
	en2 := hw.StageOpAmp.NoiseDensity * hw.StageOpAmp.NoiseDensity
	// The stage matrices may have been written at programming (see
	// SPU.ProgramFactored).
	diffs := m.diffs && m.diffsGen == s.progGen
	stage := func(a *ResistorArray, dst *mat.Dense, off []float64, u0, sig, taus []float64) *mat.Dense {
		rows, _ := a.Dims()
		if dst == nil {
			dst = &mat.Dense{}
		}
		sums := a.sums
		cls := make([]float64, rows)
		for k := 0; k < rows; k++ {
			ng := 1 + R*sums[k]                // noise gain with feedback R
			cl := hw.StageOpAmp.closedLoop(ng) // as SPU.stageGain
			cls[k] = cl
			u0[k] = cl * ng * off[k]
			// Johnson noise of the row and of the feedback resistor, and the
			// op-amp's input noise, as a white voltage at the output (V²·s),
			// then per unit of √τ.
			q := cl*cl*R*R*2*kT*(sums[k]+1/R) + cl*cl*ng*ng*en2/2
			sig[k] = math.Sqrt(q / tau)
			// A feedback capacitor R·C_f = StageTau·τ around an op-amp of gain
			// A₀ gives τ_a = StageTau·(1 + 1/A₀)·cl; a finite GBW adds the
			// loop's own time constant n/(2π·GBW) (first-order approximation).
			taus[k] = hw.StageTau*(1+hw.StageOpAmp.invGain())*cl + hw.StageOpAmp.poleTau(ng)/tau
		}
		if !diffs {
			// Row k of the stage matrix is R·cl_k·(G⁺ − G⁻)_k.
			a.diffTo(dst, R, cls)
		}
		return dst
	}
	var gArr []float64
	fresh := m.arrays && m.arraysGen == s.progGen
	if m.factored {
		if !fresh {
			m.u0, m.w0 = spuGrow(m.u0, r), spuGrow(m.w0, r)
			m.sigU, m.sigW = spuGrow(m.sigU, r), spuGrow(m.sigW, r)
			m.tauU, m.tauW = spuGrow(m.tauU, r), spuGrow(m.tauW, r)
			m.F = stage(s.arrJ, m.F, s.offU, m.u0, m.sigU, m.tauU)
			m.Hs = stage(s.arrH, m.Hs, s.offW, m.w0, m.sigW, m.tauW)
			if m.B == nil {
				m.B = &mat.Dense{}
			}
			if !diffs {
				s.arrJT.DiffTo(m.B, R)
			}
		}
		gArr = s.arrJT.sums
	} else {
		if !fresh && !diffs {
			if m.Ahat == nil {
				m.Ahat = &mat.Dense{}
			}
			s.arrA.DiffTo(m.Ahat, R)
		}
		gArr = s.arrA.sums
	}
	m.arrays, m.arraysGen = true, s.progGen

	// Cells.
	amp := hw.CellOpAmp
	m.invA0 = amp.invGain()
	gl := sc.Damping
	m.rgl = R * gl
	for _, p := range []*[]float64{&m.d, &m.eps, &m.c0, &m.sigC, &m.epsP, &m.rgt, &m.cY, &m.vos, &m.sigP} {
		*p = spuGrow(*p, n)
	}
	cen2 := amp.NoiseDensity * amp.NoiseDensity
	for i := 0; i < n; i++ {
		gt := gl + sc.Input + gArr[i]
		m.gtot[i] = gt
		ci := C / s.capC[i]
		m.eps[i] = ci / (1 + m.invA0)
		m.d[i] = m.eps[i] * (R*gl + R*gt*m.invA0)
		m.c0[i] = m.eps[i] * (R*sc.Input*s.vdac[i] + R*gt*s.cellOffset[i])
		q := 2*kT*gt + sc.InjectedPSD/2 // current intensity, A²·s
		m.sigP[i] = ci / C * math.Sqrt(q*tau)
		m.sigC[i] = m.eps[i] / C * math.Sqrt((q+gt*gt*cen2/2)*tau)
		m.epsP[i] = ci
		m.rgt[i] = R * gt
		m.cY[i] = ci * R * sc.Input * s.vdac[i]
		m.vos[i] = s.cellOffset[i]
	}
	m.omega = 2 * math.Pi * amp.GBW * tau
	m.sigE = m.omega * math.Sqrt(cen2/(2*tau))
}

func spuGrow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// gemv computes y = alpha·A·x (y overwritten) for the model's stage and
// drift matrices: by the J-product kernel (gemm.Par.RowDots, rows split over
// the cores, the result independent of their number) when A has at least
// gemvParMin entries, else by gonum's Dgemv.
func (m *spuModel) gemv(alpha float64, a *mat.Dense, x, y []float64) {
	raw := a.RawMatrix()
	if raw.Rows*raw.Cols < gemvParMin {
		blas64.Gemv(blas.NoTrans, alpha, raw, blas64.Vector{N: len(x), Inc: 1, Data: x}, 0, blas64.Vector{N: len(y), Inc: 1, Data: y})
		return
	}
	m.gemvPar.RowDots(1, [gemm.MaxVec][]float64{y[:raw.Rows]}, [gemm.MaxVec][]float64{x[:raw.Cols]}, raw.Data, raw.Stride, raw.Rows, raw.Cols)
	if alpha != 1 {
		for i := range y[:raw.Rows] {
			y[i] *= alpha
		}
	}
}

// gemvParMin is the smallest matrix (in entries, 512 KiB) whose products
// are split over the cores.
const gemvParMin = 1 << 16

// initState lays out the state for cell voltages v: op-amp poles and
// stages at their equilibrium with v.
func (m *spuModel) initState(x, v []float64) {
	copy(x[:m.n], v)
	if m.cellPole {
		for i := 0; i < m.n; i++ {
			x[m.offY+i] = v[i]*(1+m.invA0) - m.vos[i]
		}
	}
	if m.stageDyn {
		u, w := x[m.offU:m.offU+m.r], x[m.offW:m.offW+m.r]
		m.gemv(1, m.F, v, u)
		for k := range u {
			u[k] += m.u0[k]
		}
		m.gemv(1, m.Hs, u, w)
		for k := range w {
			w[k] += m.w0[k]
		}
	}
}

// apply computes dst = a·(−M x + [c]) + b·L z, the increment of one
// Euler–Maruyama step for a = h, b = √h. x nil means 0, z nil means no
// noise; withConst includes c (inputs and offsets). With clip, the outputs
// of memoryless stages are clipped at the stage rails (a nonlinearity: M
// and c then describe the unclipped circuit), and the clips are counted.
// dst must not alias x.
func (m *spuModel) apply(dst, x []float64, a, b float64, z []float64, withConst, clip bool) (stageSat int) {
	n, r := m.n, m.r
	coup := m.coup
	var V []float64
	if x != nil {
		V = x[:n]
	}
	noisy := z != nil && b != 0
	switch {
	case m.factored && !m.stageDyn:
		u, w, acc := m.u, m.w, m.acc
		if V != nil {
			m.gemv(1, m.F, V, u)
		} else {
			clear(u)
		}
		if withConst {
			for k := range u {
				u[k] += m.u0[k]
			}
		}
		if clip && m.stageRail > 0 {
			stageSat += spuClip(u, m.stageRail)
		}
		if noisy && !(clip && m.stageRail > 0) {
			// No rail on w: one product Ĥ(a·u + b·σ_u⊙z_u) serves the drift
			// and the J stage's noise.
			zu, zw := z[m.zU:m.zU+r], z[m.zW:m.zW+r]
			for k := range u {
				u[k] = a*u[k] + b*m.sigU[k]*zu[k]
			}
			m.gemv(1, m.Hs, u, acc)
			for k := range acc {
				if withConst {
					acc[k] += a * m.w0[k]
				}
				acc[k] += b * m.sigW[k] * zw[k]
			}
			m.gemv(1, m.B, acc, coup)
			break
		}
		m.gemv(1, m.Hs, u, w)
		if withConst {
			for k := range w {
				w[k] += m.w0[k]
			}
		}
		if clip && m.stageRail > 0 {
			stageSat += spuClip(w, m.stageRail)
		}
		for k := range acc {
			acc[k] = a * w[k]
		}
		if noisy {
			zu, zw := z[m.zU:m.zU+r], z[m.zW:m.zW+r]
			t := m.u
			for k := range t {
				t[k] = m.sigU[k] * zu[k]
			}
			m.gemv(1, m.Hs, t, m.w2)
			for k := range acc {
				acc[k] += b * (m.w2[k] + m.sigW[k]*zw[k])
			}
		}
		m.gemv(1, m.B, acc, coup)
	case m.factored:
		if x != nil {
			m.gemv(a, m.B, x[m.offW:m.offW+r], coup)
		} else {
			clear(coup)
		}
	default:
		if V != nil {
			m.gemv(a, m.Ahat, V, coup)
		} else {
			clear(coup)
		}
	}

	if !m.cellPole {
		for i := 0; i < n; i++ {
			v := 0.0
			if V != nil {
				v = V[i]
			}
			val := -m.eps[i]*coup[i] - a*m.d[i]*v
			if withConst {
				val += a * m.c0[i]
			}
			if noisy {
				val += b * m.sigC[i] * z[i]
			}
			dst[i] = val
		}
	} else {
		for i := 0; i < n; i++ {
			v, y := 0.0, 0.0
			if x != nil {
				v, y = V[i], x[m.offY+i]
			}
			dy := a*m.epsP[i]*(m.rgt[i]*(v-y)-m.rgl*v) - m.epsP[i]*coup[i]
			dv := a * m.omega * (y - v*(1+m.invA0))
			if withConst {
				dy += a * m.cY[i]
				dv += a * m.omega * m.vos[i]
			}
			if noisy {
				dy += b * m.sigP[i] * z[i]
				dv += b * m.sigE * z[m.zE+i]
			}
			dst[m.offY+i] = dy
			dst[i] = dv
		}
	}

	if m.stageDyn {
		du, dw := dst[m.offU:m.offU+r], dst[m.offW:m.offW+r]
		if V != nil {
			m.gemv(1, m.F, V, m.u)
			m.gemv(1, m.Hs, x[m.offU:m.offU+r], m.w)
		} else {
			clear(m.u)
			clear(m.w)
		}
		for k := 0; k < r; k++ {
			tu, tw := m.u[k], m.w[k]
			if x != nil {
				tu -= x[m.offU+k]
				tw -= x[m.offW+k]
			}
			if withConst {
				tu += m.u0[k]
				tw += m.w0[k]
			}
			du[k] = a * tu / m.tauU[k]
			dw[k] = a * tw / m.tauW[k]
			if noisy {
				du[k] += b * m.sigU[k] / m.tauU[k] * z[m.zU+k]
				dw[k] += b * m.sigW[k] / m.tauW[k] * z[m.zW+k]
			}
		}
	}
	return stageSat
}

// spuClip clips every entry of v to ±rail and returns how many it clipped.
func spuClip(v []float64, rail float64) int {
	c := 0
	for i, x := range v {
		if x > rail {
			v[i] = rail
			c++
		} else if x < -rail {
			v[i] = -rail
			c++
		}
	}
	return c
}

// clipState clips the cell outputs and the stage states of x at their
// rails, returning the counts.
func (m *spuModel) clipState(x []float64) (cells, stages int) {
	if m.cellRail > 0 {
		cells = spuClip(x[:m.n], m.cellRail)
	}
	if m.stageDyn && m.stageRail > 0 {
		stages = spuClip(x[m.offU:m.offU+2*m.r], m.stageRail)
	}
	return cells, stages
}

// dense returns M (dim×dim), c (dim) and L (dim×nNoise) formed by applying
// the structured model to unit vectors: for small models only.
func (m *spuModel) dense() (M *mat.Dense, c []float64, L *mat.Dense) {
	dim := m.dim
	M = mat.NewDense(dim, dim, nil)
	col := make([]float64, dim)
	e := make([]float64, dim)
	for j := 0; j < dim; j++ {
		e[j] = 1
		m.apply(col, e, 1, 0, nil, false, false)
		e[j] = 0
		for i, v := range col {
			M.Set(i, j, -v)
		}
	}
	c = make([]float64, dim)
	m.apply(c, nil, 1, 0, nil, true, false)
	L = mat.NewDense(dim, m.nNoise, nil)
	z := make([]float64, m.nNoise)
	for k := 0; k < m.nNoise; k++ {
		z[k] = 1
		m.apply(col, nil, 0, 1, z, false, false)
		z[k] = 0
		for i, v := range col {
			L.Set(i, k, v)
		}
	}
	return M, c, L
}

// denseModel rebuilds the model if needed and returns it in dense form.
func (s *SPU) denseModel() (M *mat.Dense, c []float64, L *mat.Dense) {
	s.mustBeReady()
	s.ensurePlanned()
	s.rebuild()
	return s.model.dense()
}
