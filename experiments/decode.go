package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"cgkalab/sim"
	"cgkalab/sim/driver"
	"cgkalab/sim/workload"
)

// Error is one problem in an experiment file, located by line and key.
type Error struct {
	File string
	Line int    // 1-based; 0 when the problem has no single place
	Key  string // dotted key path, e.g. "workload.messages.every"; "" for the whole file
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses exactly one YAML document whose root is a mapping.
func parseYAML(file string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &Error{File: file, Msg: "empty experiment file"}
		}
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, &Error{File: file, Line: line, Msg: m[2]}
		}
		return nil, &Error{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := 0
		if err == nil {
			line = extra.Line
		}
		return nil, &Error{File: file, Line: line, Msg: "only one YAML document is allowed"}
	}
	if len(doc.Content) != 1 {
		return nil, &Error{File: file, Msg: "empty experiment file"}
	}
	root := doc.Content[0]
	if expandedSize(root, MaxExpandedNodes) > MaxExpandedNodes {
		return nil, &Error{File: file, Msg: fmt.Sprintf("more than %d YAML nodes once aliases are expanded (an alias bomb?)", MaxExpandedNodes)}
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: root.Line, Msg: "want a mapping of keys at the top level"}
	}
	return root, nil
}

// decoder walks yaml.Node trees, collecting errors and the line of every
// key path it meets.
type decoder struct {
	file  string
	errs  []*Error
	lines map[string]int // key path -> line of the key, for the config being decoded

	sweepNodes [][]*yaml.Node // per sweep axis, its value nodes (header pass)
}

func (d *decoder) errorf(n *yaml.Node, key, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// err returns the collected errors, without duplicates, in line order.
func (d *decoder) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(d.errs, func(a, b *Error) int { return a.Line - b.Line })
	var out []error
	seen := map[string]bool{} // index only
	for _, e := range d.errs {
		if s := e.Error(); !seen[s] {
			seen[s] = true
			out = append(out, e)
		}
	}
	return errors.Join(out...)
}

// field is one key a mapping accepts and how to decode its value.
type field struct {
	key    string
	decode func(n *yaml.Node, path string)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// deref follows aliases.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unexpected node"
}

// mapping decodes the mapping n at path: each key must be one of fields
// and appear once. If strict is false, unknown keys are left to another
// pass. It returns the keys present.
func (d *decoder) mapping(n *yaml.Node, path string, strict bool, fields []field) map[string]bool {
	n = deref(n)
	seen := map[string]bool{} // index only
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping, got %s", kindName(n))
		return seen
	}
	first := map[string]int{} // index only
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "keys must be plain names")
			continue
		}
		p := join(path, k.Value)
		if k.Value == "<<" {
			d.errorf(k, path, "merge keys (<<) are not supported")
			continue
		}
		if line, dup := first[k.Value]; dup {
			d.errorf(k, p, "duplicate key (first at line %d)", line)
			continue
		}
		first[k.Value] = k.Line
		i := slices.IndexFunc(fields, func(f field) bool { return f.key == k.Value })
		if i < 0 {
			if strict {
				d.errorf(k, p, "unknown key (want %s)", keyList(fields))
			}
			continue
		}
		seen[k.Value] = true
		if d.lines != nil {
			d.lines[p] = k.Line
		}
		if fields[i].decode != nil {
			fields[i].decode(v, p)
		}
	}
	return seen
}

func keyList(fields []field) string {
	var keys []string
	for _, f := range fields {
		keys = append(keys, f.key)
	}
	if len(keys) == 1 {
		return keys[0]
	}
	return strings.Join(keys[:len(keys)-1], ", ") + " or " + keys[len(keys)-1]
}

// require reports keys of a mapping that must be present.
func (d *decoder) require(n *yaml.Node, path string, seen map[string]bool, keys ...string) {
	for _, k := range keys {
		if !seen[k] {
			d.errorf(deref(n), join(path, k), "required key is missing")
		}
	}
}

var (
	nameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)
	// topConfigKeys are the top-level keys that make up driver.Config and
	// may be swept.
	topConfigKeys = append([]string{"protocol", "suite", "fidelity", "auto_threshold", "sample", "duration",
		"group", "workload", "policy", "network", "security"}, protocolSectionKeys()...)
)

