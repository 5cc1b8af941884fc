package experiments

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"cgkalab/models/suite"
	"cgkalab/sim"
)

// scalar returns n as a scalar with a value, or reports what it is.
func (d *decoder) scalar(n *yaml.Node, path, want string) (*yaml.Node, bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		d.errorf(n, path, "want %s, got %s", want, kindName(n))
		return n, false
	}
	return n, true
}

func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	n, ok := d.scalar(n, path, "a string")
	if !ok {
		return "", false
	}
	return n.Value, true
}

// plainNumber reports whether n is an unquoted scalar, as numbers must be.
func (d *decoder) plainNumber(n *yaml.Node, path string) bool {
	n, ok := d.scalar(n, path, "a number")
	if !ok {
		return false
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		d.errorf(n, path, "want a number, got the string %q (remove the quotes)", n.Value)
		return false
	}
	return true
}

// integer decodes a decimal integer in [min, max].
func (d *decoder) integer(n *yaml.Node, path string, min, max int) (int, bool) {
	if !d.plainNumber(n, path) {
		return 0, false
	}
	n = deref(n)
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 10, 0)
	if err != nil {
		d.errorf(n, path, "want an integer, got %q", n.Value)
		return 0, false
	}
	if v < int64(min) {
		d.errorf(n, path, "must be at least %d, got %d", min, v)
		return 0, false
	}
	if v > int64(max) {
		d.errorf(n, path, "must be at most %d, got %d", max, v)
		return 0, false
	}
	return int(v), true
}

// suite decodes a cipher suite code point, decimal or hex (0xF001).
func (d *decoder) suite(n *yaml.Node, path string) (uint16, bool) {
	if !d.plainNumber(n, path) {
		return 0, false
	}
	n = deref(n)
	s := strings.ToLower(n.Value)
	base := 10
	if strings.HasPrefix(s, "0x") {
		s, base = s[2:], 16
	}
	v, err := strconv.ParseUint(s, base, 16)
	if err != nil || v == 0 {
		d.errorf(n, path, "want a cipher suite code point in 1..0xFFFF, got %q", n.Value)
		return 0, false
	}
	if _, err := suite.ByID(suite.ID(v)); err != nil {
		d.errorf(n, path, "cipher suite %s is not implemented (%v)", n.Value, err)
		return 0, false
	}
	return uint16(v), true
}

// number decodes a finite number.
func (d *decoder) number(n *yaml.Node, path string) (float64, bool) {
	if !d.plainNumber(n, path) {
		return 0, false
	}
	n = deref(n)
	v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		d.errorf(n, path, "want a number, got %q", n.Value)
		return 0, false
	}
	return v, true
}

func (d *decoder) boolean(n *yaml.Node, path string) (bool, bool) {
	n, ok := d.scalar(n, path, "true or false")
	if !ok {
		return false, false
	}
	switch strings.ToLower(n.Value) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	d.errorf(n, path, "want true or false, got %q", n.Value)
	return false, false
}

// duration decodes a non-negative duration (see parseDuration).
func (d *decoder) duration(n *yaml.Node, path string) (sim.Time, bool) {
	n, ok := d.scalar(n, path, "a duration")
	if !ok {
		return 0, false
	}
	t, err := parseDuration(n.Value)
	if err != nil {
		d.errorf(n, path, "bad duration %q: %v", n.Value, err)
		return 0, false
	}
	if t < 0 {
		d.errorf(n, path, "duration %q must not be negative", n.Value)
		return 0, false
	}
	return t, true
}

