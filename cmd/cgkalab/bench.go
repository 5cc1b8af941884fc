package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"cgkalab/bench"
	"cgkalab/models/suite"
)

const benchUsage = `usage: cgkalab bench tree [--sizes 10,14,17,20] [--runs 6] [--suite 1] [--shapes warm,built]

Measures full-path commit creation and processing on synthetic trees of
2^k members and compares each with the summed time of its own cryptographic
operations. Sizes are given as powers of two. Progress goes to stderr, the
table to stdout.
`

func runBench(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "peers" {
		return runPeers(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "tree" {
		fmt.Fprint(stderr, benchUsage)
		return usageError{"bench: expected subcommand tree"}
	}
	fs := flag.NewFlagSet("bench tree", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sizes := fs.String("sizes", "10,14", "comma-separated log2 group sizes")
	runs := fs.Int("runs", 6, "runs per cell; the median is reported")
	suiteID := fs.Uint("suite", 1, "cipher suite code point")
	shapes := fs.String("shapes", "warm,built", "tree shapes: warm, built")
	if err := fs.Parse(args[1:]); err != nil {
		fmt.Fprint(stderr, benchUsage)
		return usageError{"bench tree: " + err.Error()}
	}
	var ns []int
	for _, f := range strings.Split(*sizes, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 || k > 24 {
			return usageError{fmt.Sprintf("bench tree: --sizes: %q is not a power-of-two exponent in 1..24", f)}
		}
		ns = append(ns, 1<<k)
	}
	var sh []bench.TreeShape
	for _, f := range strings.Split(*shapes, ",") {
		switch s := bench.TreeShape(strings.TrimSpace(f)); s {
		case bench.Warm, bench.Built:
			sh = append(sh, s)
		default:
			return usageError{fmt.Sprintf("bench tree: --shapes: unknown shape %q", f)}
		}
	}
	if *runs < 1 {
		return usageError{"bench tree: --runs must be at least 1"}
	}
	s, err := suite.ByID(suite.ID(*suiteID))
	if err != nil {
		return err
	}
	rows, err := bench.TreeTable(s, ns, sh, *runs, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "suite %s, median of %d runs\n", s, *runs)
	bench.WriteTreeTable(stdout, rows)
	return nil
}
