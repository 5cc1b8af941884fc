package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"cgkalab/bench"
	"cgkalab/models/suite"
)

const sizesUsage = `usage: cgkalab sizes [--suites all|1,2,...] [--max-built K] [--max-warm K] [--format text|csv|bench]
                    [-o FILE] [--config key=value]...

Prints the exact encoded sizes of real MLS messages made by cgkalab's
RFC 9420 code, per cipher suite: a KeyPackage, each proposal type (as
PublicMessage and PrivateMessage), a full-path Commit at n = 8, 64, 512,
4096, 2^14, 2^17 and 2^20 members in a warm and a freshly built tree,
and a Welcome (with and without the ratchet tree) with its GroupInfo for
n = 8, 64 and 512.

  --suites      suite code points, decimal or 0x-hex, or all (default all)
  --max-built K measure built-tree commits up to n = 2^K (default 14; a
                built commit costs about n/2 HPKE encryptions, so 17 and
                20 take minutes, much longer for P-521 and X448)
  --max-warm K  measure warm-tree commits up to n = 2^K (default 20)
  --format      text (an aligned table per suite), csv (one row per
                suite, message, form, shape and n) or bench (the Go
                benchmark format, unit B/msg)
  -o FILE       also write the Go benchmark format to FILE
  --protocols P the other protocols' operations instead (all, or names:
                mls-archive, static, senderkeys, pairwise), in the first
                suite of --suites, at --n sizes (default 8,64,512,1024)
                with --payload bytes of application data (default 100)
  --config k=v  add or override a configuration line of the results

Progress goes to stderr, the tables to stdout.
`

const sizesNotes = `Encoded bytes of real MLS messages (RFC 9420) made by cgkalab's code.
Parameters: group_id 16 bytes; basic credentials with 16-byte identities;
no extensions; empty authenticated_data; PrivateMessages unpadded.
Commit, full path: empty proposal list, sent by the last leaf; warm = every
parent node holds a key; built = one creator added everyone in one commit,
so only its direct path holds keys (about n/2 path ciphertexts).
Welcome rows: the creator of a built group of n members commits the Add of
one more member (with a path); n is the size before the commit. ECDSA
signatures are DER, so ECDSA suites' sizes vary by a byte or two per
signature from message to message.
`

func runSizes(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sizes", flag.ContinueOnError)
	suitesFlag := fs.String("suites", "all", "")
	maxBuilt := fs.Int("max-built", 14, "")
	maxWarm := fs.Int("max-warm", 20, "")
	protocols := fs.String("protocols", "", "")
	groupSizes := fs.String("n", "8,64,512,1024", "")
	payload := fs.Int("payload", 100, "")
	var out resultOut
	out.register(fs)
	pos, err := parseFlags(fs, args, sizesUsage, stdout, stderr)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		fmt.Fprint(stderr, sizesUsage)
		return usageError{fmt.Sprintf("sizes: unexpected argument %q", pos[0])}
	}
	suites, err := parseSuites(*suitesFlag)
	if err != nil {
		return usageError{"sizes: --suites: " + err.Error()}
	}
	if *protocols != "" {
		return protocolSizesCommand(*protocols, suites, *groupSizes, *payload, out.format, stdout, stderr)
	}
	// K is an exponent: compare it, not 1<<K, which wraps to 0 at 64.
	largest := bench.CommitSizes[len(bench.CommitSizes)-1]
	for _, f := range []struct {
		name string
		k    int
	}{{"max-built", *maxBuilt}, {"max-warm", *maxWarm}} {
		if f.k < 0 || f.k > log2(largest) {
			return usageError{fmt.Sprintf("sizes: --%s %d: want 0 to %d (n = 2^K, the largest size measured is %d)", f.name, f.k, log2(largest), largest)}
		}
	}
	if err := out.check("sizes", "text", "csv", "bench"); err != nil {
		return err
	}
	sink, err := out.open(stdout)
	if err != nil {
		return err
	}
	return sink.close(writeSizes(suites, *maxBuilt, *maxWarm, out.format, sink, stderr))
}