// header decodes the keys that are not part of a run's configuration:
// name, description, question, quick (checked here, applied by
// DecodeQuick), seeds and sweep. The configuration keys are left to
// config, one pass per grid point.
func (d *decoder) header(root *yaml.Node) *Spec {
	s := &Spec{Seeds: []uint64{1}}
	fields := []field{
		{"name", func(n *yaml.Node, p string) {
			if v, ok := d.str(n, p); ok {
				if len(v) > maxNameBytes {
					d.errorf(n, p, "%d bytes long; at most %d fit in a directory name", len(v), maxNameBytes)
				} else if !nameRE.MatchString(v) {
					d.errorf(n, p, "%q is not usable as a directory name (letters, digits, '.', '_', '-')", v)
				}
				s.Name = v
			}
		}},
		{"description", func(n *yaml.Node, p string) { s.Description, _ = d.str(n, p) }},
		{"question", func(n *yaml.Node, p string) { s.Question = d.question(n, p) }},
		{"quick", func(n *yaml.Node, p string) { d.quickEntries(n, p) }},
		{"seeds", func(n *yaml.Node, p string) { s.Seeds = d.seeds(n, p) }},
		{"sweep", func(n *yaml.Node, p string) { s.Sweep, d.sweepNodes = d.sweep(n, p) }},
	}
	for _, k := range topConfigKeys {
		fields = append(fields, field{key: k})
	}
	seen := d.mapping(root, "", false, fields)
	d.require(root, "", seen, "name")
	return s
}

// seeds decodes a list of distinct seeds or a count n meaning 1..n.
func (d *decoder) seeds(n *yaml.Node, path string) []uint64 {
	n = deref(n)
	if n.Kind == yaml.ScalarNode {
		c, ok := d.integer(n, path, 1, MaxSeeds)
		if !ok {
			return nil
		}
		out := make([]uint64, c)
		for i := range out {
			out[i] = uint64(i + 1)
		}
		return out
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.errorf(n, path, "want a non-empty list of seeds or a count, got %s", kindName(n))
		return nil
	}
	var out []uint64
	for _, e := range n.Content {
		e = deref(e)
		if !d.plainNumber(e, path) {
			continue
		}
		v, err := strconv.ParseUint(strings.ReplaceAll(e.Value, "_", ""), 10, 64)
		if err != nil {
			d.errorf(e, path, "bad seed %q: want an integer in [0, 2^64)", e.Value)
			continue
		}
		if slices.Contains(out, v) {
			d.errorf(e, path, "seed %d is listed twice", v)
			continue
		}
		out = append(out, v)
	}
	return out
}

// defaultConfig holds the values of keys an experiment file leaves out.
func defaultConfig() driver.Config {
	var c driver.Config
	c.Protocol = registry[0].name // the first registered protocol is the default
	c.Suite = 1
	c.Fidelity = "auto"
	c.Sample = 8
	for _, a := range []*workload.Arrival{&c.Workload.Joins, &c.Workload.Leaves, &c.Workload.Updates, &c.Workload.Messages,
		&c.Workload.Compromises, &c.Workload.ServiceCompromises} {
		a.Process = "none"
	}
	c.Network.Latency.Kind = "fixed"
	return c
}

