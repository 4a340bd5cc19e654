package nn

import (
	"fmt"
	"math"
)

// Loss is a per-sample loss ℓ(z, y) of the network output z (length dz)
// against a target y (length dz). The minibatch loss is the mean over
// samples. Implementations must not retain their arguments.
type Loss interface {
	// LossGradTo returns ℓ(z, y) and, when dst is non-nil, writes ∂ℓ/∂z
	// into dst (length dz).
	LossGradTo(dst, z, y []float64) float64
	// HessianTo writes the dz×dz output Hessian ∂²ℓ/∂z² (row-major,
	// symmetric positive semi-definite) into dst (length dz²).
	HessianTo(dst, z, y []float64)
}

// CrossEntropy is the softmax cross-entropy ℓ = −Σ_o y_o log p_o with
// p = softmax(z), for targets y that are probability vectors (one-hot for
// labels). Gradient p − y and Hessian diag(p) − ppᵀ (both assume Σ y = 1).
// Computed with the log-sum-exp shift, so large logits do not overflow.
type CrossEntropy struct{}

// SquaredError is ℓ = ½‖z − y‖², the "MSE" loss with the ½ that makes its
// output Hessian the identity (PHYSICS.md §1). Gradient z − y.
type SquaredError struct{}

// LossGradTo implements [Loss].
func (CrossEntropy) LossGradTo(dst, z, y []float64) float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = max(m, v)
	}
	s := 0.0
	for _, v := range z {
		s += math.Exp(v - m)
	}
	lse := m + math.Log(s)
	l := 0.0
	for o, v := range z {
		if y[o] != 0 {
			l -= y[o] * (v - lse)
		}
	}
	if dst != nil {
		for o, v := range z {
			dst[o] = math.Exp(v-lse) - y[o]
		}
	}
	return l
}

// HessianTo implements [Loss]: diag(p) − ppᵀ.
func (CrossEntropy) HessianTo(dst, z, _ []float64) {
	n := len(z)
	p := dst[:n] // use the first row as scratch for p
	softmaxTo(p, z)
	// Fill from the last row backwards so that p (row 0) is read before it
	// is overwritten.
	for i := n - 1; i >= 0; i-- {
		pi := p[i]
		row := dst[i*n : (i+1)*n]
		if i == 0 {
			// row 0 aliases p: compute in place.
			for j := n - 1; j >= 0; j-- {
				row[j] = -pi * p[j]
			}
			row[0] += pi
			continue
		}
		for j := range n {
			row[j] = -pi * p[j]
		}
		row[i] += pi
	}
}

func softmaxTo(p, z []float64) {
	m := math.Inf(-1)
	for _, v := range z {
		m = max(m, v)
	}
	s := 0.0
	for o, v := range z {
		p[o] = math.Exp(v - m)
		s += p[o]
	}
	for o := range p[:len(z)] {
		p[o] /= s
	}
}

// LossGradTo implements [Loss].
func (SquaredError) LossGradTo(dst, z, y []float64) float64 {
	l := 0.0
	for o, v := range z {
		d := v - y[o]
		l += d * d
		if dst != nil {
			dst[o] = d
		}
	}
	return l / 2
}

// HessianTo implements [Loss]: the identity.
func (SquaredError) HessianTo(dst, z, _ []float64) {
	n := len(z)
	clear(dst[:n*n])
	for i := range n {
		dst[i*n+i] = 1
	}
}

// LossByName returns the loss called name: "ce" or "cross-entropy" (the
// default for "") and "mse" or "squared-error". It returns an error for
// other names.
func LossByName(name string) (Loss, error) {
	switch name {
	case "", "ce", "cross-entropy":
		return CrossEntropy{}, nil
	case "mse", "squared-error":
		return SquaredError{}, nil
	}
	return nil, fmt.Errorf("nn: unknown loss %q (want ce or mse)", name)
}
