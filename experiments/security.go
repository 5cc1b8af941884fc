package experiments

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"

	"cgkalab/experiments/stats"
	"cgkalab/sim/security"
)

// SecuritySummary is a run's security oracle report in its JSON record:
// the share of epochs and application messages exposed, the ideal
// predicate's count and the protocol's excess, and the distributions of
// PCS healing times and FS exposure windows (seconds). Healing times of
// compromises that never healed are counted at the end of the run
// (censored) and counted in Censored; HealingKM is the estimate to report,
// HealingSeconds describes the observed values, censored ones included.
type SecuritySummary struct {
	Compromises     int     `json:"compromises"`
	Censored        int     `json:"censored"`
	Epochs          int     `json:"epochs"`
	ExposedEpochs   int     `json:"exposed_epochs"`
	IdealEpochs     int     `json:"ideal_exposed_epochs"`
	ExcessEpochs    int     `json:"excess_exposed_epochs"`
	Messages        int     `json:"messages"`
	ExposedMessages int     `json:"exposed_messages"`
	EpochShare      float64 `json:"exposed_epoch_share"`
	MessageShare    float64 `json:"exposed_message_share"`
	HealingSeconds  Stat    `json:"healing_s"`
	FSWindowSeconds Stat    `json:"fs_window_s"`
	// HealingKM is the Kaplan–Meier median healing time; nil without
	// compromises.
	HealingKM *KMMedian `json:"healing_km,omitempty"`
	// Message-level figures, the measure every protocol shares: messages
	// with a disappearing timer, those exposed after they had disappeared
	// (deleted, yet readable from the recorded ciphertext), and the
	// Kaplan–Meier median of message healing (until the first message
	// after the last one a compromise exposes).
	EphemeralMessages      int       `json:"ephemeral_messages"`
	DeletedExposedMessages int       `json:"deleted_exposed_messages"`
	MessageHealingKM       *KMMedian `json:"message_healing_km,omitempty"`
}

// KMMedian is a Kaplan–Meier median time (seconds) with its confidence
// interval (stats.MedianCI). A null median or limit was not reached: the
// survival curve, or that limit of its band, never fell to one half within
// the run, so the data bound it only from below.
type KMMedian struct {
	Healed   int      `json:"healed"`
	Censored int      `json:"censored"`
	Level    float64  `json:"level"`
	Median   *float64 `json:"median_s"`
	Lower    *float64 `json:"lower_s"`
	Upper    *float64 `json:"upper_s"`
	Method   string   `json:"ci_method"`
}

// newKMMedian estimates the median of healing times, censored[i] marking
// those that had not healed when the run ended.
func newKMMedian(healing []float64, censored []bool) (*KMMedian, error) {
	observed := make([]bool, len(censored))
	for i, c := range censored {
		observed[i] = !c
	}
	km, err := stats.KaplanMeier(healing, observed, stats.Level)
	if err != nil {
		return nil, err
	}
	m := km.Median()
	reached := func(v float64) *float64 {
		if math.IsInf(v, 1) {
			return nil
		}
		return &v
	}
	return &KMMedian{Healed: km.Events, Censored: km.Censored, Level: m.Level,
		Median: reached(m.Value), Lower: reached(m.Lower), Upper: reached(m.Upper), Method: stats.MedianCI}, nil
}

// CompromiseColumns are the header of a run's compromises CSV.
var CompromiseColumns = []string{"time_s", "member", "epoch", "healing_s", "censored", "fs_window_s", "exposed_epochs",
	"exposed_messages", "deleted_exposed_messages", "message_healing_s", "message_censored", "message_fs_window_s"}

func compromisesFile(run string) string { return run + ".compromises.csv" }

// summarizeSecurity condenses an oracle report.
func summarizeSecurity(r *security.Report) (*SecuritySummary, error) {
	if r == nil {
		return nil, nil
	}
	s := &SecuritySummary{Compromises: len(r.Compromises), Epochs: r.Epochs, ExposedEpochs: r.ExposedEpochs,
		IdealEpochs: r.IdealEpochs, ExcessEpochs: r.Excess, Messages: r.Messages, ExposedMessages: r.ExposedMessages,
		EphemeralMessages: r.Ephemeral, DeletedExposedMessages: r.DeletedExposed}
	if r.Epochs > 0 {
		s.EpochShare = float64(r.ExposedEpochs) / float64(r.Epochs)
	}
	if r.Messages > 0 {
		s.MessageShare = float64(r.ExposedMessages) / float64(r.Messages)
	}
	var heal, fs, msgHeal []float64
	var censored, msgCensored []bool
	for _, c := range r.Compromises {
		heal = append(heal, c.Healing.Seconds())
		fs = append(fs, c.FSWindow.Seconds())
		censored = append(censored, c.Censored)
		msgHeal = append(msgHeal, c.MsgHealing.Seconds())
		msgCensored = append(msgCensored, c.MsgCensored)
		if c.Censored {
			s.Censored++
		}
	}
	if len(heal) > 0 {
		var err error
		if s.HealingKM, err = newKMMedian(heal, censored); err != nil {
			return nil, fmt.Errorf("security oracle: healing times: %w", err)
		}
		if s.MessageHealingKM, err = newKMMedian(msgHeal, msgCensored); err != nil {
			return nil, fmt.Errorf("security oracle: message healing times: %w", err)
		}
	}
	s.HealingSeconds, s.FSWindowSeconds = NewStat(heal), NewStat(fs)
	return s, nil
}

// WriteCompromises writes one CSV row per compromise.
func WriteCompromises(w io.Writer, r *security.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CompromiseColumns); err != nil {
		return err
	}
	for _, c := range r.Compromises {
		if err := cw.Write([]string{formatFloat(c.Time.Seconds()), itoa(uint32(c.Member)), itoa(c.Epoch),
			formatFloat(c.Healing.Seconds()), formatBool(c.Censored), formatFloat(c.FSWindow.Seconds()), itoa(c.Exposed),
			itoa(c.ExposedMessages), itoa(c.DeletedExposed), formatFloat(c.MsgHealing.Seconds()), formatBool(c.MsgCensored),
			formatFloat(c.MsgFSWindow.Seconds())}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
