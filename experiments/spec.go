package experiments

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"cgkalab/sim/driver"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultFile is the file name that errors in the built-in experiment
// carry.
const DefaultFile = "default.yaml"

// DefaultYAML returns the text of the built-in experiment, a commented
// example of every key.
func DefaultYAML() []byte { return slices.Clone(defaultYAML) }

// Default returns the built-in experiment decoded from default.yaml.
func Default() *Spec {
	s, err := Decode(DefaultFile, defaultYAML)
	if err != nil {
		// The embedded file is part of the program and has a test.
		panic("experiments: built-in default.yaml does not decode: " + err.Error())
	}
	return s
}

// Spec is one decoded experiment file: its name, its seeds, its sweep and
// every run's resolved configuration.
type Spec struct {
	Name        string
	Description string
	// Question is the one-line question the experiment answers (its
	// question: key), shown by cgkalab list and in reports.
	Question string
	// Quick reports whether this is the file's quick form (DecodeQuick):
	// its quick: section applied and "-quick" appended to its name.
	Quick bool
	// File is the name errors and records refer to the file by.
	File  string
	Seeds []uint64
	// Sweep lists the swept keys in file order, each with the labels of
	// its values; empty without a sweep.
	Sweep []Axis

	points []point // the grid points in expansion order (one without a sweep)
}

// Axis is one swept key and its values as they appear in run IDs.
type Axis struct {
	Key    string   // dotted key path, e.g. "group.initial"
	Short  string   // the shortest dotted suffix telling the swept keys apart
	Values []string // value labels, in file order
}

// Param is a swept key and the label of its value in one run.
type Param struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Run is one simulation to perform: a grid point and a seed.
type Run struct {
	ID     string // readable and safe as a file name: initial=1000_seed=2
	Params []Param
	Seed   uint64
	Config driver.Config
}

// point is one grid point of the sweep: its params, the ID prefix made
// from them, and its configuration.
type point struct {
	params []Param
	id     string // "" without a sweep
	cfg    driver.Config
}

// Decode decodes an experiment file strictly and checks every run's
// configuration. file names the file in errors. The error, if any, joins
// one *Error per problem found, in line order.
func Decode(file string, data []byte) (*Spec, error) {
	root, err := parseYAML(file, data)
	if err != nil {
		return nil, err
	}
	return decodeRoot(file, root)
}

// decodeRoot decodes a parsed experiment file.
func decodeRoot(file string, root *yaml.Node) (*Spec, error) {
	d := &decoder{file: file}
	s := d.header(root)
	s.File = file
	if len(d.errs) > 0 {
		return nil, d.err()
	}
	if runs := gridSize(s.Sweep) * int64(len(s.Seeds)); runs > MaxRuns {
		return nil, &Error{File: file, Key: "sweep", Msg: fmt.Sprintf("the sweep and seeds make %d runs; at most %d", runs, MaxRuns)}
	}
	if id := longestID(s); len(id) > MaxRunIDBytes {
		return nil, &Error{File: file, Key: "sweep", Msg: fmt.Sprintf("run ID %.40q... is %d bytes long; at most %d fit in file names (shorten the swept values)", id, len(id), MaxRunIDBytes)}
	}
	s.points = d.expandGrid(root, s.Sweep, d.sweepNodes)
	if len(d.errs) > 0 {
		return nil, d.err()
	}
	return s, nil
}

// gridSize is the number of grid points of a sweep, saturating at 2^40.
func gridSize(axes []Axis) int64 {
	n := int64(1)
	for _, a := range axes {
		if n *= int64(len(a.Values)); n > 1<<40 {
			return 1 << 40
		}
	}
	return n
}

// longestID returns the longest run ID the spec's sweep and seeds make.
func longestID(s *Spec) string {
	var parts []string
	for _, a := range s.Sweep {
		v := ""
		for _, x := range a.Values {
			if len(x) > len(v) {
				v = x
			}
		}
		parts = append(parts, a.Short+"="+v)
	}
	seed := uint64(0)
	for _, x := range s.Seeds {
		seed = max(seed, x)
	}
	return strings.Join(append(parts, fmt.Sprintf("seed=%d", seed)), "_")
}

// Expand lists the runs in a deterministic order: the sweep's grid with
// its first key varying slowest, and within each grid point the seeds in
// order.
func (s *Spec) Expand() []Run {
	runs := make([]Run, 0, len(s.points)*len(s.Seeds))
	for _, p := range s.points {
		for _, seed := range s.Seeds {
			id := fmt.Sprintf("seed=%d", seed)
			if p.id != "" {
				id = p.id + "_" + id
			}
			runs = append(runs, Run{
				ID:     id,
				Params: slices.Clone(p.params),
				Seed:   seed,
				Config: p.cfg,
			})
		}
	}
	return runs
}
