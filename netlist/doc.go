// Package netlist will hold the circuit as text: a SPICE-subset reader
// that builds circuits, and a writer of ngspice-compatible netlists.
// Nothing in it works yet.
package netlist
