package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Survival is a Kaplan–Meier estimate of a survival function S(t), the
// probability that the event (for healing times: healing) has not happened
// by time t, from right-censored observations.
//
// The pointwise confidence band uses Greenwood's variance on the log–log
// scale (Kalbfleisch and Prentice): with V(t) = Σ d/(n(n−d)) over the
// event times up to t, θ = log(−log S) has standard error
// √V / |log S|, and the band is S^exp(±z·se). Unlike the plain band
// S ± z·S·√V it stays inside [0, 1] and is the better one for small
// samples. The median's interval inverts this band (see Median).
type Survival struct {
	N, Events, Censored int
	Level               float64 // of the band and the median's interval
	// Steps holds every distinct observed time in increasing order: event
	// times, where S drops, and times with only censored observations,
	// where it does not (they are the censoring marks of a plot).
	Steps []Step
}

// Step is the estimate at one observed time.
type Step struct {
	Time     float64
	AtRisk   int // observations with time ≥ Time
	Events   int // events at Time
	Censored int // censored at Time; counted at risk at Time (events come first)
	// S is the survival just after Time; Greenwood is Σ d/(n(n−d)) up
	// to Time (so Var(S) = S²·Greenwood); +Inf once S reaches 0.
	S, Greenwood float64
	Lower, Upper float64 // pointwise band
}

// KaplanMeier estimates the survival function from times and, for each,
// whether the event was observed (false: right-censored at that time),
// with a band at level. Times must be finite and non-negative.
func KaplanMeier(times []float64, observed []bool, level float64) (*Survival, error) {
	if len(times) != len(observed) {
		return nil, fmt.Errorf("stats: %d times but %d event flags", len(times), len(observed))
	}
	if len(times) == 0 {
		return nil, errors.New("stats: no observations")
	}
	if !(level > 0 && level < 1) {
		return nil, fmt.Errorf("stats: confidence level %v not in (0, 1)", level)
	}
	type obs struct {
		t     float64
		event bool
	}
	all := make([]obs, len(times))
	for i, t := range times {
		if math.IsNaN(t) || math.IsInf(t, 0) || t < 0 {
			return nil, fmt.Errorf("stats: observation %d: time %v is not a finite non-negative number", i, t)
		}
		all[i] = obs{t, observed[i]}
	}
	slices.SortFunc(all, func(a, b obs) int { return cmpFloat(a.t, b.t) })

	z := distuv.UnitNormal.Quantile(1 - (1-level)/2)
	s := &Survival{N: len(all), Level: level}
	surv, green := 1.0, 0.0
	atRisk := len(all)
	for i := 0; i < len(all); {
		st := Step{Time: all[i].t, AtRisk: atRisk}
		for ; i < len(all) && all[i].t == st.Time; i++ {
			if all[i].event {
				st.Events++
			} else {
				st.Censored++
			}
		}
		if d, n := float64(st.Events), float64(atRisk); st.Events > 0 {
			surv *= 1 - d/n
			if st.Events == atRisk {
				surv, green = 0, math.Inf(1)
			} else {
				green += d / (n * (n - d))
			}
		}
		st.S, st.Greenwood = surv, green
		st.Lower, st.Upper = logLogBand(surv, green, z)
		s.Steps = append(s.Steps, st)
		s.Events += st.Events
		s.Censored += st.Censored
		atRisk -= st.Events + st.Censored
	}
	return s, nil
}

// logLogBand returns the pointwise band around s: exactly s where s is 1
// (no event yet) or 0 (no one left at risk), where the transform is
// undefined and the estimate has no spread.
func logLogBand(s, greenwood, z float64) (lo, hi float64) {
	if s >= 1 || s <= 0 {
		return s, s
	}
	se := math.Sqrt(greenwood) / math.Abs(math.Log(s))
	return math.Pow(s, math.Exp(z*se)), math.Pow(s, math.Exp(-z*se))
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// At returns S(t): 1 before the first event, constant between events.
func (s *Survival) At(t float64) float64 {
	v := 1.0
	for _, st := range s.Steps {
		if st.Time > t {
			break
		}
		v = st.S
	}
	return v
}

// SurvivalTime is a time read off a survival curve (the median, or
// another quantile) with its confidence interval. A value
// that is not reached is +Inf: the curve (or a band limit) never falls to
// one half within the observations, so the data bound it only from below.
type SurvivalTime struct {
	Value, Lower, Upper float64
	Level               float64
}

// Reached reports whether the median itself was reached.
func (m SurvivalTime) Reached() bool { return !math.IsInf(m.Value, 1) }

// MedianCI names the method of Median's interval, for reports.
const MedianCI = "Brookmeyer–Crowley: the times where the log–log Greenwood band contains 1/2"

// Median returns the median survival time, the smallest observed time t
// with S(t) ≤ 1/2, and its interval by the Brookmeyer–Crowley method:
// the set of times t at which the pointwise test of S(t) = 1/2 is not
// rejected, that is where the band contains 1/2. The band's limits fall
// over time, so the set runs from the first time the lower limit falls to
// 1/2 to the first time the upper limit does (Lower ≤ Value ≤ Upper).
// This is what R's survfit reports with conf.type "log-log", except that
// survfit averages two times where S is exactly 1/2 between them.
func (s *Survival) Median() SurvivalTime {
	return s.quantileCI(0.5)
}

// Quantile returns the time by which the share p of the event has
// happened (the smallest time with S ≤ 1−p) with its interval, as Median
// does for p = 1/2.
func (s *Survival) Quantile(p float64) SurvivalTime {
	return s.quantileCI(p)
}

// halfTol absorbs rounding in the product: 1 − d/n factors that multiply
// to exactly 1/2 on paper may land a few ulps above it.
const halfTol = 1e-12

func (s *Survival) quantileCI(p float64) SurvivalTime {
	target := 1 - p + halfTol
	first := func(v func(*Step) float64) float64 {
		for i := range s.Steps {
			if v(&s.Steps[i]) <= target {
				return s.Steps[i].Time
			}
		}
		return math.Inf(1)
	}
	return SurvivalTime{
		Value: first(func(st *Step) float64 { return st.S }),
		Lower: first(func(st *Step) float64 { return st.Lower }),
		Upper: first(func(st *Step) float64 { return st.Upper }),
		Level: s.Level,
	}
}
