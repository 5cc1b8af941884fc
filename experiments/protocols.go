package experiments

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
)

// The protocols the lab runs, in one place: each with the factory of its
// groups and the section of the experiment file that holds its own keys.
// Sections of protocols a run does not use are decoded and checked all
// the same, so that a sweep over protocol: can share one file.

// protocolEntry is one protocol an experiment can name.
type protocolEntry struct {
	name    string
	factory protocol.Factory
	// section is the top-level key of the protocol's own options; options
	// decodes it (n is nil when the file leaves it out) and returns the
	// options as the JSON its factory reads.
	section string
	options func(d *decoder, n *yaml.Node, path string) any
}

var registry = []protocolEntry{
	{name: "mls", factory: mlsgroup.New, section: "mls", options: (*decoder).mlsOptions},
}

// Protocols returns the factories of every protocol, by name, for a
// driver.Driver.
func Protocols() map[string]protocol.Factory {
	m := make(map[string]protocol.Factory, len(registry))
	for _, p := range registry {
		m[p.name] = p.factory
	}
	return m
}

// ProtocolNames lists the protocols in registry order.
func ProtocolNames() []string {
	var names []string
	for _, p := range registry {
		names = append(names, p.name)
	}
	return names
}

func lookupProtocol(name string) (protocolEntry, bool) {
	i := slices.IndexFunc(registry, func(p protocolEntry) bool { return p.name == name })
	if i < 0 {
		return protocolEntry{}, false
	}
	return registry[i], true
}

// protocolSections decodes every protocol's section found among the top
// level keys (nodes by section name) and returns the options JSON of the
// run's protocol.
func (d *decoder) protocolSections(root *yaml.Node, name string, sections map[string]*yaml.Node) json.RawMessage {
	var raw json.RawMessage
	for _, p := range registry {
		n := sections[p.section]
		opts := p.options(d, n, p.section)
		if p.name != name {
			continue
		}
		b, err := json.Marshal(opts)
		if err != nil {
			d.errorf(root, p.section, "cannot record options: %v", err)
			continue
		}
		raw = b
	}
	if _, ok := lookupProtocol(name); !ok && name != "" {
		d.errorf(sections["protocol"], "protocol", "unknown %q (want %s)", name, strings.Join(ProtocolNames(), ", "))
	}
	return raw
}

// mlsOptions decodes the mls: section (mlsgroup.Options).
func (d *decoder) mlsOptions(n *yaml.Node, path string) any {
	o := mlsgroup.DefaultOptions()
	if n == nil {
		return o
	}
	d.mapping(n, path, true, []field{
		{"commit", func(n *yaml.Node, p string) {
			c := &o.Commit
			d.mapping(n, p, true, []field{
				{"committer", func(n *yaml.Node, p string) { c.Committer, _ = d.str(n, p) }},
				{"admins", func(n *yaml.Node, p string) { c.Admins, _ = d.integer(n, p, 0, MaxMembers) }},
				{"when", func(n *yaml.Node, p string) { c.When, _ = d.str(n, p) }},
				{"every", func(n *yaml.Node, p string) { t, _ := d.duration(n, p); c.Every = t.Duration() }},
				{"count", func(n *yaml.Node, p string) { c.Count, _ = d.integer(n, p, 0, MaxCount) }},
				{"path", func(n *yaml.Node, p string) { c.Path, _ = d.str(n, p) }},
			})
		}},
		{"updates", func(n *yaml.Node, p string) { o.Updates, _ = d.str(n, p) }},
		{"key_package_lifetime", func(n *yaml.Node, p string) {
			t, _ := d.duration(n, p)
			o.KeyPackageLifetime = t.Duration()
		}},
	})
	if err := o.Validate(); err != nil {
		d.keyErrors(err)
	}
	return o
}

// keyErrors places each "dotted.key: message" error of err on the line of
// its key.
func (d *decoder) keyErrors(err error) {
	for _, e := range leafErrors(err) {
		d.placeKeyError(e.Error())
	}
}

// check that the registry's names are unique at start-up.
func init() {
	seen := map[string]bool{} // index only
	for _, p := range registry {
		if seen[p.name] || seen["section:"+p.section] {
			panic(fmt.Sprintf("experiments: protocol %q or section %q registered twice", p.name, p.section))
		}
		seen[p.name], seen["section:"+p.section] = true, true
	}
}
