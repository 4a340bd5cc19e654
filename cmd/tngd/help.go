package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

func init() {
	register(&command{
		name:  "help",
		usage: "[COMMAND]",
		short: "show help for tngd or one of its commands",
		long: `Help lists the commands of tngd, or, given a command name, prints that
command's usage, description and flags. 'tngd COMMAND -h' does the same.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(_ context.Context, e *env, args []string) error {
				switch len(args) {
				case 0:
					printCommands(e.stdout)
					return nil
				case 1:
					c := lookup(args[0])
					if c == nil {
						return usagef("help: unknown command %q", args[0])
					}
					printHelp(e.stdout, c)
					return nil
				}
				return usagef("help: too many arguments")
			}
		},
	})
}

const intro = `Tngd simulates the analog hardware of thermodynamic natural gradient
descent (TNGD) at circuit level, and trains neural networks through it.`

// printCommands writes the overview with one line per command.
func printCommands(w io.Writer) {
	fmt.Fprintf(w, "%s\n\nUsage:\n\n\ttngd COMMAND [arguments]\n\nThe commands are:\n\n", intro)
	for _, c := range commands {
		fmt.Fprintf(w, "\t%-10s %s\n", c.name, c.short)
	}
	fmt.Fprint(w, "\nUse 'tngd help COMMAND' for more information about a command.\n")
}

// printHelp writes c's usage, description and flags.
func printHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "usage: tngd %s %s\n\n%s\n", c.name, c.usage, strings.TrimSpace(c.long))
	fs, _ := c.newFlagSet()
	var flags strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(&flags, "  --%s", f.Name)
		if name != "" {
			fmt.Fprintf(&flags, " %s", name)
		}
		fmt.Fprintf(&flags, "\n    \t%s", strings.ReplaceAll(usage, "\n", "\n    \t"))
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(&flags, " (default %s)", f.DefValue)
		}
		flags.WriteString("\n")
	})
	if flags.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", flags.String())
	}
}
