package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/tngd/tngd/scenarios"
)

func init() {
	register(&command{
		name:  "merge",
		usage: "--out DIR SHARD_DIR...",
		short: "combine the results of the shards of a run",
		long: `Merge combines results directories written by 'tngd run --shard I/N' into
DIR, which then holds what an unsharded run would have written (the same
files, equal except for the wall-clock columns): scenario.toml, every run
file, metrics.csv, summary.csv, summary.json and the figures.

Every SHARD_DIR must hold the same scenario.toml, and DIR none or the same
one; otherwise merge exits with status 2. A job found in several
directories is taken from the first one listed.

When some jobs are in none of the directories, merge copies the others,
lists the missing ones and exits with status 1;
'tngd run DIR/scenario.toml --out DIR' then runs just those.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			var out string
			fs.StringVar(&out, "out", "", "write the merged results into `DIR` (required)")
			return func(ctx context.Context, e *env, args []string) error {
				if out == "" {
					return usagef("merge: --out DIR is required")
				}
				if len(args) == 0 {
					return usagef("merge: no SHARD_DIR given")
				}
				res, err := scenarios.Merge(out, args)
				if err != nil {
					return scenarioError(err)
				}
				fmt.Fprintf(e.stderr, "tngd: %d runs from %d directories in %s\n", len(res.Runs), len(args), out)
				if err := finishResults(ctx, e, out); err != nil {
					return err
				}
				printRuns(e.stdout, res)
				return nil
			}
		},
	})
}
