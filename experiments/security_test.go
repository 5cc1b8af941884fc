package experiments

import (
	"bytes"
	"strings"
	"testing"

	"cgkalab/sim"
	"cgkalab/sim/security"
)

func TestSecuritySummaryAndFile(t *testing.T) {
	r := &security.Report{Epochs: 10, ExposedEpochs: 4, IdealEpochs: 3, Excess: 1, Messages: 20, ExposedMessages: 5,
		Compromises: []*security.Compromise{
			{Member: 3, Time: sim.Hour, Epoch: 2, Healing: 30 * sim.Minute, FSWindow: 5 * sim.Minute, Exposed: 2,
				ExposedMessages: 4, DeletedExposed: 1, MsgHealing: 40 * sim.Minute, MsgFSWindow: 2 * sim.Minute},
			{Member: 7, Time: 2 * sim.Hour, Epoch: 5, Healing: 4 * sim.Hour, Censored: true, FSWindow: sim.Minute, Exposed: 3,
				MsgHealing: 4 * sim.Hour, MsgCensored: true},
		}, Ephemeral: 6, DeletedExposed: 1}
	s, err := summarizeSecurity(r)
	if err != nil {
		t.Fatal(err)
	}
	if s.EphemeralMessages != 6 || s.DeletedExposedMessages != 1 || s.MessageHealingKM == nil || *s.MessageHealingKM.Median != 2400 {
		t.Errorf("message figures %+v", s)
	}
	if s.Compromises != 2 || s.Censored != 1 || s.EpochShare != 0.4 || s.MessageShare != 0.25 || s.ExcessEpochs != 1 {
		t.Errorf("summary %+v", s)
	}
	if s.HealingSeconds.Max != 4*3600 || s.FSWindowSeconds.P50 != 60 {
		t.Errorf("healing %+v, fs %+v", s.HealingSeconds, s.FSWindowSeconds)
	}
	// One healed at 30 min, one censored at 4 h: S falls to 1/2 at
	// 30 min, the median; the band's upper limit stays at 1 (n = 2), so
	// the interval's upper limit is not reached.
	km := s.HealingKM
	if km == nil || km.Healed != 1 || km.Censored != 1 || km.Median == nil || *km.Median != 1800 ||
		km.Lower == nil || *km.Lower != 1800 || km.Upper != nil || km.Level != 0.95 {
		t.Errorf("healing KM %+v", km)
	}
	var b bytes.Buffer
	if err := WriteCompromises(&b, r); err != nil {
		t.Fatal(err)
	}
	want := "time_s,member,epoch,healing_s,censored,fs_window_s,exposed_epochs,exposed_messages,deleted_exposed_messages,message_healing_s,message_censored,message_fs_window_s\n" +
		"3600,3,2,1800,0,300,2,4,1,2400,0,120\n7200,7,5,14400,1,60,3,0,0,14400,1,0\n"
	if b.String() != want {
		t.Errorf("compromises file:\n%s\nwant:\n%s", b.String(), want)
	}
	if got := kmColumns(km); strings.Join(got, ",") != "1800,1800,inf" {
		t.Errorf("summary columns %q", got)
	}
	if got := kmColumns(nil); strings.Join(got, ",") != ",," {
		t.Errorf("summary columns without an estimate %q", got)
	}
	if s, err := summarizeSecurity(nil); s != nil || err != nil {
		t.Error("a run without compromises has a security summary")
	}
}

// A healing time the estimator refuses is an error, not a panic.
func TestSecuritySummaryRefusesNegativeTimes(t *testing.T) {
	r := &security.Report{Compromises: []*security.Compromise{{Time: sim.Hour, Healing: -sim.Hour}}}
	if _, err := summarizeSecurity(r); err == nil {
		t.Error("a negative healing time passed")
	}
}
