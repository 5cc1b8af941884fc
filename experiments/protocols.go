package experiments

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"cgkalab/models/mlsarchive"
	"cgkalab/models/mlsgroup"
	"cgkalab/models/pairwise"
	"cgkalab/models/protocol"
	"cgkalab/models/senderkeys"
	"cgkalab/models/static"
)

// The protocols the lab runs, in one place: each with the factory of its
// groups and the sections of the experiment file that hold its own keys
// (mls-archive reads mls: and archive:). Sections a run's protocol does
// not use are decoded and checked all the same, so that a sweep over
// protocol: can share one file.

// protocolEntry is one protocol an experiment can name: the factory of
// its groups, and its options assembled from the decoded sections (by
// section key) as the JSON its factory reads.
type protocolEntry struct {
	name    string
	factory protocol.Factory
	options func(sec map[string]any) any
}

// sectionEntry is one protocol-specific section of an experiment file;
// decode reads it (n is nil when the file leaves it out) into its typed
// options, checked.
type sectionEntry struct {
	key    string
	decode func(d *decoder, n *yaml.Node, path string) any
}

var sections = []sectionEntry{
	{"mls", (*decoder).mlsOptions},
	{"archive", (*decoder).archiveOptions},
	{"static", (*decoder).staticOptions},
	{"senderkeys", (*decoder).senderKeysOptions},
	{"pairwise", (*decoder).pairwiseOptions},
}

var registry = []protocolEntry{
	{name: "mls", factory: mlsgroup.New, options: func(sec map[string]any) any { return sec["mls"] }},
	{name: "mls-archive", factory: mlsarchive.New, options: func(sec map[string]any) any {
		o := sec["archive"].(mlsarchive.Options)
		o.MLS = sec["mls"].(mlsgroup.Options)
		return &o // its Validate checks the mls: keys it cannot honour
	}},
	{name: "senderkeys", factory: senderkeys.New, options: func(sec map[string]any) any { return sec["senderkeys"] }},
	{name: "pairwise", factory: pairwise.New, options: func(sec map[string]any) any { return sec["pairwise"] }},
	{name: "static", factory: static.New, options: func(sec map[string]any) any { return sec["static"] }},
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

// protocolSections decodes every protocol section (nodes by section key;
// absent ones are nil) and returns the options JSON of the run's
// protocol.
func (d *decoder) protocolSections(root *yaml.Node, name string, nodes map[string]*yaml.Node) json.RawMessage {
	decoded := map[string]any{} // index only
	for _, sec := range sections {
		decoded[sec.key] = sec.decode(d, nodes[sec.key], sec.key)
	}
	p, ok := lookupProtocol(name)
	if !ok {
		if name != "" {
			d.errorf(nodes["protocol"], "protocol", "unknown %q (want %s)", name, strings.Join(ProtocolNames(), ", "))
		}
		return nil
	}
	opts := p.options(decoded)
	// Rules across sections (mls-archive's on mls: keys) hold only for
	// the assembled options: check them here, with the keys' lines,
	// before any run starts. Errors the sections reported come out once.
	if v, ok := opts.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			d.keyErrors(err)
		}
	}
	b, err := json.Marshal(opts)
	if err != nil {
		d.errorf(root, "protocol", "cannot record the options of %s: %v", name, err)
	}
	return b
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
		{"evict_by", func(n *yaml.Node, p string) { v, _ := d.str(n, p); o.EvictBy = mlsgroup.EvictBy(v) }},
		{"rejoin", func(n *yaml.Node, p string) { v, _ := d.str(n, p); o.Rejoin = mlsgroup.RejoinBy(v) }},
		{"key_packages", func(n *yaml.Node, p string) {
			kp := &mlsgroup.KeyPackages{}
			seen := d.mapping(n, p, true, []field{
				{"batch", func(n *yaml.Node, p string) { kp.Batch, _ = d.integer(n, p, 1, MaxCount) }},
				{"lifetime", func(n *yaml.Node, p string) { t, _ := d.duration(n, p); kp.Lifetime = t.Duration() }},
				{"last_resort", func(n *yaml.Node, p string) { kp.LastResort, _ = d.boolean(n, p) }},
			})
			d.require(n, p, seen, "batch")
			o.KeyPackages = kp
		}},
	})
	if err := o.Validate(); err != nil {
		d.keyErrors(err)
	}
	return o
}

// archiveOptions decodes the archive: section (the archive keys of
// protocol mls-archive; its MLS keys are the mls: section's).
func (d *decoder) archiveOptions(n *yaml.Node, path string) any {
	o := mlsarchive.DefaultOptions()
	if n != nil {
		d.mapping(n, path, true, []field{
			{"rotate", func(n *yaml.Node, p string) { o.Rotate, _ = d.str(n, p) }},
			{"rotate_every", func(n *yaml.Node, p string) { t, _ := d.duration(n, p); o.RotateEvery = t.Duration() }},
			{"history", func(n *yaml.Node, p string) { o.History, _ = d.str(n, p) }},
			{"backup", func(n *yaml.Node, p string) { o.Backup, _ = d.boolean(n, p) }},
		})
	}
	o.MLS = mlsgroup.DefaultOptions() // checked with the mls: section
	if err := o.Validate(); err != nil {
		d.keyErrors(err)
	}
	return o
}

// staticOptions decodes the static: section.
func (d *decoder) staticOptions(n *yaml.Node, path string) any {
	o := static.DefaultOptions()
	if n != nil {
		d.mapping(n, path, true, []field{
			{"rotate_on_removal", func(n *yaml.Node, p string) { o.RotateOnRemoval, _ = d.boolean(n, p) }},
			{"update", func(n *yaml.Node, p string) { o.Update, _ = d.str(n, p) }},
		})
	}
	if err := o.Validate(); err != nil {
		d.keyErrors(err)
	}
	return o
}

// senderKeysOptions decodes the senderkeys: section.
func (d *decoder) senderKeysOptions(n *yaml.Node, path string) any {
	o := senderkeys.DefaultOptions()
	if n != nil {
		d.mapping(n, path, true, []field{
			{"rotate_every", func(n *yaml.Node, p string) { t, _ := d.duration(n, p); o.RotateEvery = t.Duration() }},
			{"rotate_messages", func(n *yaml.Node, p string) { o.RotateMessages, _ = d.integer(n, p, 0, MaxCount) }},
			{"max_skip", func(n *yaml.Node, p string) { o.MaxSkip, _ = d.integer(n, p, 1, MaxCount) }},
			{"one_time_prekeys", func(n *yaml.Node, p string) { o.OneTimePrekeys, _ = d.integer(n, p, 0, MaxCount) }},
		})
	}
	if err := o.Validate(); err != nil {
		d.keyErrors(err)
	}
	return o
}

// pairwiseOptions decodes the pairwise: section.
func (d *decoder) pairwiseOptions(n *yaml.Node, path string) any {
	o := pairwise.DefaultOptions()
	if n != nil {
		d.mapping(n, path, true, []field{
			{"max_skip", func(n *yaml.Node, p string) { o.MaxSkip, _ = d.integer(n, p, 1, MaxCount) }},
			{"one_time_prekeys", func(n *yaml.Node, p string) { o.OneTimePrekeys, _ = d.integer(n, p, 0, MaxCount) }},
		})
	}
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
		if seen[p.name] {
			panic(fmt.Sprintf("experiments: protocol %q registered twice", p.name))
		}
		seen[p.name] = true
	}
	for _, s := range sections {
		if seen["section:"+s.key] {
			panic(fmt.Sprintf("experiments: section %q registered twice", s.key))
		}
		seen["section:"+s.key] = true
	}
}
