package peers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// A peer harness writes one JSON object per line on stdout:
//
//	{"type":"meta","impl":"ts-mls","version":"1.6.4","runtime":"node v20.20.2","suite":1}
//	{"type":"result","scenario":"built","n":8,
//	 "create_ns":[...],"create_cpu_ns":[...],"process_ns":[...],"process_cpu_ns":[...],
//	 "commit_bytes":791,"welcome_bytes":0}
//	{"type":"done"}
//
// meta comes first, exactly once; a result per scenario and size, its four
// arrays holding one entry per run (nanoseconds); done last, so that a
// harness that died mid-way is told apart from one that finished.

// Meta describes the peer implementation that produced the results.
type Meta struct {
	Impl    string `json:"impl"`
	Version string `json:"version"`
	Runtime string `json:"runtime"`
	Suite   int    `json:"suite"`
}

// line is the union of the line types; unknown fields are rejected.
type line struct {
	Type string `json:"type"`
	Meta
	Scenario     Scenario `json:"scenario"`
	N            int      `json:"n"`
	CreateNS     []int64  `json:"create_ns"`
	CreateCPUNS  []int64  `json:"create_cpu_ns"`
	ProcessNS    []int64  `json:"process_ns"`
	ProcessCPUNS []int64  `json:"process_cpu_ns"`
	CommitBytes  int      `json:"commit_bytes"`
	WelcomeBytes int      `json:"welcome_bytes"`
}

// ErrHarnessOutput marks output of a peer harness that does not follow the
// line format.
var ErrHarnessOutput = errors.New("malformed peer harness output")

// ReadResults parses a harness's output, calling each(r) for every result
// as it arrives (each may be nil). It fails, naming the line, on anything
// that is not the format above, and when the done line is missing.
func ReadResults(r io.Reader, each func(Result)) (Meta, []Result, error) {
	var meta Meta
	var out []Result
	sawMeta, done := false, false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for num := 1; sc.Scan(); num++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("%w: line %d: %s", ErrHarnessOutput, num, fmt.Sprintf(format, args...))
		}
		if done {
			return meta, out, fail("output after the done line")
		}
		var l line
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return meta, out, fail("%v", err)
		}
		if dec.More() {
			return meta, out, fail("more than one JSON value")
		}
		switch l.Type {
		case "meta":
			if sawMeta {
				return meta, out, fail("second meta line")
			}
			if l.Impl == "" || l.Version == "" {
				return meta, out, fail("meta line lacks impl or version")
			}
			if l.Suite != 1 {
				return meta, out, fail("suite %d, want 1", l.Suite)
			}
			meta, sawMeta = l.Meta, true
		case "result":
			if !sawMeta {
				return meta, out, fail("result before the meta line")
			}
			res, err := l.result()
			if err != nil {
				return meta, out, fail("%v", err)
			}
			if slices.ContainsFunc(out, func(o Result) bool { return o.Scenario == res.Scenario && o.N == res.N }) {
				return meta, out, fail("second result for %s n=%d", res.Scenario, res.N)
			}
			out = append(out, res)
			if each != nil {
				each(res)
			}
		case "done":
			if !sawMeta {
				return meta, out, fail("done before the meta line")
			}
			done = true
		default:
			return meta, out, fail("unknown line type %q", l.Type)
		}
	}
	if err := sc.Err(); err != nil {
		return meta, out, fmt.Errorf("%w: %w", ErrHarnessOutput, err)
	}
	if !done {
		return meta, out, fmt.Errorf("%w: output ended without the done line", ErrHarnessOutput)
	}
	return meta, out, nil
}

// result checks a result line and converts it.
func (l *line) result() (Result, error) {
	r := Result{Scenario: l.Scenario, N: l.N, CommitBytes: l.CommitBytes, WelcomeBytes: l.WelcomeBytes}
	if !slices.Contains(Scenarios, l.Scenario) {
		return r, fmt.Errorf("unknown scenario %q", l.Scenario)
	}
	if l.N < 2 || l.N&(l.N-1) != 0 {
		return r, fmt.Errorf("%s: n=%d is not a power of two of at least 2", l.Scenario, l.N)
	}
	runs := len(l.CreateNS)
	if runs == 0 {
		return r, fmt.Errorf("%s n=%d: no runs", l.Scenario, l.N)
	}
	for _, a := range []struct {
		name string
		v    []int64
		to   *[]time.Duration
	}{
		{"create_ns", l.CreateNS, &r.Create.Wall},
		{"create_cpu_ns", l.CreateCPUNS, &r.Create.CPU},
		{"process_ns", l.ProcessNS, &r.Process.Wall},
		{"process_cpu_ns", l.ProcessCPUNS, &r.Process.CPU},
	} {
		if len(a.v) != runs {
			return r, fmt.Errorf("%s n=%d: %s has %d runs, create_ns %d", l.Scenario, l.N, a.name, len(a.v), runs)
		}
		for _, ns := range a.v {
			if ns < 0 {
				return r, fmt.Errorf("%s n=%d: %s holds a negative time %d", l.Scenario, l.N, a.name, ns)
			}
			*a.to = append(*a.to, time.Duration(ns))
		}
	}
	if l.CommitBytes <= 0 {
		return r, fmt.Errorf("%s n=%d: commit_bytes %d", l.Scenario, l.N, l.CommitBytes)
	}
	if hasWelcome := l.Scenario == Build; hasWelcome != (l.WelcomeBytes > 0) || l.WelcomeBytes < 0 {
		return r, fmt.Errorf("%s n=%d: welcome_bytes %d (a Welcome comes with build only)", l.Scenario, l.N, l.WelcomeBytes)
	}
	return r, nil
}
