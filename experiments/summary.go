package experiments

import (
	"encoding/csv"
	"io"
	"math"
	"slices"

	"cgkalab/sim/metrics"
)

// Summary condenses a run's events.
type Summary struct {
	Events       int    `json:"events"`
	FinalMembers int    `json:"final_members"` // after the last event
	FinalEpoch   uint64 `json:"final_epoch"`
	BytesUp      int64  `json:"bytes_up_total"`
	BytesDown    int64  `json:"bytes_down_total"`
	// Kinds summarises each event kind, sorted by kind.
	Kinds []KindSummary `json:"kinds"`
}

// KindSummary condenses the events of one kind.
type KindSummary struct {
	Kind      string `json:"kind"`
	Count     int    `json:"count"`
	BytesUp   Stat   `json:"bytes_up"`
	BytesDown Stat   `json:"bytes_down"`
	// BytesDownPerRecipient is bytes_down / recipients over the events
	// with recipients.
	BytesDownPerRecipient Stat `json:"bytes_down_per_recipient"`
	SenderCPU             Stat `json:"sender_cpu_ns"`
	// ReceiverCPU covers the events some receiver processed for real.
	ReceiverCPU Stat `json:"receiver_cpu_ns"`
}

// Stat describes a sample of values. Quantiles are nearest-rank: the
// smallest value with at least the fraction p of the sample at or below
// it. All fields are zero for an empty sample.
type Stat struct {
	N    int     `json:"n"`
	Sum  float64 `json:"sum"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// NewStat describes vs (which it sorts).
func NewStat(vs []float64) Stat {
	if len(vs) == 0 {
		return Stat{}
	}
	var sum float64
	for _, v := range vs {
		sum += v
	}
	slices.Sort(vs)
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(vs)))) - 1
		return vs[max(0, min(i, len(vs)-1))]
	}
	return Stat{N: len(vs), Sum: sum, Mean: sum / float64(len(vs)), P50: q(0.5), P90: q(0.9), P99: q(0.99), Max: vs[len(vs)-1]}
}

// Summarize condenses events.
func Summarize(events []metrics.Event) Summary {
	s := Summary{Events: len(events), Kinds: []KindSummary{}}
	if len(events) > 0 {
		last := events[len(events)-1]
		s.FinalMembers, s.FinalEpoch = last.Members, last.Epoch
	}
	type acc struct{ up, down, perRcpt, scpu, rcpu []float64 }
	var kinds []string
	accs := map[string]*acc{} // index only; order comes from kinds
	for i := range events {
		e := &events[i]
		s.BytesUp += e.BytesUp
		s.BytesDown += e.BytesDown
		a := accs[e.Kind]
		if a == nil {
			a = &acc{}
			accs[e.Kind] = a
			kinds = append(kinds, e.Kind)
		}
		a.up = append(a.up, float64(e.BytesUp))
		a.down = append(a.down, float64(e.BytesDown))
		if e.Recipients > 0 {
			a.perRcpt = append(a.perRcpt, float64(e.BytesDown)/float64(e.Recipients))
		}
		a.scpu = append(a.scpu, float64(e.SenderCPU))
		if e.Processed > 0 {
			a.rcpu = append(a.rcpu, float64(e.ReceiverCPU))
		}
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		a := accs[k]
		s.Kinds = append(s.Kinds, KindSummary{
			Kind:                  k,
			Count:                 len(a.up),
			BytesUp:               NewStat(a.up),
			BytesDown:             NewStat(a.down),
			BytesDownPerRecipient: NewStat(a.perRcpt),
			SenderCPU:             NewStat(a.scpu),
			ReceiverCPU:           NewStat(a.rcpu),
		})
	}
	return s
}

// Kind returns the summary of one event kind, or a zero one.
func (s *Summary) Kind(kind string) KindSummary {
	for _, k := range s.Kinds {
		if k.Kind == kind {
			return k
		}
	}
	return KindSummary{Kind: kind}
}

// summaryStats are the per-kind columns of summary.csv.
var summaryStats = []struct {
	name string
	get  func(k *KindSummary) float64
}{
	{"count", func(k *KindSummary) float64 { return float64(k.Count) }},
	{"bytes_up_mean", func(k *KindSummary) float64 { return k.BytesUp.Mean }},
	{"bytes_up_p90", func(k *KindSummary) float64 { return k.BytesUp.P90 }},
	{"bytes_down_per_recipient_mean", func(k *KindSummary) float64 { return k.BytesDownPerRecipient.Mean }},
	{"bytes_down_per_recipient_p90", func(k *KindSummary) float64 { return k.BytesDownPerRecipient.P90 }},
	{"sender_cpu_ns_mean", func(k *KindSummary) float64 { return k.SenderCPU.Mean }},
	{"receiver_cpu_ns_mean", func(k *KindSummary) float64 { return k.ReceiverCPU.Mean }},
}

// kmColumns are a Kaplan–Meier median and its interval limits in
// seconds: "inf" where not reached (the time lies beyond the run's end),
// empty without an estimate.
func kmColumns(m *KMMedian) []string {
	if m == nil {
		return []string{"", "", ""}
	}
	col := func(v *float64) string {
		if v == nil {
			return "inf"
		}
		return formatFloat(*v)
	}
	return []string{col(m.Median), col(m.Lower), col(m.Upper)}
}

// WriteSummary writes one CSV row per record: the run, its params (one
// column per swept key), mode and totals, security (healing as a
// Kaplan–Meier median with its interval), then per event kind (every kind
// any run has, sorted) its count and mean and p90 bytes.
func WriteSummary(w io.Writer, recs []*Record) error {
	var keys, kinds []string
	for _, r := range recs {
		for _, p := range r.Params {
			if !slices.Contains(keys, p.Key) {
				keys = append(keys, p.Key)
			}
		}
		for _, k := range r.Summary.Kinds {
			if !slices.Contains(kinds, k.Kind) {
				kinds = append(kinds, k.Kind)
			}
		}
	}
	slices.Sort(kinds)
	header := []string{"run", "index", "seed"}
	header = append(header, keys...)
	header = append(header, "mode", "initial_members", "duration_s", "events", "final_members", "final_epoch",
		"bytes_up_total", "bytes_down_total", "commits",
		"compromises", "exposed_epoch_share", "exposed_message_share", "excess_exposed_epochs",
		"healing_km_median_s", "healing_km_lower_s", "healing_km_upper_s", "healing_censored", "fs_window_s_p50", "fs_window_s_p90")
	for _, k := range kinds {
		for _, s := range summaryStats {
			header = append(header, k+"_"+s.name)
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range recs {
		row := []string{r.Run, itoa(r.Index), itoa(r.Seed)}
		for _, key := range keys {
			v := ""
			for _, p := range r.Params {
				if p.Key == key {
					v = p.Value
				}
			}
			row = append(row, v)
		}
		s := &r.Summary
		row = append(row, r.Mode, itoa(r.Config.Workload.Initial), formatFloat(r.Config.Duration.Seconds()),
			itoa(s.Events), itoa(s.FinalMembers), itoa(s.FinalEpoch),
			itoa(s.BytesUp), itoa(s.BytesDown), itoa(s.Kind("commit").Count))
		if sec := r.Security; sec != nil {
			row = append(row, itoa(sec.Compromises), formatFloat(sec.EpochShare), formatFloat(sec.MessageShare), itoa(sec.ExcessEpochs))
			row = append(row, kmColumns(sec.HealingKM)...)
			row = append(row, itoa(sec.Censored), formatFloat(sec.FSWindowSeconds.P50), formatFloat(sec.FSWindowSeconds.P90))
		} else {
			row = append(row, "0", "", "", "", "", "", "", "", "", "")
		}
		for _, k := range kinds {
			ks := s.Kind(k)
			for _, st := range summaryStats {
				row = append(row, formatFloat(st.get(&ks)))
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