// config decodes the configuration keys of one document: the file itself,
// or a copy with one grid point's values in place.
func (d *decoder) config(root *yaml.Node) driver.Config {
	c := defaultConfig()
	w := &c.Workload
	fields := []field{
		{key: "name"}, {key: "description"}, {key: "question"}, {key: "quick"}, {key: "seeds"}, {key: "sweep"},
		{"protocol", func(n *yaml.Node, p string) { c.Protocol, _ = d.str(n, p) }},
		{"suite", func(n *yaml.Node, p string) { c.Suite, _ = d.suite(n, p) }},
		{"fidelity", func(n *yaml.Node, p string) { c.Fidelity, _ = d.str(n, p) }},
		{"auto_threshold", func(n *yaml.Node, p string) { c.AutoThreshold, _ = d.integer(n, p, 0, MaxMembers) }},
		{"sample", func(n *yaml.Node, p string) { c.Sample, _ = d.integer(n, p, 0, MaxSample) }},
		{"duration", func(n *yaml.Node, p string) { c.Duration, _ = d.duration(n, p) }},
		{"group", func(n *yaml.Node, p string) {
			seen := d.mapping(n, p, true, []field{
				{"initial", func(n *yaml.Node, p string) { w.Initial, _ = d.integer(n, p, 1, MaxMembers) }},
				{"shape", func(n *yaml.Node, p string) { w.Shape.Kind, _ = d.str(n, p) }},
				{"blank", func(n *yaml.Node, p string) { w.Shape.Blank, _ = d.number(n, p) }},
			})
			d.require(n, p, seen, "initial")
		}},
		{"workload", func(n *yaml.Node, p string) { d.workload(n, p, w) }},
		{"policy", func(n *yaml.Node, p string) {
			d.mapping(n, p, true, []field{
				{"max_update_age", func(n *yaml.Node, p string) { w.Policy.MaxUpdateAge, _ = d.duration(n, p) }},
				{"retain_epochs", func(n *yaml.Node, p string) { w.RetainEpochs, _ = d.integer(n, p, 0, MaxCount) }},
			})
		}},
		{"security", func(n *yaml.Node, p string) {
			d.mapping(n, p, true, []field{
				{"compromises", func(n *yaml.Node, p string) { w.Compromises = d.arrival(n, p) }},
				{"service", func(n *yaml.Node, p string) { w.ServiceCompromises = d.arrival(n, p) }},
				{"service_at", func(n *yaml.Node, p string) { w.ServiceCompromiseAt = d.times(n, p) }},
				{"at", func(n *yaml.Node, p string) { w.CompromiseAt = d.times(n, p) }},
			})
		}},
		{"network", func(n *yaml.Node, p string) {
			d.mapping(n, p, true, []field{
				{"latency", func(n *yaml.Node, p string) { c.Network.Latency, _ = d.dist(n, p, true) }},
			})
		}},
	}
	nodes := map[string]*yaml.Node{} // index only
	for _, sec := range sections {
		fields = append(fields, field{sec.key, func(n *yaml.Node, _ string) { nodes[sec.key] = n }})
	}
	seen := d.mapping(root, "", true, fields)
	d.require(root, "", seen, "duration", "group")
	nodes["protocol"] = topValue(root, "protocol")
	c.Options = d.protocolSections(root, c.Protocol, nodes)
	return c
}

// protocolSectionKeys lists the top-level keys of the protocols' own
// sections.
func protocolSectionKeys() []string {
	var keys []string
	for _, sec := range sections {
		keys = append(keys, sec.key)
	}
	return keys
}

// topValue returns the value node of a top-level key, or the root.
func topValue(root *yaml.Node, key string) *yaml.Node {
	root = deref(root)
	for i := 0; i+1 < len(root.Content); i += 2 {
		if deref(root.Content[i]).Value == key {
			return deref(root.Content[i+1])
		}
	}
	return root
}

// times decodes a list of virtual times.
func (d *decoder) times(n *yaml.Node, path string) []sim.Time {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "want a list of times, got %s", kindName(n))
		return nil
	}
	var out []sim.Time
	for _, e := range n.Content {
		if t, ok := d.duration(e, path); ok {
			out = append(out, t)
		}
	}
	return out
}

