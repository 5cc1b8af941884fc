// Package conformance checks the models against the official MLS interop
// test vectors (github.com/mlswg/mls-implementations, test-vectors/ and
// its test-vectors.md). For every vector file it knows, a runner performs
// the "Verification" steps that test-vectors.md gives for that file, case
// by case, and asserts each one; the comments beside the checks quote
// those steps.
//
// Cases of a cipher suite that the models implement (suite.ByID succeeds)
// always run; cases of any other suite are skipped with the reason. The
// package does not locate the vectors: callers pass a directory (see
// models/vectors for the default one, and conformancetest for Go tests).
package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"cgkalab/models/suite"
	"cgkalab/models/vectors"
)

// ErrUnrecognized is wrapped by Open for a file name that has no runner.
var ErrUnrecognized = errors.New("not a recognised MLS test vector file")

// CaseResult is the outcome of one test case: one element of a vector
// file's top-level array.
type CaseResult struct {
	Index       int
	CipherSuite uint16 // 0 for files whose cases name no suite
	Skipped     string // why the case did not run; empty when it ran
	Err         error  // nil when every check passed; else all failed checks, joined
}

// Name identifies the case within its file: "3", or "3/suite=1" for files
// whose cases carry a cipher suite.
func (c CaseResult) Name() string { return caseName(c.Index, c.CipherSuite) }

func caseName(i int, cs uint16) string {
	if cs == 0 {
		return fmt.Sprint(i)
	}
	return fmt.Sprintf("%d/suite=%d", i, cs)
}

// FileResult is the outcome of one vector file.
type FileResult struct {
	Name       string
	Recognized bool // false: no runner knows this file name; nothing ran
	Cases      []CaseResult
	Err        error // the file could not be read or decoded; no case ran
}

// Passed counts the cases that ran and passed.
func (r FileResult) Passed() int {
	n := 0
	for _, c := range r.Cases {
		if c.Skipped == "" && c.Err == nil {
			n++
		}
	}
	return n
}

// Failed counts the cases that failed, plus one when the file itself could
// not be read or decoded.
func (r FileResult) Failed() int {
	n := 0
	if r.Err != nil {
		n++
	}
	for _, c := range r.Cases {
		if c.Skipped == "" && c.Err != nil {
			n++
		}
	}
	return n
}

// Skipped counts the cases that did not run.
func (r FileResult) Skipped() int {
	n := 0
	for _, c := range r.Cases {
		if c.Skipped != "" {
			n++
		}
	}
	return n
}

// SkipReasons lists the distinct reasons for skipped cases, in the order
// they first occur.
func (r FileResult) SkipReasons() []string {
	var out []string
	for _, c := range r.Cases {
		if c.Skipped != "" && !slices.Contains(out, c.Skipped) {
			out = append(out, c.Skipped)
		}
	}
	return out
}

// runner verifies one decoded case. It records failed checks in ck and
// returns an error when a failure keeps it from going on. s is nil for
// files whose cases name no suite.
type runner func(ck *checker, s *suite.Suite, raw json.RawMessage) error

// spec describes one vector file.
type spec struct {
	name   string
	suited bool // every case carries "cipher_suite"
	run    runner
}

// specs lists the upstream vector files, sorted by name.
var specs = []spec{
	{"crypto-basics.json", true, typed(runCryptoBasics)},
	{"deserialization.json", false, typed(runDeserialization)},
	{"key-schedule.json", true, typed(runKeySchedule)},
	{"message-protection.json", true, typed(runMessageProtection)},
	{"messages.json", false, typed(runMessages)},
	{"passive-client-handling-commit.json", true, typed(runPassive)},
	{"passive-client-random.json", true, typed(runPassive)},
	{"passive-client-welcome.json", true, typed(runPassive)},
	{"psk_secret.json", true, typed(runPSKSecret)},
	{"secret-tree.json", true, typed(runSecretTree)},
	{"transcript-hashes.json", true, typed(runTranscriptHashes)},
	{"tree-math.json", false, typed(runTreeMath)},
	{"tree-operations.json", true, typed(runTreeOperations)},
	{"tree-validation.json", true, typed(runTreeValidation)},
	{"treekem.json", true, typed(runTreeKEM)},
	{"welcome.json", true, typed(runWelcome)},
}

func lookup(name string) *spec {
	for i := range specs {
		if specs[i].name == name {
			return &specs[i]
		}
	}
	return nil
}

// Names returns the vector file names that have a runner, sorted.
func Names() []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.name
	}
	return out
}

// typed adapts a check of one decoded case type to a runner.
func typed[T any](check func(ck *checker, s *suite.Suite, c *T) error) runner {
	return func(ck *checker, s *suite.Suite, raw json.RawMessage) error {
		c := new(T)
		if err := json.Unmarshal(raw, c); err != nil {
			return fmt.Errorf("decoding case: %w", err)
		}
		return check(ck, s, c)
	}
}

