package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Merge combines the results directories of the shards of one scenario
// (written by runs with --shard I/N into separate directories) into the
// results directory out, as if the scenario had run unsharded into out:
// scenario.toml, every run file and the aggregates.
//
// Every shard directory must hold the same scenario.toml, byte for byte,
// and out must hold none or the same one; otherwise Merge returns an error
// wrapping [ErrMismatch]. A run file present in several directories is
// taken from the first one listed. Run files are copied as they are, so the
// merged files equal those of an unsharded run except in the wall_s
// columns.
//
// When some jobs have no run file in any shard, Merge copies the others,
// writes no aggregates and returns an error wrapping [ErrIncomplete] that
// lists them; running the scenario into out then runs only those jobs.
// Errors from reading the scenario match [ErrInvalid]; a bad run file
// wraps [ErrRunFile].
func Merge(out string, shards []string) (*Results, error) {
	if len(shards) == 0 {
		return nil, errors.New("scenarios: nothing to merge")
	}
	var resolved []byte
	for i, dir := range shards {
		path := filepath.Join(dir, ScenarioFile)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("scenarios: %s is not a results directory: %w", dir, err)
		}
		if i == 0 {
			resolved = data
			continue
		}
		if !bytes.Equal(data, resolved) {
			return nil, fmt.Errorf("%w: %s and %s differ (%s); shards to merge must come from the same scenario", ErrMismatch,
				path, filepath.Join(shards[0], ScenarioFile), firstDifference(data, resolved))
		}
	}
	s, err := Parse(filepath.Join(shards[0], ScenarioFile), resolved)
	if err != nil {
		return nil, err
	}
	adoptSweepOrder(s, append([]string{out}, shards...)...)
	jobs, err := s.Jobs()
	if err != nil {
		return nil, err
	}
	if err := prepareDir(out, resolved); err != nil {
		return nil, err
	}
	var missing []string
	for i := range jobs {
		j := &jobs[i]
		dst := RunPath(out, j.ID)
		found := false
		for _, dir := range shards {
			src := RunPath(dir, j.ID)
			if _, err := readRecord(src, j); errors.Is(err, fs.ErrNotExist) {
				continue
			} else if err != nil {
				return nil, err
			}
			found = true
			if same, err := sameFile(src, dst); err != nil {
				return nil, err
			} else if !same {
				data, err := os.ReadFile(src)
				if err != nil {
					return nil, err
				}
				if err := writeAtomic(dst, data); err != nil {
					return nil, err
				}
			}
			break
		}
		if !found {
			if _, err := os.Stat(dst); err != nil {
				missing = append(missing, j.ID)
			}
		}
	}
	if len(missing) > 0 {
		list := missing
		if len(list) > 10 {
			list = append(list[:10:10], "…")
		}
		return nil, fmt.Errorf("%w: %d of %d runs have no run file in any shard (%s); run 'tngd run %s --out %s' to complete them",
			ErrIncomplete, len(missing), len(jobs), strings.Join(list, " "), filepath.Join(out, ScenarioFile), out)
	}
	res, err := collect(out, s, jobs)
	if err != nil {
		return nil, err
	}
	if err := res.WriteAggregates(out); err != nil {
		return nil, err
	}
	return res, nil
}

// sameFile reports whether a and b are the same file (merging a shard
// directory into itself).
func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}
