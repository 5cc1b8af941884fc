package sim

import (
	"fmt"
	"math/rand/v2"
)

// DistKind names a distribution family.
type DistKind string

const (
	DistFixed       DistKind = "fixed"       // always Value
	DistExponential DistKind = "exponential" // mean Value
	DistLogNormal   DistKind = "lognormal"   // median Value, Sigma
	DistPareto      DistKind = "pareto"      // minimum Value, tail index Alpha
	DistUniform     DistKind = "uniform"     // [Value, Max)
)

// Dist is a distribution of non-negative quantities (seconds, bytes,
// counts) as an experiment file states it.
type Dist struct {
	Kind  DistKind
	Value float64 // the fixed value, mean, median, minimum or lower bound
	Sigma float64 // lognormal
	Alpha float64 // pareto
	Max   float64 // uniform upper bound
}

// Validate reports a distribution that cannot be sampled.
func (d Dist) Validate() error {
	switch d.Kind {
	case DistFixed, DistExponential, DistLogNormal, DistPareto, DistUniform:
	default:
		return fmt.Errorf("unknown distribution %q (want fixed, exponential, lognormal, pareto or uniform)", d.Kind)
	}
	if d.Value < 0 {
		return fmt.Errorf("%s distribution with negative value %g", d.Kind, d.Value)
	}
	switch {
	case d.Kind == DistLogNormal && d.Sigma < 0:
		return fmt.Errorf("lognormal sigma %g is negative", d.Sigma)
	case d.Kind == DistPareto && (d.Alpha <= 0 || d.Value <= 0):
		return fmt.Errorf("pareto needs a positive minimum and alpha (got %g, %g)", d.Value, d.Alpha)
	case d.Kind == DistUniform && d.Max < d.Value:
		return fmt.Errorf("uniform upper bound %g is below the lower bound %g", d.Max, d.Value)
	}
	return nil
}

// Sample draws from the distribution with r.
func (d Dist) Sample(r *rand.Rand) float64 {
	switch d.Kind {
	case DistExponential:
		return Exponential(r, d.Value)
	case DistLogNormal:
		return LogNormal(r, d.Value, d.Sigma)
	case DistPareto:
		return Pareto(r, d.Value, d.Alpha)
	case DistUniform:
		return Uniform(r, d.Value, d.Max)
	}
	return d.Value
}

// Mean returns the distribution's mean (infinite for heavy Pareto tails).
func (d Dist) Mean() float64 {
	switch d.Kind {
	case DistLogNormal:
		return d.Value * expHalfSq(d.Sigma)
	case DistPareto:
		if d.Alpha <= 1 {
			return inf
		}
		return d.Alpha * d.Value / (d.Alpha - 1)
	case DistUniform:
		return (d.Value + d.Max) / 2
	}
	return d.Value
}