// File is a vector file that has been read and split into cases, ready
// to be run case by case.
type File struct {
	Name  string
	spec  *spec
	cases []json.RawMessage
	suite []uint16 // cipher_suite of each case, for suited files
	head  []error  // a case whose cipher_suite cannot be read
}

// Open reads dir/name and splits it into cases. It fails for a name that
// has no runner (wrapping ErrUnrecognized), an unreadable file, a file
// that is not a JSON array, or an empty array (nothing would be verified).
func Open(dir, name string) (*File, error) {
	sp := lookup(name)
	if sp == nil {
		return nil, fmt.Errorf("%s: %w", name, ErrUnrecognized)
	}
	f := &File{Name: name, spec: sp}
	if err := vectors.Decode(dir, name, &f.cases); err != nil {
		return nil, err
	}
	if len(f.cases) == 0 {
		return nil, fmt.Errorf("%s holds no test cases", name)
	}
	f.suite = make([]uint16, len(f.cases))
	f.head = make([]error, len(f.cases))
	if sp.suited {
		for i, raw := range f.cases {
			var head struct {
				CipherSuite *uint16 `json:"cipher_suite"`
			}
			switch err := json.Unmarshal(raw, &head); {
			case err != nil:
				f.head[i] = fmt.Errorf("decoding case: %w", err)
			case head.CipherSuite == nil:
				f.head[i] = errors.New("case has no cipher_suite")
			default:
				f.suite[i] = *head.CipherSuite
			}
		}
	}
	return f, nil
}

// Len returns the number of cases.
func (f *File) Len() int { return len(f.cases) }

// CaseName returns the name of case i, as CaseResult.Name.
func (f *File) CaseName(i int) string { return caseName(i, f.suite[i]) }

// Run runs case i. A panic in the models is reported as the case's
// failure, with its stack, so that one bad case does not end the run.
func (f *File) Run(i int) (res CaseResult) {
	res = CaseResult{Index: i, CipherSuite: f.suite[i]}
	if f.head[i] != nil {
		res.Err = f.head[i]
		return res
	}
	var s *suite.Suite
	if f.spec.suited {
		var err error
		if s, err = suite.ByID(suite.ID(res.CipherSuite)); err != nil {
			res.Skipped = fmt.Sprintf("cipher suite %#04x not implemented", res.CipherSuite)
			return res
		}
	}
	ck := newChecker()
	defer func() {
		if p := recover(); p != nil {
			res.Err = errors.Join(ck.err(), fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
		}
	}()
	err := f.spec.run(ck, s, f.cases[i])
	res.Err = errors.Join(ck.err(), err)
	return res
}

// RunFile runs every case of dir/name.
func RunFile(dir, name string) FileResult {
	r := FileResult{Name: name, Recognized: lookup(name) != nil}
	if !r.Recognized {
		return r
	}
	f, err := Open(dir, name)
	if err != nil {
		r.Err = err
		return r
	}
	for i := range f.Len() {
		r.Cases = append(r.Cases, f.Run(i))
	}
	return r
}

// RunDir runs every *.json file in dir, sorted by name. Files with no
// runner are reported with Recognized false. The error is for a directory
// that cannot be listed.
func RunDir(dir string) ([]FileResult, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []FileResult
	for _, e := range entries { // os.ReadDir sorts by file name
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		out = append(out, RunFile(dir, e.Name()))
	}
	return out, nil
}

// checker collects the failed checks of one case. Checks go on after a
// failure, so one run reports every difference.
type checker struct {
	prefix string
	failed *[]error
}

func newChecker() *checker { return &checker{failed: new([]error)} }

// in returns a checker that prefixes its failures with a context such as
// "epoch 3", sharing the list of failures.
func (c *checker) in(format string, args ...any) *checker {
	return &checker{prefix: c.prefix + fmt.Sprintf(format, args...) + ": ", failed: c.failed}
}

func (c *checker) errorf(format string, args ...any) {
	*c.failed = append(*c.failed, fmt.Errorf("%s"+format, append([]any{c.prefix}, args...)...))
}

// equal records a failure when got differs from want.
func (c *checker) equal(what string, got, want []byte) {
	if !bytes.Equal(got, want) {
		c.errorf("%s = %x, want %x", what, got, want)
	}
}

// noErr records err, if any, as a failure of what.
func (c *checker) noErr(what string, err error) {
	if err != nil {
		c.errorf("%s: %w", what, err)
	}
}

func (c *checker) err() error { return errors.Join(*c.failed...) }

// wrap prefixes a fatal error with the checker's context.
func (c *checker) wrap(err error) error {
	if err == nil || c.prefix == "" {
		return err
	}
	return fmt.Errorf("%s%w", c.prefix, err)
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
