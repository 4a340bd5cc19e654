package scenarios

import "github.com/tngd/tngd/nn"

// stepFLOPs counts the floating-point operations of the digital side of one
// optimizer step (a multiply-add counts as two), for the compute model of
// [Digital]. b is the batch size, dz the model's output size, n the number
// of parameters N and f the model's per-sample costs; r = b·dz.
//
//   - gradient (every method): b·(forward + backward);
//   - Jacobian J, for the methods that form it (exact NGD, NGD-Woodbury,
//     TNGD, TNGD-Adam), instead of the gradient: b·(forward + dz·backward),
//     the gradient then being Jᵀ∂ℓ/∂z (2rN);
//   - output Hessian H: b·dz² (negligible);
//   - exact NGD: F = JᵀHJ on its upper triangle N²·r, Cholesky N³/3,
//     two triangular solves 2N² (for N ≤ maxDense; above, as Woodbury);
//   - NGD-Woodbury: Gram JJᵀ on its upper triangle r²N, LU 2r³/3, J and Jᵀ
//     products 4rN, vector work 2N;
//   - NGD-CG: c GGN-vector products, each a JVP and a VJP on the cached
//     forward pass, b·(forward + backward), plus 10N of vector work;
//   - TNGD: the solve is analog, nothing digital beyond J and H;
//   - the update: 4N for SGD-like rules, 10N for Adam-like rules;
//   - Levenberg–Marquardt damping adds, on the steps that adapt it, one
//     forward pass and one JVP: 2b·forward.
//
// These are the asymptotic costs of Table 1 of Donatella et al.
// (arXiv:2405.13817) with their constants made explicit.
//
// maxDense is the largest N that exact NGD solves densely (nn.ExactNGD's
// MaxDense); above it exact NGD costs what NGD-Woodbury costs.
func stepFLOPs(kind string, f nn.FLOPs, b, dz, n, maxDense int, info nn.StepInfo) float64 {
	B, DZ, N := float64(b), float64(dz), float64(n)
	fw, bw := float64(f.Forward), float64(f.Backward)
	r := B * DZ
	grad := B * (fw + bw)
	jac := B*(fw+DZ*bw) + 2*r*N + B*DZ*DZ
	var flops float64
	switch kind {
	case "sgd":
		flops = grad + 4*N
	case "adam":
		flops = grad + 10*N
	case "ngd":
		if n > maxDense {
			// nn solves exactly by Woodbury above MaxDense.
			flops = jac + r*r*N + 2*r*r*r/3 + 4*r*N + 6*N
		} else {
			flops = jac + N*N*r + N*N*N/3 + 2*N*N + 4*N
		}
	case "ngd-woodbury":
		flops = jac + r*r*N + 2*r*r*r/3 + 4*r*N + 6*N
	case "ngd-cg":
		c := float64(info.CGIters)
		flops = grad + c*(B*(fw+bw)+10*N) + 4*N
	case "tngd":
		flops = jac + 4*N
	case "tngd-adam":
		flops = jac + 10*N
	}
	if info.Rho == info.Rho { // not NaN: the damping was adapted
		flops += 2 * B * fw
	}
	return flops
}
