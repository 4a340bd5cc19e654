// Package scenarios will hold TOML scenario files, runs, sweeps and their
// results. Nothing in it works yet.
package scenarios
