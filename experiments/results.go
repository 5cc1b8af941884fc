package experiments

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"cgkalab/models/protocol"
	"cgkalab/sim/driver"
	"cgkalab/sim/metrics"
)

// FormatVersion is the version of the result file layout, written into
// every Record. It changes when a reader would misread the files.
const FormatVersion = 1

// Record is the content of a run's JSON file: what ran and what it cost.
type Record struct {
	Format     int     `json:"format"`
	Version    string  `json:"cgkalab_version"`
	Experiment string  `json:"experiment"`
	Run        string  `json:"run"`
	Index      int     `json:"index"` // position among the experiment's runs, from 0
	Seed       uint64  `json:"seed"`
	Params     []Param `json:"params"`
	// Config is the resolved configuration as encoding/json writes
	// driver.Config (times in virtual nanoseconds).
	Config  driver.Config `json:"config"`
	Mode    string        `json:"mode"` // fidelity mode used: full or sampled
	Stats   driver.Stats  `json:"stats"`
	Summary Summary       `json:"summary"`
	// Security is the oracle's summary; absent for runs without compromises.
	Security *SecuritySummary `json:"security,omitempty"`
	// Calibration is the per-operation CPU cost the modelled CPU columns
	// use, measured at the start of the run or given in its config.
	Calibration *protocol.Calibration `json:"calibration,omitempty"`
	// AuthDigest is the SHA-256 over every event's epoch authenticator:
	// equal digests mean two runs' group states agreed event by event.
	AuthDigest string `json:"auth_digest"`
}

// Result file names within an experiment directory.
func eventsFile(run string) string { return run + ".events.csv" }
func healthFile(run string) string { return run + ".health.csv" }
func recordFile(run string) string { return run + ".json" }

// HealthColumns are the CSV header of a health file.
var HealthColumns = []string{
	"time_s", "epoch", "members", "leaves", "blank_parents", "unmerged_leaves", "mean_resolution",
}

// formatFloat formats floats the same way on every machine: the shortest
// representation that reads back exactly.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func formatBool(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func itoa[T ~int | ~int64 | ~uint64 | ~uint32](v T) string {
	if v < 0 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatUint(uint64(v), 10)
}

// eventRow renders one event in metrics.Columns(kinds) order.
func eventRow(e *metrics.Event, kinds []string) []string {
	s, r := e.Sender, e.Receiver
	row := []string{formatFloat(e.Time), e.Kind, itoa(e.Actor), itoa(e.Epoch), itoa(e.Members),
		itoa(e.BytesUp), itoa(e.BytesDown), itoa(e.Recipients)}
	for _, k := range kinds {
		row = append(row, itoa(e.Bytes(k)))
	}
	return append(row,
		itoa(s.Encrypt), itoa(s.Decrypt), itoa(s.DeriveKeyPair), itoa(s.DeriveSecret), itoa(s.Sign), itoa(s.Verify), itoa(s.AEAD),
		itoa(r.Encrypt), itoa(r.Decrypt), itoa(r.DeriveKeyPair), itoa(r.DeriveSecret), itoa(r.Sign), itoa(r.Verify), itoa(r.AEAD),
		itoa(e.SenderCPU), itoa(e.ReceiverCPU), itoa(e.SenderModelCPU), itoa(e.ReceiverModelCPU), itoa(e.Processed), itoa(e.Verified), formatBool(e.Path),
		itoa(e.Added), itoa(e.Removed), e.Rejected)
}

func healthRow(h *metrics.Health) []string {
	return []string{
		formatFloat(h.Time), itoa(h.Epoch), itoa(h.Members), itoa(h.Leaves),
		itoa(h.BlankParents), itoa(h.UnmergedLeaves), formatFloat(h.MeanResolution),
	}
}

// WriteEvents writes the events CSV: the header metrics.Columns of the
// message kinds the events send, then one row per event.
func WriteEvents(w io.Writer, events []metrics.Event) error {
	cw := csv.NewWriter(w)
	kinds := metrics.Kinds(events)
	cols := metrics.Columns(kinds)
	if err := cw.Write(cols); err != nil {
		return err
	}
	for i := range events {
		row := eventRow(&events[i], kinds)
		if len(row) != len(cols) {
			panic("experiments: eventRow is out of step with metrics.Columns")
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteHealth writes the health CSV: the header HealthColumns, then one
// row per sample.
func WriteHealth(w io.Writer, health []metrics.Health) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(HealthColumns); err != nil {
		return err
	}
	for i := range health {
		if err := cw.Write(healthRow(&health[i])); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteRecord writes r as indented JSON with a final newline.
func WriteRecord(w io.Writer, r *Record) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadRecord reads and checks a run's JSON file.
func ReadRecord(path string) (*Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Format != FormatVersion {
		return nil, fmt.Errorf("%s: result format %d, want %d", path, r.Format, FormatVersion)
	}
	if r.Run == "" {
		return nil, fmt.Errorf("%s: no run id", path)
	}
	return &r, nil
}

// writeRunFiles writes a run's three files into dir, each atomically, the
// JSON last.
func writeRunFiles(dir string, rec *Record, res *driver.Result) error {
	if err := writeAtomic(dir, eventsFile(rec.Run), func(w io.Writer) error { return WriteEvents(w, res.Events) }); err != nil {
		return err
	}
	if err := writeAtomic(dir, healthFile(rec.Run), func(w io.Writer) error { return WriteHealth(w, res.Health) }); err != nil {
		return err
	}
	if res.Security != nil {
		if err := writeAtomic(dir, compromisesFile(rec.Run), func(w io.Writer) error { return WriteCompromises(w, res.Security) }); err != nil {
			return err
		}
	}
	return writeAtomic(dir, recordFile(rec.Run), func(w io.Writer) error { return WriteRecord(w, rec) })
}

// writeAtomic writes a file so that it either appears whole or not at
// all: into a temporary file in the same directory, synced to disk, then
// renamed over name, and the directory synced.
func writeAtomic(dir, name string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename durable. Some systems cannot sync directories;
// there the rename is as durable as they allow.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}

// removeTemps deletes temporary files an interrupted write of run left in
// dir. Only the process running a run writes its files, so this never
// touches another shard's work.
func removeTemps(dir, run string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		for _, f := range []string{eventsFile(run), healthFile(run), recordFile(run)} {
			if strings.HasPrefix(n, "."+f+".tmp") {
				if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				}
			}
		}
	}
	return nil
}
