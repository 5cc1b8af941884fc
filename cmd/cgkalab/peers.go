package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"cgkalab/bench/peers"
)

const peersUsage = `usage: cgkalab bench peers [--sizes 3,6,9,12] [--runs 3] [--warm-max 9] [--dir bench/peers]

Runs the same MLS scenarios (group build and join; full-path commit
creation and processing in a built and in a warm tree) with cgkalab, in
this process, and with ts-mls, the TypeScript implementation pinned in
bench/peers/package-lock.json, under node; prints one table with the
ratio ts-mls/cgkalab per scenario, size and metric. Sizes are powers of
two (exponents, at least 2). The warm scenario runs up to 2^warm-max
members: reaching a warm tree takes n/2 commits, each of which costs ts-mls
time linear in n. Installs node_modules with npm ci when missing. Without
node on the PATH it says so and exits with status 0. Progress goes to
stderr, the table to stdout.
`

func runPeers(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench peers", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sizes := fs.String("sizes", "3,6,9,12", "comma-separated log2 group sizes")
	runs := fs.Int("runs", 3, "runs per cell; the median is reported")
	warmMax := fs.Int("warm-max", 9, "log2 of the largest group size of the warm scenario")
	dir := fs.String("dir", "", "directory of harness.mjs (default: bench/peers of the repository around the working directory)")
	if err := fs.Parse(args); err != nil {
		fmt.Fprint(stderr, peersUsage)
		return usageError{"bench peers: " + err.Error()}
	}
	if fs.NArg() > 0 {
		fmt.Fprint(stderr, peersUsage)
		return usageError{fmt.Sprintf("bench peers: unexpected argument %q", fs.Arg(0))}
	}
	var ns []int
	for _, f := range strings.Split(*sizes, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 2 || k > 16 {
			return usageError{fmt.Sprintf("bench peers: --sizes: %q is not a power-of-two exponent in 2..16", f)}
		}
		ns = append(ns, 1<<k)
	}
	if *runs < 1 {
		return usageError{"bench peers: --runs must be at least 1"}
	}
	if *warmMax < 0 || *warmMax > 16 {
		return usageError{"bench peers: --warm-max must be an exponent in 0..16"}
	}
	h, err := peers.NewHarness(*dir)
	if errors.Is(err, peers.ErrNoNode) {
		fmt.Fprintln(stderr, "bench peers: node (Node.js 20 or later) is not on PATH, so ts-mls cannot run; nothing measured. Install it (for example apt-get install nodejs npm) and run again.")
		return nil
	}
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := h.EnsureModules(ctx, stderr); err != nil {
		return err
	}
	ours, err := peers.RunCgkalab(ns, *runs, stderr)
	if err != nil {
		return err
	}
	meta, theirs, err := h.Run(ctx, ns, *runs, 1<<*warmMax, stderr, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "suite 1 (X25519, AES-128-GCM, SHA-256, Ed25519), median of %d runs; %s %s on %s; ratio = %s/cgkalab\n",
		*runs, meta.Impl, meta.Version, meta.Runtime, meta.Impl)
	peers.WriteTable(stdout, meta.Impl, ours, theirs)
	if ns[len(ns)-1] > 1<<*warmMax {
		fmt.Fprintf(stdout, "warm: %s measured up to %d members (--warm-max %d)\n", meta.Impl, 1<<*warmMax, *warmMax)
	}
	return nil
}
