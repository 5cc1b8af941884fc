package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"cgkalab/models/conformance"
	"cgkalab/models/vectors"
)

const conformanceUsage = `usage: cgkalab conformance [--vectors DIR]

Runs the official MLS test vectors (mlswg/mls-implementations,
test-vectors/*.json) found in DIR through the verification steps of
test-vectors.md. DIR defaults to $` + vectors.EnvVar + `, then to
../shared/mls-vectors beside the module root.

Prints one line per file: cases passed, failed and skipped (with the
reasons: only cases of cipher suites this build does not implement are
skipped), or "not recognised" for a file no runner knows. A file that
cannot be read counts as one failure. The details of each failure go to
stderr. The last line sums the cases: "N passed, N failed". The exit
status is 1 if anything failed.
`

func runConformance(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dir := fs.String("vectors", "", "directory of the test vector files")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, conformanceUsage)
			return nil
		}
		fmt.Fprint(stderr, conformanceUsage)
		return usageError{"conformance: " + err.Error()}
	}
	if fs.NArg() > 0 {
		fmt.Fprint(stderr, conformanceUsage)
		return usageError{fmt.Sprintf("conformance: unexpected argument %q", fs.Arg(0))}
	}
	if *dir == "" {
		d, err := vectors.Dir()
		if err != nil {
			return fmt.Errorf("conformance: %w", err)
		}
		*dir = d
	}
	results, err := conformance.RunDir(*dir)
	if err != nil {
		return fmt.Errorf("conformance: %w", err)
	}
	passed, failed, recognized := 0, 0, 0
	for _, r := range results {
		if !r.Recognized {
			fmt.Fprintf(stdout, "%s: not recognised\n", r.Name)
			continue
		}
		recognized++
		passed += r.Passed()
		failed += r.Failed()
		line := fmt.Sprintf("%s: %d passed, %d failed, %d skipped", r.Name, r.Passed(), r.Failed(), r.Skipped())
		if reasons := r.SkipReasons(); len(reasons) > 0 {
			line += " (" + strings.Join(reasons, "; ") + ")"
		}
		if r.Err != nil {
			line += ": " + oneLine(r.Err.Error())
		}
		fmt.Fprintln(stdout, line)
		for _, c := range r.Cases {
			if c.Err != nil {
				fmt.Fprintf(stderr, "%s case %s: %s\n", r.Name, c.Name(), indent(c.Err.Error()))
			}
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	switch {
	case recognized == 0:
		return fmt.Errorf("conformance: no MLS test vector file in %s", *dir)
	case failed > 0:
		return fmt.Errorf("conformance: %d failed", failed)
	}
	return nil
}

// oneLine keeps an error on the summary line it belongs to.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }

// indent sets off the continuation lines of a multi-line error.
func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n    ") }
