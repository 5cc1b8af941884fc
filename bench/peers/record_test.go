package peers

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	metaLine  = `{"type":"meta","impl":"ts-mls","version":"1.6.4","runtime":"node v20.20.2","suite":1}`
	buildLine = `{"type":"result","scenario":"build","n":8,"create_ns":[3,1,2],"create_cpu_ns":[30,10,20],"process_ns":[5,4,6],"process_cpu_ns":[50,40,60],"commit_bytes":2121,"welcome_bytes":1049}`
	builtLine = `{"type":"result","scenario":"built","n":8,"create_ns":[7],"create_cpu_ns":[8],"process_ns":[9],"process_cpu_ns":[10],"commit_bytes":791,"welcome_bytes":0}`
	doneLine  = `{"type":"done"}`
)

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func TestReadResults(t *testing.T) {
	var seen []Scenario
	meta, rs, err := ReadResults(strings.NewReader(lines(metaLine, "", buildLine, builtLine, doneLine)), func(r Result) { seen = append(seen, r.Scenario) })
	if err != nil {
		t.Fatal(err)
	}
	if meta != (Meta{Impl: "ts-mls", Version: "1.6.4", Runtime: "node v20.20.2", Suite: 1}) {
		t.Errorf("meta = %+v", meta)
	}
	if len(rs) != 2 || len(seen) != 2 || seen[0] != Build || seen[1] != Built {
		t.Fatalf("results %+v, callbacks %v", rs, seen)
	}
	b := rs[0]
	if b.N != 8 || b.CommitBytes != 2121 || b.WelcomeBytes != 1049 {
		t.Errorf("build result %+v", b)
	}
	if len(b.Create.Wall) != 3 || b.Create.Wall[0] != 3 || b.Process.CPU[2] != 60 {
		t.Errorf("build timings %+v %+v", b.Create, b.Process)
	}
	if got := Median(b.Create.Wall); got != 2*time.Nanosecond {
		t.Errorf("median create = %v, want 2ns", got)
	}
}

// TestReadResultsMalformed feeds broken harness output; each must fail
// with ErrHarnessOutput and a message naming the problem (and the line).
func TestReadResultsMalformed(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
	}{
		{"not json", lines(metaLine, "bench peers: progress on the wrong stream", doneLine), "line 2: invalid character"},
		{"truncated object", lines(metaLine, `{"type":"result","scenario":"built"`), "line 2: unexpected EOF"},
		{"two values", lines(metaLine + " " + doneLine), "line 1: more than one JSON value"},
		{"unknown field", lines(metaLine, `{"type":"done","extra":1}`), `line 2: json: unknown field "extra"`},
		{"unknown type", lines(metaLine, `{"type":"row"}`, doneLine), `line 2: unknown line type "row"`},
		{"no meta", lines(buildLine, doneLine), "line 1: result before the meta line"},
		{"second meta", lines(metaLine, metaLine, doneLine), "line 2: second meta line"},
		{"meta without version", lines(`{"type":"meta","impl":"ts-mls","suite":1}`, doneLine), "lacks impl or version"},
		{"other suite", lines(`{"type":"meta","impl":"ts-mls","version":"1","suite":3}`, doneLine), "suite 3, want 1"},
		{"no done", lines(metaLine, buildLine), "output ended without the done line"},
		{"empty", "", "output ended without the done line"},
		{"after done", lines(metaLine, doneLine, builtLine), "line 3: output after the done line"},
		{"unknown scenario", lines(metaLine, strings.Replace(builtLine, `"built"`, `"cold"`, 1), doneLine), `unknown scenario "cold"`},
		{"size not a power of two", lines(metaLine, strings.Replace(builtLine, `"n":8`, `"n":12`, 1), doneLine), "n=12 is not a power of two"},
		{"run counts differ", lines(metaLine, strings.Replace(builtLine, `"process_ns":[9]`, `"process_ns":[9,9]`, 1), doneLine), "process_ns has 2 runs, create_ns 1"},
		{"no runs", lines(metaLine, `{"type":"result","scenario":"built","n":8,"commit_bytes":1}`, doneLine), "no runs"},
		{"negative time", lines(metaLine, strings.Replace(builtLine, `"create_cpu_ns":[8]`, `"create_cpu_ns":[-8]`, 1), doneLine), "negative time -8"},
		{"time not a number", lines(metaLine, strings.Replace(builtLine, `"create_ns":[7]`, `"create_ns":["7"]`, 1), doneLine), "cannot unmarshal string"},
		{"no commit bytes", lines(metaLine, strings.Replace(builtLine, `"commit_bytes":791`, `"commit_bytes":0`, 1), doneLine), "commit_bytes 0"},
		{"Welcome without adds", lines(metaLine, strings.Replace(builtLine, `"welcome_bytes":0`, `"welcome_bytes":5`, 1), doneLine), "welcome_bytes 5"},
		{"build without Welcome", lines(metaLine, strings.Replace(buildLine, `"welcome_bytes":1049`, `"welcome_bytes":0`, 1), doneLine), "welcome_bytes 0"},
		{"duplicate result", lines(metaLine, builtLine, builtLine, doneLine), "line 3: second result for built n=8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ReadResults(strings.NewReader(c.in), nil)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrHarnessOutput) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want ErrHarnessOutput containing %q", err, c.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5}, 5},
		{[]time.Duration{9, 1, 5}, 5},
		{[]time.Duration{4, 1, 3, 2}, 2}, // the lower middle
	} {
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
