package experiments

import (
	"encoding/csv"
	"io"

	"cgkalab/sim/security"
)

// SecuritySummary is a run's security oracle report in its JSON record:
// the share of epochs and application messages exposed, the ideal
// predicate's count and the protocol's excess, and the distributions of
// PCS healing times and FS exposure windows (seconds). Healing times of
// compromises that never healed are counted at the end of the run
// (censored) and counted in Censored.
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
}

// CompromiseColumns are the header of a run's compromises CSV.
var CompromiseColumns = []string{"time_s", "member", "epoch", "healing_s", "censored", "fs_window_s", "exposed_epochs"}

func compromisesFile(run string) string { return run + ".compromises.csv" }

// summarizeSecurity condenses an oracle report.
func summarizeSecurity(r *security.Report) *SecuritySummary {
	if r == nil {
		return nil
	}
	s := &SecuritySummary{Compromises: len(r.Compromises), Epochs: r.Epochs, ExposedEpochs: r.ExposedEpochs,
		IdealEpochs: r.IdealEpochs, ExcessEpochs: r.Excess, Messages: r.Messages, ExposedMessages: r.ExposedMessages}
	if r.Epochs > 0 {
		s.EpochShare = float64(r.ExposedEpochs) / float64(r.Epochs)
	}
	if r.Messages > 0 {
		s.MessageShare = float64(r.ExposedMessages) / float64(r.Messages)
	}
	var heal, fs []float64
	for _, c := range r.Compromises {
		heal = append(heal, c.Healing.Seconds())
		fs = append(fs, c.FSWindow.Seconds())
		if c.Censored {
			s.Censored++
		}
	}
	s.HealingSeconds, s.FSWindowSeconds = NewStat(heal), NewStat(fs)
	return s
}

// WriteCompromises writes one CSV row per compromise.
func WriteCompromises(w io.Writer, r *security.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CompromiseColumns); err != nil {
		return err
	}
	for _, c := range r.Compromises {
		if err := cw.Write([]string{formatFloat(c.Time.Seconds()), itoa(uint32(c.Member)), itoa(c.Epoch),
			formatFloat(c.Healing.Seconds()), formatBool(c.Censored), formatFloat(c.FSWindow.Seconds()), itoa(c.Exposed)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
