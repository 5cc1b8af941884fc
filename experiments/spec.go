package experiments

import (
	_ "embed"
	"fmt"
	"os"
	"slices"

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

// Load reads and decodes the experiment file at path; errors name the
// path as given.
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Decode(path, data)
}

// Decode decodes an experiment file strictly and checks every run's
// configuration. file names the file in errors. The error, if any, joins
// one *Error per problem found, in line order.
func Decode(file string, data []byte) (*Spec, error) {
	root, err := parseYAML(file, data)
	if err != nil {
		return nil, err
	}
	d := &decoder{file: file}
	s := d.header(root)
	s.File = file
	if len(d.errs) > 0 {
		return nil, d.err()
	}
	s.points = d.expandGrid(root, s.Sweep, d.sweepNodes)
	if len(d.errs) > 0 {
		return nil, d.err()
	}
	return s, nil
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
