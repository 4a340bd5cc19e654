package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"strings"

	"github.com/tngd/tngd/scenarios"
)

func init() {
	register(&command{
		name:  "validate",
		usage: "FILE [--set dotted.key=value]...",
		short: "check a scenario file without running it",
		long: `Validate reads the scenario FILE strictly, applies the --set overrides,
expands its sweep and checks every point, exactly as 'tngd run' would, but
trains nothing. On success it prints one line:

	FILE: NAME: P points × S seeds × O optimizers = J jobs

and exits 0. An invalid file (a syntax error, an unknown key, a value of the
wrong type, out of range or unphysical, an unknown optimizer, a sweep point
that does not validate) prints the error, naming the file, the line where
known and the dotted key, and exits with status 2.

--set assigns a value to a dotted key before validation, as in a sweep:
--set hardware.arrays.bits=8, --set optimizer.tngd.lr=0.02 (an optimizer is
addressed by its name, its kind or its index). It may be repeated. The keys
are listed in docs/scenario.md.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			var sets setFlags
			fs.Var(&sets, "set", "override a `dotted.key=value` of the scenario (repeatable)")
			return func(_ context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("validate: want one scenario FILE, got %d arguments", len(args))
				}
				s, err := loadScenario(args[0], sets)
				if err != nil {
					return err
				}
				jobs, err := expandJobs(args[0], s)
				if err != nil {
					return err
				}
				p, sd, o, _ := s.Counts()
				fmt.Fprintf(e.stdout, "%s: %s: %d %s × %d %s × %d %s = %d %s\n", args[0], s.Name,
					p, plural(p, "point"), sd, plural(sd, "seed"), o, plural(o, "optimizer"), len(jobs), plural(len(jobs), "job"))
				return nil
			}
		},
	})
}

// setFlags collects the repeatable --set flag.
type setFlags []string

func (s *setFlags) String() string { return strings.Join(*s, " ") }

func (s *setFlags) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("want dotted.key=value, got %q", v)
	}
	*s = append(*s, v)
	return nil
}

// loadScenario loads a scenario file with its overrides; a missing file
// and an invalid scenario are bad input (exit status 2).
func loadScenario(file string, sets []string) (*scenarios.Scenario, error) {
	s, err := scenarios.Load(file, sets...)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return nil, badInput(err)
	}
	if err != nil {
		return nil, scenarioError(err)
	}
	return s, nil
}

// expandJobs enumerates the jobs of s, loaded from file; an error about
// a sweep point is prefixed with the file's name.
func expandJobs(file string, s *scenarios.Scenario) ([]scenarios.Job, error) {
	jobs, err := s.Jobs()
	if err != nil {
		var fe *scenarios.FieldError
		if errors.As(err, &fe) && fe.File != file {
			err = fmt.Errorf("%s: %w", file, err)
		}
		return nil, scenarioError(err)
	}
	return jobs, nil
}

// scenarioError marks the errors that come from the user's input (an
// invalid scenario or shard, a results directory of another scenario) as
// bad input, exit status 2.
func scenarioError(err error) error {
	if errors.Is(err, scenarios.ErrInvalid) || errors.Is(err, scenarios.ErrMismatch) || errors.Is(err, scenarios.ErrShard) {
		return badInput(err)
	}
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
