// Package plots will hold the figures drawn from results. Nothing in it
// works yet.
package plots