// parseDuration parses a Go duration extended with the unit d (24 hours):
// "90m", "1h30m", "7d", "1.5d", "1d12h". A bare "0" is zero; any other
// number needs a unit.
func parseDuration(s string) (sim.Time, error) {
	in := s
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, errors.New("empty")
	}
	isNum := func(c byte) bool { return c == '.' || ('0' <= c && c <= '9') }
	var days float64
	var rest strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && isNum(s[j]) {
			j++
		}
		k := j
		for k < len(s) && !isNum(s[k]) {
			k++
		}
		num, unit := s[i:j], s[j:k]
		if num == "" {
			return 0, fmt.Errorf("want a number before %q", unit)
		}
		switch unit {
		case "":
			return 0, fmt.Errorf("missing unit after %s (use ns, us, ms, s, m, h or d)", num)
		case "d":
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("bad number %q", num)
			}
			days += v
		case "ns", "us", "µs", "μs", "ms", "s", "m", "h":
			rest.WriteString(s[i:k])
		default:
			return 0, fmt.Errorf("unknown unit %q (use ns, us, ms, s, m, h or d)", unit)
		}
		i = k
	}
	var t time.Duration
	if rest.Len() > 0 {
		var err error
		if t, err = time.ParseDuration(rest.String()); err != nil {
			return 0, fmt.Errorf("not a duration (%s)", strings.TrimPrefix(err.Error(), "time: "))
		}
	}
	total := days*float64(sim.Day) + float64(t)
	if total >= math.MaxInt64 {
		return 0, fmt.Errorf("out of range (%s is over 292 years)", in)
	}
	v := sim.Time(math.Round(days*float64(sim.Day))) + sim.FromDuration(t)
	if v < 0 { // overflow of the sum
		return 0, fmt.Errorf("out of range (%s is over 292 years)", in)
	}
	if neg {
		v = -v
	}
	return v, nil
}

// seconds decodes a number of seconds, or a duration when allowed.
func (d *decoder) seconds(n *yaml.Node, path string, durations bool) (float64, bool) {
	n = deref(n)
	if durations && n.Kind == yaml.ScalarNode && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 {
		if _, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err != nil {
			t, ok := d.duration(n, path)
			return t.Seconds(), ok
		}
	}
	v, ok := d.number(n, path)
	if ok && v < 0 {
		d.errorf(n, path, "must not be negative, got %g", v)
		return 0, false
	}
	return v, ok
}

// dist decodes a distribution: a mapping {dist, value, sigma, alpha, max},
// or a bare value meaning fixed. With inSeconds, value and max are seconds
// and may be written as durations.
func (d *decoder) dist(n *yaml.Node, path string, inSeconds bool) (sim.Dist, bool) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode {
		v, ok := d.seconds(n, path, inSeconds)
		return sim.Dist{Kind: sim.DistFixed, Value: v}, ok
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a distribution {dist, value, ...} or a number, got %s", kindName(n))
		return sim.Dist{}, false
	}
	errs := len(d.errs)
	dist := sim.Dist{Kind: sim.DistFixed}
	seen := d.mapping(n, path, true, []field{
		{"dist", func(n *yaml.Node, p string) {
			if s, ok := d.str(n, p); ok {
				dist.Kind = sim.DistKind(s)
				switch dist.Kind {
				case sim.DistFixed, sim.DistExponential, sim.DistLogNormal, sim.DistPareto, sim.DistUniform:
				default:
					d.errorf(n, p, "unknown distribution %q (want fixed, exponential, lognormal, pareto or uniform)", s)
				}
			}
		}},
		{"value", func(n *yaml.Node, p string) { dist.Value, _ = d.seconds(n, p, inSeconds) }},
		{"sigma", func(n *yaml.Node, p string) { dist.Sigma, _ = d.number(n, p) }},
		{"alpha", func(n *yaml.Node, p string) { dist.Alpha, _ = d.number(n, p) }},
		{"max", func(n *yaml.Node, p string) { dist.Max, _ = d.seconds(n, p, inSeconds) }},
	})
	if len(d.errs) > errs {
		return dist, false
	}
	// Parameters belong to one family each: one given to another family is
	// a mistake, one missing from its family too.
	// max is the uniform's upper bound and a truncation of the unbounded
	// families, meaningless only for fixed.
	own := map[string]sim.DistKind{"sigma": sim.DistLogNormal, "alpha": sim.DistPareto, "max": sim.DistUniform}
	if seen["max"] && dist.Kind == sim.DistFixed {
		d.errorf(n, join(path, "max"), "does not apply to dist: fixed")
	}
	for _, k := range []string{"sigma", "alpha", "max"} {
		switch {
		case k == "max" && seen[k] && dist.Kind != sim.DistFixed:
		case seen[k] && own[k] != dist.Kind:
			d.errorf(n, join(path, k), "applies only to dist: %s, not %s", own[k], dist.Kind)
		case !seen[k] && own[k] == dist.Kind:
			d.errorf(n, join(path, k), "required for dist: %s", dist.Kind)
		}
	}
	if !seen["value"] {
		d.errorf(n, join(path, "value"), "required key is missing")
	}
	if len(d.errs) > errs {
		return dist, false
	}
	if err := dist.Validate(); err != nil {
		d.errorf(n, path, "%v", err)
		return dist, false
	}
	return dist, true
}