func (d *decoder) workload(n *yaml.Node, path string, w *workload.Config) {
	var sizeSeen bool
	d.mapping(n, path, true, []field{
		{"joins", func(n *yaml.Node, p string) { w.Joins = d.arrival(n, p) }},
		{"leaves", func(n *yaml.Node, p string) { w.Leaves = d.arrival(n, p) }},
		{"updates", func(n *yaml.Node, p string) { w.Updates = d.arrival(n, p) }},
		{"messages", func(n *yaml.Node, p string) {
			w.Messages = d.arrival(n, p, &field{"size", func(n *yaml.Node, p string) {
				sizeSeen = true
				w.MessageSize, _ = d.dist(n, p, false)
			}}, &field{"ephemeral", func(n *yaml.Node, p string) {
				seen := d.mapping(n, p, true, []field{
					{"share", func(n *yaml.Node, p string) { w.Ephemeral.Share, _ = d.number(n, p) }},
					{"ttl", func(n *yaml.Node, p string) { w.Ephemeral.TTL, _ = d.duration(n, p) }},
				})
				d.require(n, p, seen, "share", "ttl")
			}})
			if w.Messages.Enabled() && !sizeSeen {
				d.errorf(deref(n), join(p, "size"), "required when messages are enabled")
			}
		}},
		{"actors", func(n *yaml.Node, p string) {
			a := &w.Actors
			d.mapping(n, p, true, []field{
				{"weights", func(n *yaml.Node, p string) { a.Weights, _ = d.str(n, p) }},
				{"s", func(n *yaml.Node, p string) { a.S, _ = d.number(n, p) }},
				{"sigma", func(n *yaml.Node, p string) { a.Sigma, _ = d.number(n, p) }},
				{"admins", func(n *yaml.Node, p string) { a.Admins, _ = d.integer(n, p, 0, MaxMembers) }},
				{"admin_share", func(n *yaml.Node, p string) { a.AdminShare, _ = d.number(n, p) }},
			})
		}},
		{"offline", func(n *yaml.Node, p string) {
			o := &w.Offline
			seen := d.mapping(n, p, true, []field{
				{"share", func(n *yaml.Node, p string) { o.Share, _ = d.number(n, p) }},
				{"online", func(n *yaml.Node, p string) { o.Online, _ = d.dist(n, p, true) }},
				{"offline", func(n *yaml.Node, p string) { o.Offline, _ = d.dist(n, p, true) }},
				{"max_backlog", func(n *yaml.Node, p string) { o.MaxBacklog, _ = d.integer(n, p, 0, MaxCount) }},
			})
			if o.Share > 0 {
				for _, k := range []string{"online", "offline"} {
					if !seen[k] {
						d.errorf(deref(n), join(p, k), "required when share > 0")
					}
				}
			}
		}},
	})
}

// arrival decodes an arrival process: a mapping {process, every,
// per_member} (process defaults to poisson), or the bare word none. extra
// are more keys the mapping accepts (messages' size and ephemeral).
func (d *decoder) arrival(n *yaml.Node, path string, extra ...*field) workload.Arrival {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.Value == "none" {
		return workload.Arrival{Process: "none"}
	}
	a := workload.Arrival{Process: "poisson"}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping {process, every, per_member} or none, got %s", kindName(n))
		return a
	}
	fields := []field{
		{"process", func(n *yaml.Node, p string) { a.Process, _ = d.str(n, p) }},
		{"every", func(n *yaml.Node, p string) { a.Every, _ = d.duration(n, p) }},
		{"per_member", func(n *yaml.Node, p string) { a.PerMember, _ = d.boolean(n, p) }},
	}
	for _, f := range extra {
		fields = append(fields, *f)
	}
	d.mapping(n, path, true, fields)
	return a
}

var keyPrefix = regexp.MustCompile(`^([a-z_]+(?:\.[a-z_]+)*): (.*)$`)

// validate runs driver.Config.Validate and places each of its key-named
// problems on the line of that key, or of the nearest enclosing key
// present in the file.
func (d *decoder) validate(c *driver.Config) {
	d.keyErrors(c.Validate())
}

// placeKeyError records a "dotted.key: message" problem on the line of
// that key, or of the nearest enclosing key present in the file.
func (d *decoder) placeKeyError(msg string) {
	m := keyPrefix.FindStringSubmatch(msg)
	if m == nil {
		d.errs = append(d.errs, &Error{File: d.file, Msg: msg})
		return
	}
	key, line := m[1], 0
	for k := key; k != ""; {
		if l, ok := d.lines[k]; ok {
			line = l
			break
		}
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			break
		}
		k = k[:i]
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Key: key, Msg: m[2]})
}

// leafErrors flattens errors.Join trees into their members.
func leafErrors(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	return []error{err}
}
