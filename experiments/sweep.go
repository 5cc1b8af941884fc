package experiments

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

var sweepKeyRE = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)*$`)

// sweep decodes the sweep mapping: dotted key -> non-empty list of values.
// It returns the axes with their value labels, and the value nodes that
// expandGrid substitutes into the document.
func (d *decoder) sweep(n *yaml.Node, path string) ([]Axis, [][]*yaml.Node) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping of dotted keys to lists of values, got %s", kindName(n))
		return nil, nil
	}
	var axes []Axis
	var nodes [][]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		key := k.Value
		p := join(path, key)
		switch {
		case k.Kind != yaml.ScalarNode || !sweepKeyRE.MatchString(key):
			d.errorf(k, path, "%q is not a dotted key such as group.initial", key)
			continue
		case !slices.Contains(topConfigKeys, strings.SplitN(key, ".", 2)[0]):
			d.errorf(k, p, "cannot sweep %q (want a key under %s)", key, strings.Join(topConfigKeys, ", "))
			continue
		case v.Kind != yaml.SequenceNode || len(v.Content) == 0:
			d.errorf(v, p, "want a non-empty list of values, got %s", kindName(v))
			continue
		}
		clash := slices.IndexFunc(axes, func(a Axis) bool {
			return a.Key == key || strings.HasPrefix(a.Key, key+".") || strings.HasPrefix(key, a.Key+".")
		})
		if clash >= 0 {
			d.errorf(k, p, "overlaps the swept key %s", axes[clash].Key)
			continue
		}
		a := Axis{Key: key}
		for _, e := range v.Content {
			l := valueLabel(e)
			if slices.Contains(a.Values, l) {
				d.errorf(e, p, "two values have the run ID label %q", l)
			}
			a.Values = append(a.Values, l)
		}
		axes = append(axes, a)
		nodes = append(nodes, v.Content)
	}
	keys := make([]string, len(axes))
	for i, a := range axes {
		keys[i] = a.Key
	}
	for i := range axes {
		axes[i].Short = shortKey(keys, i)
	}
	return axes, nodes
}

// shortKey returns the shortest dotted suffix of keys[i] that no other key
// ends with.
func shortKey(keys []string, i int) string {
	parts := strings.Split(keys[i], ".")
	for k := 1; k < len(parts); k++ {
		suffix := strings.Join(parts[len(parts)-k:], ".")
		unique := true
		for j, o := range keys {
			if j != i && (o == suffix || strings.HasSuffix(o, "."+suffix)) {
				unique = false
				break
			}
		}
		if unique {
			return suffix
		}
	}
	return keys[i]
}

// valueLabel renders a sweep value for run IDs: scalars as written,
// lists and mappings as their scalars joined by '-', with every byte that
// is not safe in a file name replaced by '-'.
func valueLabel(n *yaml.Node) string {
	var leaves []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		n = deref(n)
		if n.Kind == yaml.ScalarNode {
			v := n.Value
			// Digit separators go: 1_000 reads as 1000.
			if plain := strings.ReplaceAll(v, "_", ""); plain != v && n.Style == 0 {
				if _, err := strconv.ParseFloat(plain, 64); err == nil {
					v = plain
				}
			}
			leaves = append(leaves, v)
			return
		}
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				continue // keys
			}
			walk(c)
		}
	}
	walk(n)
	s := strings.Join(leaves, "-")
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '+', c == '-':
		default:
			b[i] = '-'
		}
	}
	if len(b) == 0 {
		return "empty"
	}
	return string(b)
}

// expandGrid decodes and validates the configuration of every grid point
// of the sweep (the file itself without one). Each point's values are put
// in place in a copy of the document, so they are checked as if written
// there, with their own lines. A problem that only some points have says
// which.
func (d *decoder) expandGrid(root *yaml.Node, axes []Axis, values [][]*yaml.Node) []point {
	total := 1
	for _, v := range values {
		total *= len(v)
	}
	type found struct {
		err        *Error
		points     []string
		validation bool // found by Validate, which runs on the points that decoded
	}
	var problems []*found
	index := map[string]*found{} // index only
	var points []point
	decoded := 0 // points without decoding errors
	idx := make([]int, len(axes))
	for range total {
		doc := root
		var params []Param
		var labels []string
		if len(axes) > 0 {
			doc = cloneNode(root)
		}
		for i, a := range axes {
			v := values[i][idx[i]]
			if err := setPath(doc, a.Key, v); err != "" {
				d.errorf(v, "sweep."+a.Key, "%s", err)
				return nil
			}
			params = append(params, Param{Key: a.Key, Value: a.Values[idx[i]]})
			labels = append(labels, a.Short+"="+a.Values[idx[i]])
		}
		label := strings.Join(labels, "_")

		pd := &decoder{file: d.file, lines: map[string]int{}}
		cfg := pd.config(doc)
		nDecode := len(pd.errs)
		if nDecode == 0 {
			decoded++
			pd.validate(&cfg)
		}
		for i, e := range pd.errs {
			s := e.Error()
			f := index[s]
			if f == nil {
				f = &found{err: e, validation: i >= nDecode}
				index[s] = f
				problems = append(problems, f)
			}
			f.points = append(f.points, label)
		}
		points = append(points, point{params: params, id: label, cfg: cfg})

		// Next grid point: the last axis varies fastest.
		for i := len(idx) - 1; i >= 0; i-- {
			if idx[i]++; idx[i] < len(values[i]) {
				break
			}
			idx[i] = 0
		}
	}
	for _, f := range problems {
		e := *f.err
		if len(f.points) < total && !(f.validation && len(f.points) == decoded) {
			at := f.points
			more := ""
			if len(at) > 3 {
				more = fmt.Sprintf(" and %d more", len(at)-3)
				at = at[:3]
			}
			e.Msg += fmt.Sprintf(" (at %s%s)", strings.Join(at, ", "), more)
		}
		d.errs = append(d.errs, &e)
	}
	return points
}

// cloneNode copies a document tree deeply, aliases resolved.
func cloneNode(n *yaml.Node) *yaml.Node {
	n = deref(n)
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, e := range n.Content {
		c.Content[i] = cloneNode(e)
	}
	return &c
}

// setPath puts value at the dotted key in the mapping root, creating
// mappings on the way; the key node takes the value's line, so that
// problems with the key are placed at the sweep. It returns a problem
// description, or "".
func setPath(root *yaml.Node, key string, value *yaml.Node) string {
	parts := strings.Split(key, ".")
	m := root
	for i, part := range parts {
		if m.Kind != yaml.MappingNode {
			return fmt.Sprintf("cannot sweep %s: %s is not a mapping", key, strings.Join(parts[:i], "."))
		}
		keyNode := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: part, Line: value.Line, Column: value.Column}
		at := -1
		for j := 0; j+1 < len(m.Content); j += 2 {
			if m.Content[j].Value == part {
				at = j
			}
		}
		last := i == len(parts)-1
		switch {
		case last && at >= 0:
			m.Content[at], m.Content[at+1] = keyNode, cloneNode(value)
		case last:
			m.Content = append(m.Content, keyNode, cloneNode(value))
		case at >= 0:
			m = m.Content[at+1]
		default:
			next := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: value.Line, Column: value.Column}
			m.Content = append(m.Content, keyNode, next)
			m = next
		}
	}
	return ""
}
