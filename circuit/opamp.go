package circuit

import "math"

// closedLoop returns the factor 1/(1 + n/A₀) by which an op-amp of DC gain
// a.Gain (0: infinite) scales the ideal closed-loop response of a stage
// whose noise gain is n = 1 + (input conductances)/(feedback conductance).
// It is 1 for an ideal op-amp.
func (a OpAmp) closedLoop(noiseGain float64) float64 {
	if a.Gain == 0 {
		return 1
	}
	return 1 / (1 + noiseGain/a.Gain)
}

// invGain returns 1/A₀, 0 for an infinite gain.
func (a OpAmp) invGain() float64 {
	if a.Gain == 0 {
		return 0
	}
	return 1 / a.Gain
}

// poleTau returns the closed-loop time constant, in seconds, of a stage of
// noise gain n built on this op-amp: n/(2π·GBW) for a single-pole op-amp
// (the loop bandwidth is GBW/n), 0 when GBW is infinite.
func (a OpAmp) poleTau(noiseGain float64) float64 {
	if a.GBW == 0 {
		return 0
	}
	return noiseGain / (2 * math.Pi * a.GBW)
}
