package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// configTable shows the resolved configuration of the runs, one row per
// setting in the record's order; a setting that differs between runs
// lists its values.
func configTable(recs []*record) (table, error) {
	var keys []string
	values := map[string][]string{} // index only; order from keys
	for _, r := range recs {
		kvs, err := flattenConfig(r.Config)
		if err != nil {
			return table{}, fmt.Errorf("%s: config: %w", r.Run, err)
		}
		for _, kv := range kvs {
			if _, ok := values[kv.key]; !ok {
				keys = append(keys, kv.key)
			}
			if !slices.Contains(values[kv.key], kv.value) {
				values[kv.key] = append(values[kv.key], kv.value)
			}
		}
	}
	t := table{Caption: "Configuration as the runs resolved it (durations in virtual time; distributions of seconds or bytes). Settings that differ between runs list every value.",
		Head: []string{"setting", "value"}}
	for _, k := range keys {
		v := values[k]
		text := v[0]
		if len(v) > 1 {
			text = "varies: " + strings.Join(v, " | ")
		}
		t.Rows = append(t.Rows, []cell{{Text: k}, {Text: text}})
	}
	return t, nil
}

type keyValue struct{ key, value string }

// flattenConfig lists the leaves of a configuration object in the order
// the record holds them, as dotted keys. Objects that are arrival
// processes or distributions are shown on one line, and times (the
// record's virtual nanoseconds) as durations.
func flattenConfig(raw json.RawMessage) ([]keyValue, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(ordered)
	if !ok {
		return nil, errors.New("not an object")
	}
	var out []keyValue
	flatten("", obj, &out)
	return out, nil
}

// ordered is a JSON object with its keys in file order.
type ordered []member

type member struct {
	key   string
	value any // ordered, []any, json.Number, string, bool or nil
}

func (o ordered) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.value, true
		}
	}
	return nil, false
}

func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var o ordered
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				o = append(o, member{k.(string), v})
			}
			_, err := dec.Token() // '}'
			return o, err
		case '[':
			var a []any
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token() // ']'
			return a, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	}
	return tok, nil
}

// durationKeys are the configuration keys holding virtual nanoseconds.
var durationKeys = []string{"Duration", "Every", "MaxUpdateAge", "KeyPackageLifetime", "CompromiseAt"}

func flatten(prefix string, o ordered, out *[]keyValue) {
	for _, m := range o {
		key := m.key
		if prefix != "" {
			key = prefix + "." + m.key
		}
		if sub, ok := m.value.(ordered); ok {
			if s, ok := compact(sub); ok {
				*out = append(*out, keyValue{key, s})
			} else {
				flatten(key, sub, out)
			}
			continue
		}
		*out = append(*out, keyValue{key, leaf(m.key, m.value)})
	}
}

// leaf writes one value; numbers under a duration key as durations.
func leaf(key string, v any) string {
	isDur := slices.Contains(durationKeys, key)
	switch t := v.(type) {
	case json.Number:
		if ns, err := t.Int64(); err == nil && isDur {
			return duration(float64(ns))
		}
		return t.String()
	case []any:
		var parts []string
		for _, e := range t {
			parts = append(parts, leaf(key, e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case nil:
		return "null"
	case ordered:
		var b strings.Builder
		for i, m := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.key + ": " + leaf(m.key, m.value))
		}
		return "{" + b.String() + "}"
	}
	return fmt.Sprint(v)
}

// compact writes an arrival process ({Process, Every, PerMember}) or a
// distribution ({Kind, Value, ...}) on one line.
func compact(o ordered) (string, bool) {
	if p, ok := o.get("Process"); ok && len(o) == 3 {
		proc := leaf("Process", p)
		if proc == "none" {
			return "none", true
		}
		every, _ := o.get("Every")
		per, _ := o.get("PerMember")
		s := proc + ", every " + leaf("Every", every)
		if per == true {
			s += " per member"
		} else {
			s += " group-wide"
		}
		return s, true
	}
	if k, ok := o.get("Kind"); ok {
		if _, ok := o.get("Value"); ok {
			var parts []string
			for _, m := range o {
				if m.key == "Kind" || m.key != "Value" && leaf(m.key, m.value) == "0" {
					continue
				}
				parts = append(parts, strings.ToLower(m.key)+" "+leaf(m.key, m.value))
			}
			return leaf("Kind", k) + " (" + strings.Join(parts, ", ") + ")", true
		}
	}
	return "", false
}

// duration writes nanoseconds as a Go duration, with whole days as d
// (as experiment files write them) and without trailing zero units.
func duration(ns float64) string {
	if ns == 0 {
		return "0"
	}
	d := time.Duration(ns)
	if d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