// writeSizes measures each suite's sizes and writes them as each suite
// finishes.
func writeSizes(suites []*suite.Suite, maxBuilt, maxWarm int, format string, sink *resultSink, stderr io.Writer) error {
	opts := bench.SizeOptions{
		Warm:    upTo(bench.CommitSizes, maxWarm),
		Built:   upTo(bench.CommitSizes, maxBuilt),
		Welcome: bench.WelcomeSizes,
		Seed:    1,
	}
	stdout := sink.text
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(stdout)
		cw.Write([]string{"suite", "suite_name", "message", "form", "shape", "n", "bytes"})
	} else {
		fmt.Fprint(stdout, sizesNotes)
	}
	for _, s := range suites {
		start := time.Now()
		fmt.Fprintf(stderr, "sizes: %#04x %s\n", uint16(s.ID), s.Name)
		rows, err := bench.SizeTable(s, opts, stderr)
		if err != nil {
			return fmt.Errorf("sizes: suite %#04x: %w", uint16(s.ID), err)
		}
		fmt.Fprintf(stderr, "sizes: %#04x done in %s\n", uint16(s.ID), time.Since(start).Round(time.Millisecond))
		if err := sink.write(func(w *bench.ResultWriter) error { return bench.WriteSizeResults(w, rows) }); err != nil {
			return err
		}
		if cw != nil {
			writeSizesCSV(cw, rows)
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
		} else {
			fmt.Fprintln(stdout)
			writeSizesText(stdout, s, rows)
		}
	}
	return nil
}

// parseSuites reads "all" or a comma-separated list of code points.
func parseSuites(v string) ([]*suite.Suite, error) {
	if strings.TrimSpace(v) == "all" {
		return suite.All(), nil
	}
	var out []*suite.Suite
	for _, f := range strings.Split(v, ",") {
		s, err := parseSuiteID(f)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// upTo returns the sizes at most 2^k.
func upTo(sizes []int, k int) []int {
	var out []int
	for _, n := range sizes {
		if n <= 1<<k {
			out = append(out, n)
		}
	}
	return out
}

func log2(n int) int {
	k := 0
	for n > 1 {
		n >>= 1
		k++
	}
	return k
}

// writeSizesText prints one suite's rows as an aligned table.
func writeSizesText(w io.Writer, s *suite.Suite, rows []bench.SizeRow) {
	title := fmt.Sprintf("%#04x %s", uint16(s.ID), s.Name)
	if s.Provisional {
		title += " (provisional code point)"
	}
	fmt.Fprintln(w, title)
	msgW, formW := len("message"), len("form")
	for _, r := range rows {
		msgW, formW = max(msgW, len(r.Message)), max(formW, len(r.Form))
	}
	fmt.Fprintf(w, "  %-*s  %-*s  %-5s  %9s  %10s\n", msgW, "message", formW, "form", "shape", "n", "bytes")
	for i, r := range rows {
		if i > 0 && group(rows[i-1]) != group(r) {
			fmt.Fprintln(w)
		}
		n := ""
		if r.N > 0 {
			n = strconv.Itoa(r.N)
		}
		fmt.Fprintf(w, "  %-*s  %-*s  %-5s  %9s  %10d\n", msgW, r.Message, formW, r.Form, r.Shape, n, r.Bytes)
	}
}

// group separates the table's blocks: KeyPackage and proposals, commits
// per shape, Welcome measurements per n.
func group(r bench.SizeRow) string {
	switch {
	case r.N == 0:
		return "messages"
	case r.Message == bench.MsgCommitPath:
		return "commit " + string(r.Shape)
	}
	return "welcome " + strconv.Itoa(r.N)
}

func writeSizesCSV(cw *csv.Writer, rows []bench.SizeRow) {
	for _, r := range rows {
		n := ""
		if r.N > 0 {
			n = strconv.Itoa(r.N)
		}
		cw.Write([]string{fmt.Sprintf("%#04x", uint16(r.Suite.ID)), r.Suite.Name, r.Message, r.Form, string(r.Shape), n, strconv.Itoa(r.Bytes)})
	}
}

// protocolSizesCommand checks the flags of sizes --protocols and prints
// the tables.
func protocolSizesCommand(names string, suites []*suite.Suite, sizes string, payload int, format string, stdout, stderr io.Writer) error {
	var ns []int
	for _, f := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 2 || n > 1<<14 {
			return usageError{fmt.Sprintf("sizes: --n: %q is not a group size in 2..16384", f)}
		}
		ns = append(ns, n)
	}
	if payload < 1 || payload > 1<<24 {
		return usageError{fmt.Sprintf("sizes: --payload %d: want 1 to %d bytes", payload, 1<<24)}
	}
	if format != "text" && format != "csv" {
		return usageError{"sizes: --protocols writes text or csv"}
	}
	return writeProtocolSizes(names, uint16(suites[0].ID), ns, payload, format, stdout, stderr)
}
