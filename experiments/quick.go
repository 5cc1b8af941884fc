package experiments

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The quick form of an experiment: the same question at a small scale,
// for a first look and for CI. A file's quick: section maps dotted keys to
// the values that replace the file's before it is decoded, for example
//
//	quick:
//	  duration: 2h
//	  seeds: 1
//	  group.initial: 200
//	  sweep.workload.updates.every: [6h, 1d]   # the sweep of workload.updates.every
//	  sweep.policy.max_update_age: null        # drop that axis of the sweep
//
// Each value is put in place as a sweep's value is, so it is decoded and
// checked as if written there, and an error points at the quick: line. A
// null value removes the key. The key sweep.K names the sweep's entry K
// (whose own name is dotted). The quick form's name is the file's with
// QuickSuffix, so its results go to a folder of their own and never mix
// with the full runs' files. In the full form the section is checked but
// not applied.

// QuickSuffix ends the name of an experiment's quick form.
const QuickSuffix = "-quick"

// maxQuestionBytes bounds a question: one line of a listing.
const maxQuestionBytes = 300

// quickTopKeys are the top-level keys a quick: section may override: all
// but name, question and quick itself.
func quickTopKeys() []string {
	return append([]string{"description", "seeds", "sweep"}, topConfigKeys...)
}

// question decodes the question: key, one line of text.
func (d *decoder) question(n *yaml.Node, path string) string {
	v, ok := d.str(n, path)
	if !ok {
		return ""
	}
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		d.errorf(n, path, "empty: ask the question the experiment answers, or leave the key out")
	case strings.ContainsAny(v, "\r\n"):
		d.errorf(n, path, "want one line (a folded scalar, >-, wraps it in the file)")
	case len(v) > maxQuestionBytes:
		d.errorf(n, path, "%d bytes long; at most %d (one line of a listing; say more under description:)", len(v), maxQuestionBytes)
	}
	return v
}

// quickEntry is one override of a quick: section.
type quickEntry struct {
	key   string // dotted key, e.g. group.initial or sweep.group.initial
	at    *yaml.Node
	value *yaml.Node
}

// quickEntries checks a quick: section and returns its overrides in file
// order.
func (d *decoder) quickEntries(n *yaml.Node, path string) []quickEntry {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping of dotted keys to values, e.g. duration: 2h or sweep.group.initial: [50, 100]; got %s", kindName(n))
		return nil
	}
	var out []quickEntry
	allowed := quickTopKeys()
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		key := k.Value
		p := join(path, key)
		if k.Kind != yaml.ScalarNode || !sweepKeyRE.MatchString(key) {
			d.errorf(k, path, "%q is not a dotted key such as duration or sweep.group.initial", key)
			continue
		}
		if top, _, _ := strings.Cut(key, "."); !slices.Contains(allowed, top) {
			d.errorf(k, p, "cannot override %q in the quick form (want a key under %s)", key, strings.Join(allowed, ", "))
			continue
		}
		clash := slices.IndexFunc(out, func(e quickEntry) bool { return quickClash(e.key, key) })
		if clash >= 0 {
			d.errorf(k, p, "overlaps quick.%s (line %d)", out[clash].key, out[clash].at.Line)
			continue
		}
		out = append(out, quickEntry{key: key, at: k, value: v})
	}
	return out
}

// quickClash reports whether two overrides touch the same value: the
// same key, or one within the other. Two entries of the sweep (sweep.K)
// name keys of the sweep, whose own overlaps the sweep's decoding reports.
func quickClash(a, b string) bool {
	switch {
	case a == b:
		return true
	case isSweepEntry(a) && isSweepEntry(b):
		return false
	}
	return strings.HasPrefix(a, b+".") || strings.HasPrefix(b, a+".")
}

// isSweepEntry reports whether key names an entry of the sweep
// (sweep.K), which may sit beside other sweep entries.
func isSweepEntry(key string) bool { return strings.HasPrefix(key, "sweep.") }

