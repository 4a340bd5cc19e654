package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// env is what a command may touch besides its arguments.
type env struct {
	stdout io.Writer
	stderr io.Writer
	// terminal reports whether stderr is an interactive terminal (progress
	// bars are drawn only then).
	terminal bool
}

// A command is one subcommand of tngd. Its help text is the documentation;
// doc.go is generated from it (see help_test.go).
type command struct {
	name  string // the word after tngd
	usage string // arguments after "tngd name", e.g. "[--seed S] FILE"
	short string // one line for the command list
	long  string // full description, printed by tngd help name
	// setup declares the command's flags on fs and returns the function that
	// runs it once fs is parsed; args are the positional arguments.
	setup func(fs *flag.FlagSet) func(ctx context.Context, e *env, args []string) error
}

var commands []*command

// register adds c to the command table; command files call it from init.
func register(c *command) {
	commands = append(commands, c)
	slices.SortFunc(commands, func(a, b *command) int { return strings.Compare(a.name, b.name) })
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// usageError is a mistake in how tngd was called or in the input it was
// given; it exits with status 2.
type usageError struct {
	err  error
	hint string // extra line printed after the error, such as a usage line
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usage error with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// badInput marks err (a file that cannot be read or parsed, a value out of
// range) as bad input: exit status 2.
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return &usageError{err: err}
}

// errHelp is returned after help was printed on request.
var errHelp = errors.New("help requested")

// newFlagSet builds c's flag set, silenced: run reports parse errors itself.
func (c *command) newFlagSet() (*flag.FlagSet, func(context.Context, *env, []string) error) {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var fn func(context.Context, *env, []string) error
	if c.setup != nil {
		fn = c.setup(fs)
	}
	return fs, fn
}

// parseInterspersed parses flags that may appear before, between or after
// positional arguments (tngd tran FILE --out x.csv), and returns the
// positional ones. "--" ends flag parsing.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops at the first non-flag or after "--"; a "--" consumed by
		// flag leaves no trace, so look at what preceded rest.
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// run is the whole program: it parses args, runs one command and returns
// its error. It writes data to stdout and messages to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	e := &env{stdout: stdout, stderr: stderr, terminal: isTerminal(stderr)}
	if len(args) == 0 {
		printCommands(stderr)
		return &usageError{err: errors.New("no command given")}
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "-help" {
		name = "help"
	}
	c := lookup(name)
	if c == nil {
		return &usageError{err: fmt.Errorf("unknown command %q", name), hint: "Run 'tngd help' for the list of commands."}
	}
	fs, fn := c.newFlagSet()
	pos, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		printHelp(stdout, c)
		return errHelp
	}
	if err != nil {
		return &usageError{err: fmt.Errorf("%s: %v", c.name, err), hint: fmt.Sprintf("usage: tngd %s %s\nRun 'tngd help %s' for details.", c.name, c.usage, c.name)}
	}
	return fn(ctx, e, pos)
}

// isTerminal reports whether w is a character device (an interactive
// terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
