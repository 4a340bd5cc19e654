// Package nn will hold neural networks, their curvature (Jacobians,
// output Hessians, GGN products), the optimizer family and the training
// loop on MNIST. Nothing in it works yet.
package nn