// DecodeQuick decodes the quick form of an experiment file (see
// QuickSuffix and the package's Keys): the file with its quick: section
// applied, named <name>-quick. A file without a quick: section is an
// error.
func DecodeQuick(file string, data []byte) (*Spec, error) {
	root, err := parseYAML(file, data)
	if err != nil {
		return nil, err
	}
	_, q := lookup(root, "quick")
	if q == nil {
		return nil, &Error{File: file, Key: "quick", Msg: "the experiment has no quick: section, so no quick form"}
	}
	d := &decoder{file: file}
	entries := d.quickEntries(q, "quick")
	if len(d.errs) > 0 {
		return nil, d.err()
	}
	doc := cloneNode(root)
	for _, e := range entries {
		if msg := applyQuick(doc, e); msg != "" {
			d.errorf(e.at, "quick."+e.key, "%s", msg)
		}
	}
	if len(d.errs) > 0 {
		return nil, d.err()
	}
	if _, name := lookup(doc, "name"); name != nil && name.Kind == yaml.ScalarNode {
		name.Value += QuickSuffix
	}
	s, err := decodeRoot(file, doc)
	if err != nil {
		return nil, err
	}
	s.Quick = true
	return s, nil
}

// LoadQuick reads the experiment file at path and decodes its quick form
// (DecodeQuick).
func LoadQuick(path string) (*Spec, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return DecodeQuick(path, data)
}

// applyQuick puts one override in place in doc (a copy of the file) and
// returns a problem description, or "".
func applyQuick(doc *yaml.Node, e quickEntry) string {
	remove := isNull(e.value)
	if sweepKey, ok := strings.CutPrefix(e.key, "sweep."); ok {
		i, sweep := lookup(doc, "sweep")
		switch {
		case sweep == nil && remove:
			return "the file has no sweep to remove " + sweepKey + " from"
		case sweep == nil:
			sweep = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: e.at.Line, Column: e.at.Column}
			doc.Content = append(doc.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "sweep", Line: e.at.Line}, sweep)
		case sweep.Kind != yaml.MappingNode:
			return fmt.Sprintf("the file's sweep (line %d) is not a mapping", doc.Content[i].Line)
		}
		return setEntry(sweep, sweepKey, e.value, remove)
	}
	if remove {
		return removePath(doc, e.key)
	}
	return setPath(doc, e.key, e.value)
}

// setEntry sets (or, with remove, deletes) the literal key of mapping m.
func setEntry(m *yaml.Node, key string, value *yaml.Node, remove bool) string {
	i, _ := lookup(m, key)
	switch {
	case remove && i < 0:
		return "the file does not sweep " + key
	case remove:
		m.Content = slices.Delete(m.Content, i, i+2)
	case i >= 0:
		m.Content[i+1] = cloneNode(value)
		m.Content[i].Line = value.Line
	default:
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: value.Line, Column: value.Column}, cloneNode(value))
	}
	return ""
}

// removePath deletes the dotted key from the mapping root.
func removePath(root *yaml.Node, key string) string {
	parts := strings.Split(key, ".")
	m := root
	for i, part := range parts {
		j, v := lookup(m, part)
		if v == nil {
			return "the file has no " + strings.Join(parts[:i+1], ".") + " to remove"
		}
		if i == len(parts)-1 {
			m.Content = slices.Delete(m.Content, j, j+2)
			return ""
		}
		if v.Kind != yaml.MappingNode {
			return strings.Join(parts[:i+1], ".") + " is not a mapping"
		}
		m = v
	}
	return ""
}

// lookup returns the index of key's key node in the mapping m and its
// value (aliases resolved), or -1 and nil.
func lookup(m *yaml.Node, key string) (int, *yaml.Node) {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return -1, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if deref(m.Content[i]).Value == key {
			return i, deref(m.Content[i+1])
		}
	}
	return -1, nil
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}
