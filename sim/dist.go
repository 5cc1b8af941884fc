package sim

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
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
	Max   float64 // uniform upper bound; truncation of the other families (0: none)
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

// Sample draws from the distribution with r, through gonum's distuv
// (r is the named stream's generator, so draws stay deterministic). For
// the unbounded families a positive Max truncates the draw: values above
// it are Max.
func (d Dist) Sample(r *rand.Rand) float64 {
	var v float64
	switch d.Kind {
	case DistExponential:
		v = distuv.Exponential{Rate: 1 / d.Value, Src: r}.Rand()
	case DistLogNormal:
		v = distuv.LogNormal{Mu: math.Log(d.Value), Sigma: d.Sigma, Src: r}.Rand()
	case DistPareto:
		v = distuv.Pareto{Xm: d.Value, Alpha: d.Alpha, Src: r}.Rand()
	case DistUniform:
		return distuv.Uniform{Min: d.Value, Max: d.Max, Src: r}.Rand()
	default:
		return d.Value
	}
	if d.Max > 0 && v > d.Max {
		return d.Max
	}
	return v
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
