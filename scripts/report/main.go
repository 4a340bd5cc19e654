// Command report writes docs/reproduction.md from the results of
// scripts/reproduce: for each paper scenario, the command that ran it, its
// budget against the shipped file, its key figures (copied as PNG into the
// figures directory), tables of the measured numbers, and the verdicts of
// fixed rules (claims.go) on the paper's claims.
//
// Usage:
//
//	go run ./scripts/report [--results DIR] [--out FILE] [--figures DIR] [--scenarios DIR] NAME...
//
// NAME is a scenario: its shipped file is SCENARIOS/NAME.toml and its
// results directory RESULTS/NAME (with RESULTS/NAME.cmd holding the
// command and RESULTS/NAME.wall its wall time in seconds, as written by
// scripts/reproduce; both are optional). A scenario without results gets a
// "not run" section. The figures directory is emptied of PNG files first,
// so that it holds exactly the figures the report links.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tngd/tngd/scenarios"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// options are the command line of report.
type options struct {
	Results   string // results root: one directory per scenario
	Out       string // the report
	Figures   string // where the embedded PNGs go
	Scenarios string // the shipped scenario files
	Names     []string
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.Results, "results", "results/reproduction", "directory holding one results directory per scenario")
	fs.StringVar(&o.Out, "out", "docs/reproduction.md", "the report to write")
	fs.StringVar(&o.Figures, "figures", "docs/figures", "directory for the embedded figures")
	fs.StringVar(&o.Scenarios, "scenarios", "scenarios", "directory of the shipped scenario files")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Names = fs.Args()
	if len(o.Names) == 0 {
		return errors.New("name at least one scenario")
	}
	return generate(o)
}

// generate reads the results of every scenario of o, copies their figures
// and writes the report.
func generate(o options) error {
	if err := os.MkdirAll(o.Figures, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(o.Figures, "*.png"))
	for _, p := range old {
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	rel, err := filepath.Rel(filepath.Dir(o.Out), o.Figures)
	if err != nil {
		return err
	}
	var secs []section
	for _, name := range o.Names {
		sec, err := readSection(o, name, filepath.ToSlash(rel))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		secs = append(secs, sec)
	}
	var b bytes.Buffer
	writeReport(&b, secs)
	return os.WriteFile(o.Out, b.Bytes(), 0o644)
}

// readSection reads one scenario's shipped file, results, command and wall
// time, and copies its chosen figures into o.Figures as NAME-FIGURE.png,
// linked as rel/NAME-FIGURE.png.
func readSection(o options, name, rel string) (section, error) {
	sec := section{Name: name, Wall: math.NaN()}
	shipped, err := scenarios.Load(filepath.Join(o.Scenarios, name+".toml"))
	if err != nil {
		return sec, err
	}
	sec.Shipped = shipped
	dir := filepath.Join(o.Results, name)
	if _, err := os.Stat(filepath.Join(dir, scenarios.ScenarioFile)); errors.Is(err, fs.ErrNotExist) {
		return sec, nil
	}
	res, err := scenarios.ReadResults(dir)
	if err != nil {
		return sec, err
	}
	if len(res.Runs) == 0 {
		return sec, nil
	}
	sec.Res = res
	if b, err := os.ReadFile(filepath.Join(o.Results, name+".cmd")); err == nil {
		sec.Command = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile(filepath.Join(o.Results, name+".wall")); err == nil {
		if v, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64); err == nil {
			sec.Wall = v
		}
	}
	plotsDir := filepath.Join(dir, scenarios.PlotsDir)
	for _, fig := range chooseFigures(res, plotsDir) {
		base := name + "-" + fig + ".png"
		if err := copyFile(filepath.Join(o.Figures, base), filepath.Join(plotsDir, fig+".png")); err != nil {
			return sec, err
		}
		sec.Figures = append(sec.Figures, figure{Name: fig, Link: rel + "/" + base})
	}
	return sec, nil
}

func copyFile(dst, src string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
