package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Unit describes one unit of the result files (see the package doc).
type Unit struct {
	Name string
	// Better is +1 where higher values are better, -1 where lower are.
	Better int
	// Exact marks units measured without noise (byte counts): any
	// difference is significant.
	Exact bool
}

// Units are the units cgkalab writes, with the direction that is better.
var Units = []Unit{
	{Name: "ns/commit", Better: -1},
	{Name: "cpu-ns/commit", Better: -1},
	{Name: "crypto-ns/commit", Better: -1},
	{Name: "crypto-cpu-ns/commit", Better: -1},
	{Name: "ratio-to-crypto", Better: -1},
	{Name: "cpu-ratio-to-crypto", Better: -1},
	{Name: "path-B/commit", Better: -1, Exact: true},
	{Name: "B/msg", Better: -1, Exact: true},
	{Name: "events/s", Better: +1},
	{Name: "cpu-ns/event", Better: -1},
	{Name: "B/member", Better: -1},
	{Name: "ref-ops/event", Better: -1},
}

// metadata returns the "Unit" lines of u.
func (u Unit) metadata() []*benchfmt.UnitMetadata {
	better := "lower"
	if u.Better > 0 {
		better = "higher"
	}
	assume := "nothing"
	if u.Exact {
		assume = "exact"
	}
	return []*benchfmt.UnitMetadata{
		{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u.Name, Key: "better"}, OrigUnit: u.Name, Value: better},
		{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u.Name, Key: "assume"}, OrigUnit: u.Name, Value: assume},
	}
}

// FileConfig returns the configuration lines of a result file: the
// platform, the Go and cgkalab versions, and the commit and its time
// where the build recorded them (go build stamps them from git unless
// -buildvcs=false). extra ("key=value") adds or overrides keys, for
// example commit=... for a build without VCS stamps; an empty value
// removes the key.
func FileConfig(version string, extra []string) ([]benchfmt.Config, error) {
	var cfg []benchfmt.Config
	set := func(k, v string) {
		for i := range cfg {
			if cfg[i].Key == k {
				if v == "" {
					cfg = append(cfg[:i], cfg[i+1:]...)
				} else {
					cfg[i].Value = []byte(v)
				}
				return
			}
		}
		if v != "" {
			cfg = append(cfg, benchfmt.Config{Key: k, Value: []byte(v), File: true})
		}
	}
	set("goos", runtime.GOOS)
	set("goarch", runtime.GOARCH)
	set("cpu", cpuName())
	set("go", runtime.Version())
	set("version", version)
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				set("commit", s.Value)
			case "vcs.time":
				set("commit-time", s.Value)
			}
		}
	}
	for _, e := range extra {
		k, v, ok := strings.Cut(e, "=")
		if !ok || !validKey(k) || strings.ContainsAny(v, "\n\r") {
			return nil, fmt.Errorf("configuration %q: want key=value with a key of lower-case letters, digits and '-'", e)
		}
		set(k, strings.TrimSpace(v))
	}
	return cfg, nil
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// cpuName is the processor's model name on Linux, "" elsewhere.
func cpuName() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// ResultWriter writes results in the Go benchmark format.
type ResultWriter struct {
	w      *benchfmt.Writer
	config []benchfmt.Config
	units  map[string]bool // units whose metadata is written
}

// NewResultWriter returns a writer of results under the file
// configuration config.
func NewResultWriter(w io.Writer, config []benchfmt.Config) *ResultWriter {
	return &ResultWriter{w: benchfmt.NewWriter(w), config: config, units: map[string]bool{}}
}

// Write writes one result line: name is the benchmark name without the
// "Benchmark" prefix and the GOMAXPROCS suffix, which Write adds.
func (rw *ResultWriter) Write(name string, values ...benchfmt.Value) error {
	for _, v := range values {
		if rw.units[v.Unit] {
			continue
		}
		rw.units[v.Unit] = true
		for _, u := range Units {
			if u.Name != v.Unit {
				continue
			}
			for _, m := range u.metadata() {
				if err := rw.w.Write(m); err != nil {
					return err
				}
			}
		}
	}
	if p := runtime.GOMAXPROCS(0); p > 1 {
		name += "-" + strconv.Itoa(p)
	}
	return rw.w.Write(&benchfmt.Result{Config: rw.config, Name: benchfmt.Name(name), Iters: 1, Values: values})
}

// Name joins a benchmark's base name and its configuration as
// base/key=value/..., leaving out keys whose value is "". Values are made
// safe for the format: no spaces, slashes, '=' or commas.
func Name(base string, kv ...string) string {
	var b strings.Builder
	b.WriteString(base)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		fmt.Fprintf(&b, "/%s=%s", kv[i], nameSafe(kv[i+1]))
	}
	return b.String()
}

func nameSafe(v string) string {
	v = strings.NewReplacer(",", "", "/", "_", "=", "_").Replace(v)
	return strings.Join(strings.Fields(v), "_")
}

func suiteName(id uint16) string { return fmt.Sprintf("%#04x", id) }

// WriteTreeResults writes one line per run and step of rows (see
// TreeTable): BenchmarkCommitCreate and BenchmarkCommitProcess.
func WriteTreeResults(rw *ResultWriter, suite uint16, rows []TreeRow) error {
	for _, r := range rows {
		for _, step := range []string{"CommitCreate", "CommitProcess"} {
			name := Name(step, "shape", string(r.Shape), "members", strconv.Itoa(r.N), "suite", suiteName(suite))
			for _, s := range r.Samples {
				t, cpu, cr, crCPU := s.Create, s.CreateCPU, s.CreateCr, s.CreateCrCPU
				if step == "CommitProcess" {
					t, cpu, cr, crCPU = s.Process, s.ProcessCPU, s.ProcCr, s.ProcCrCPU
				}
				vals := []benchfmt.Value{
					{Value: float64(t), Unit: "ns/commit"},
					{Value: float64(cpu), Unit: "cpu-ns/commit"},
					{Value: float64(cr), Unit: "crypto-ns/commit"},
					{Value: float64(crCPU), Unit: "crypto-cpu-ns/commit"},
					{Value: float64(t) / float64(cr), Unit: "ratio-to-crypto"},
					{Value: float64(cpu) / float64(crCPU), Unit: "cpu-ratio-to-crypto"},
					{Value: float64(r.CommitBytes), Unit: "path-B/commit"},
				}
				if err := rw.Write(name, vals...); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// WriteSizeResults writes one BenchmarkSize line per row.
func WriteSizeResults(rw *ResultWriter, rows []SizeRow) error {
	for _, r := range rows {
		n := ""
		if r.N > 0 {
			n = strconv.Itoa(r.N)
		}
		name := Name("Size", "msg", r.Message, "form", r.Form, "shape", string(r.Shape), "members", n, "suite", suiteName(uint16(r.Suite.ID)))
		if err := rw.Write(name, benchfmt.Value{Value: float64(r.Bytes), Unit: "B/msg"}); err != nil {
			return err
		}
	}
	return nil
}
