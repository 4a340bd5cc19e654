package scenarios

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// DefaultSeeds are the master seeds of a scenario whose run.seeds is empty.
var DefaultSeeds = []uint64{1}

// JobID returns the run identifier of the job at index i: "r" and the
// index in at least four digits ("r0007", "r12345").
func JobID(i int) string { return fmt.Sprintf("r%04d", i) }

// Seeds returns Run.Seeds, or [DefaultSeeds] when it is empty. The slice
// must not be modified.
func (s *Scenario) Seeds() []uint64 {
	if len(s.Run.Seeds) == 0 {
		return DefaultSeeds
	}
	return s.Run.Seeds
}

// Jobs enumerates the training runs of s in their fixed order: for each
// sweep point in the order of [Sweep.Points], for each seed of
// [Scenario.Seeds] in file order, for each optimizer in file order. The
// job at position i has Index i and ID [JobID](i); the order, and so every
// ID and shard, depends only on the scenario, so that a resumed run, a
// shard and a merge all agree on it.
//
// Each job's Scenario is s.At(point), shared by the jobs of one point; the
// executor must not modify it. Jobs returns an error naming the point when
// a sweep point does not decode or validate (a *FieldError, which matches
// [ErrInvalid]).
func (s *Scenario) Jobs() ([]Job, error) {
	points, err := s.Sweep.Points()
	if err != nil {
		return nil, wrapInvalid("sweep", err)
	}
	seeds := s.Seeds()
	jobs := make([]Job, 0, len(points)*len(seeds)*len(s.Optimizers))
	for _, p := range points {
		at, err := s.At(p)
		if err != nil {
			return nil, err
		}
		if len(at.Optimizers) != len(s.Optimizers) {
			return nil, &FieldError{File: "sweep point " + p.String(), Key: "optimizer",
				Err: fmt.Errorf("a sweep point may not change the number of optimizers (%d, not %d)", len(at.Optimizers), len(s.Optimizers))}
		}
		for _, seed := range seeds {
			for o := range s.Optimizers {
				i := len(jobs)
				jobs = append(jobs, Job{Index: i, ID: JobID(i), Point: p, Seed: seed, Optimizer: o, Scenario: at})
			}
		}
	}
	return jobs, nil
}

// Counts returns the size of the enumeration of [Scenario.Jobs] without
// decoding the points: points × seeds × optimizers = jobs. It returns the
// error of [Sweep.Points].
func (s *Scenario) Counts() (points, seeds, optimizers int, err error) {
	ps, err := s.Sweep.Points()
	if err != nil {
		return 0, 0, 0, wrapInvalid("sweep", err)
	}
	return len(ps), len(s.Seeds()), len(s.Optimizers), nil
}

// Shard selects a deterministic subset of the jobs of a scenario, so that
// independent processes (a Slurm job array, a Kubernetes indexed job) can
// share a sweep: shard I of N holds the jobs whose Index satisfies
// Index mod N = I. Jobs are dealt round-robin, so shards differ in size by
// at most one job and each holds a spread of points. The zero value is the
// single shard holding every job.
type Shard struct {
	// Index is I, in [0, Count).
	Index int
	// Count is N; 0 means 1.
	Count int
}

// ErrShard is returned by [ParseShard] for a malformed shard.
var ErrShard = errors.New("scenarios: invalid shard")

// ParseShard reads a shard written "I/N" with 0 ≤ I < N (as given to
// --shard). The empty string is the zero Shard (everything). Errors wrap
// [ErrShard].
func ParseShard(text string) (Shard, error) {
	if text == "" {
		return Shard{}, nil
	}
	is, ns, ok := strings.Cut(text, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("%w %q: want I/N, for example 0/4", ErrShard, text)
	}
	if n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("%w %q: want 0 ≤ I < N", ErrShard, text)
	}
	return Shard{Index: i, Count: n}, nil
}

// count returns N with its default.
func (sh Shard) count() int {
	if sh.Count <= 0 {
		return 1
	}
	return sh.Count
}

// Contains reports whether the job with the given index belongs to the
// shard. It panics if the shard is invalid (Index outside [0, Count)).
func (sh Shard) Contains(index int) bool {
	n := sh.count()
	if sh.Index < 0 || sh.Index >= n {
		panic(fmt.Sprintf("scenarios: shard %d/%d out of range", sh.Index, sh.Count))
	}
	return index%n == sh.Index
}

// Select returns the jobs of the shard, in order, in a new slice.
func (sh Shard) Select(jobs []Job) []Job {
	var out []Job
	for _, j := range jobs {
		if sh.Contains(j.Index) {
			out = append(out, j)
		}
	}
	return out
}

// String formats the shard as "I/N".
func (sh Shard) String() string { return fmt.Sprintf("%d/%d", sh.Index, sh.count()) }
