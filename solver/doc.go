// Package solver will hold linear-system solvers for (JᵀHJ + λI)x = g and
// Ax = b: the thermodynamic solver on the simulated device and the digital
// references (dense Cholesky, CG, Woodbury). Nothing in it works yet.
package solver
