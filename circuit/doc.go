// Package circuit will hold the component-level model of the analog
// hardware: components, their assembly into a linear stochastic
// state-space model, and its exact and Euler–Maruyama evolution.
// Nothing in it works yet.
package circuit
