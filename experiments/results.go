package experiments

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"cgkalab/models/protocol"
	"cgkalab/sim/driver"
	"cgkalab/sim/metrics"
)

// FormatVersion is the version of the result file layout, written into
// every Record. It changes when a reader would misread the files.
const FormatVersion = 1

// Record is the content of a run's JSON file: what ran and what it cost.
type Record struct {
	Format     int    `json:"format"`
	Version    string `json:"cgkalab_version"`
	Experiment string `json:"experiment"`
	// Description is the experiment file's description: the question the
	// experiment asks, for reports.
	Description string `json:"description,omitempty"`
	// Question is the experiment's one-line question (its question: key).
	Question string  `json:"question,omitempty"`
	Run      string  `json:"run"`
	Index    int     `json:"index"` // position among the experiment's runs, from 0
	Seed     uint64  `json:"seed"`
	Params   []Param `json:"params"`
	// Config is the resolved configuration as encoding/json writes
	// driver.Config (times in virtual nanoseconds).
	Config  driver.Config `json:"config"`
	Mode    string        `json:"mode"` // fidelity mode used: full or sampled
	Stats   driver.Stats  `json:"stats"`
	Summary Summary       `json:"summary"`
	// History is what newly added devices could read of the group's past
	// (archive designs); absent for protocols that give joiners no old keys.
	History *driver.History `json:"history_readable,omitempty"`
	// Security is the oracle's summary; absent for runs without compromises.
	Security *SecuritySummary `json:"security,omitempty"`
	// Calibration is the per-operation CPU cost the modelled CPU columns
	// use, measured at the start of the run or given in its config.
	Calibration *protocol.Calibration `json:"calibration,omitempty"`
	// AuthDigest is the SHA-256 over every event's epoch authenticator:
	// equal digests mean two runs' group states agreed event by event.
	AuthDigest string `json:"auth_digest"`
	// Runs is the number of runs of the experiment, and SpecDigest
	// identifies the experiment as it stood (see SpecDigest): records with
	// the same digest belong to one experiment and configuration.
	Runs       int    `json:"runs"`
	SpecDigest string `json:"spec_digest"`
	// Files are the run's other files, each with its size and SHA-256: a
	// run counts as finished only while its files still match them, so a
	// file rewritten by another configuration is never taken for its own.
	Files []FileDigest `json:"files"`
}

// FileDigest names a result file and fixes its content.
type FileDigest struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
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

// ErrNotRecord marks a JSON file that is not a run's record: it does not
// parse as an object with "format", "experiment" and "run". Such files
// (notes, other tools' output) may share the folder and are left alone.
var ErrNotRecord = errors.New("not a cgkalab run record")

// maxRecordSize bounds what ReadRecord reads: records are a few KiB, and
// a huge file beside them is not one.
const maxRecordSize = 16 << 20

// ReadRecord reads and checks a run's JSON file. A file that is not a run
// record at all gives an error wrapping ErrNotRecord.
func ReadRecord(path string) (*Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRecordSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRecordSize {
		return nil, fmt.Errorf("%s: %w (larger than %d MiB)", path, ErrNotRecord, maxRecordSize>>20)
	}
	var probe struct {
		Format     *int    `json:"format"`
		Experiment *string `json:"experiment"`
		Run        *string `json:"run"`
	}
	if err := json.Unmarshal(b, &probe); err != nil || probe.Format == nil || probe.Experiment == nil || probe.Run == nil {
		return nil, fmt.Errorf("%s: %w", path, ErrNotRecord)
	}
	if *probe.Format != FormatVersion {
		return nil, fmt.Errorf("%s: result format %d, want %d", path, *probe.Format, FormatVersion)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Run == "" {
		return nil, fmt.Errorf("%s: no run id", path)
	}
	return &r, nil
}

// writeRunFiles writes a run's files into dir, each atomically, and the
// JSON last with the sizes and digests of the others: the JSON marks a
// finished run.
func writeRunFiles(dir string, rec *Record, res *driver.Result) error {
	rec.Files = nil
	add := func(name string, write func(io.Writer) error) error {
		fd, err := writeHashed(dir, name, write)
		rec.Files = append(rec.Files, fd)
		return err
	}
	if err := add(eventsFile(rec.Run), func(w io.Writer) error { return WriteEvents(w, res.Events) }); err != nil {
		return err
	}
	if err := add(healthFile(rec.Run), func(w io.Writer) error { return WriteHealth(w, res.Health) }); err != nil {
		return err
	}
	if res.Security != nil {
		if err := add(compromisesFile(rec.Run), func(w io.Writer) error { return WriteCompromises(w, res.Security) }); err != nil {
			return err
		}
	}
	return writeAtomic(dir, recordFile(rec.Run), func(w io.Writer) error { return WriteRecord(w, rec) })
}

// writeHashed writes a file atomically and returns its size and digest.
func writeHashed(dir, name string, write func(io.Writer) error) (FileDigest, error) {
	h := &hashWriter{h: sha256.New()}
	err := writeAtomic(dir, name, func(w io.Writer) error { return write(io.MultiWriter(w, h)) })
	return FileDigest{Name: name, Size: h.n, SHA256: hex.EncodeToString(h.h.Sum(nil))}, err
}

type hashWriter struct {
	h hash.Hash
	n int64
}

func (w *hashWriter) Write(b []byte) (int, error) {
	w.n += int64(len(b))
	return w.h.Write(b)
}

// digestFile returns the size and SHA-256 of the file dir/name.
func digestFile(dir, name string) (FileDigest, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return FileDigest{}, err
	}
	defer f.Close()
	h := &hashWriter{h: sha256.New()}
	if _, err := io.Copy(h, f); err != nil {
		return FileDigest{}, fmt.Errorf("reading %s: %w", filepath.Join(dir, name), err)
	}
	return FileDigest{Name: name, Size: h.n, SHA256: hex.EncodeToString(h.h.Sum(nil))}, nil
}

// errMismatch marks a run whose files do not all belong to its record.
var errMismatch = errors.New("files do not match the record")

// verifyFiles checks that rec lists its events and health files and that
// every file it lists in dir has the recorded size and digest. The error
// wraps errMismatch for a missing or different file.
func verifyFiles(dir string, rec *Record) error {
	names := make([]string, 0, len(rec.Files))
	for _, f := range rec.Files {
		names = append(names, f.Name)
	}
	for _, want := range []string{eventsFile(rec.Run), healthFile(rec.Run)} {
		if !slices.Contains(names, want) {
			return fmt.Errorf("%w: the record lists no %s (written before cgkalab recorded file digests?)", errMismatch, want)
		}
	}
	for _, want := range rec.Files {
		if runOfFile(want.Name) != rec.Run || filepath.Base(want.Name) != want.Name {
			return fmt.Errorf("%w: the record lists %q, not a file of run %s", errMismatch, want.Name, rec.Run)
		}
		st, err := os.Stat(filepath.Join(dir, want.Name))
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w: %s is missing", errMismatch, want.Name)
		}
		if err != nil {
			return err
		}
		if st.Size() != want.Size {
			return fmt.Errorf("%w: %s has %d bytes, the record says %d", errMismatch, want.Name, st.Size(), want.Size)
		}
		got, err := digestFile(dir, want.Name)
		if err != nil {
			return err
		}
		if got.SHA256 != want.SHA256 {
			return fmt.Errorf("%w: %s has another SHA-256 than the record says", errMismatch, want.Name)
		}
	}
	return nil
}

// runFileSuffixes are the endings of a run's files besides its JSON.
var runFileSuffixes = []string{".events.csv", ".health.csv", ".compromises.csv"}

// runOfFile returns the run a result file name belongs to by its ending
// (events, health or compromises CSV, or JSON), or "".
func runOfFile(name string) string {
	for _, suf := range append(runFileSuffixes, ".json") {
		if id, ok := strings.CutSuffix(name, suf); ok && id != "" && !strings.HasPrefix(name, ".") {
			return id
		}
	}
	return ""
}

// writeAtomic writes a file so that it either appears whole or not at
// all: into a temporary file in the same directory, synced to disk, then
// renamed over name, and the directory synced. The file is created with
// mode 0666 less the umask (0644 under the usual umask), as results are
// meant to be read by others; os.CreateTemp would make it 0600.
func writeAtomic(dir, name string, write func(io.Writer) error) (err error) {
	f, err := createTemp(dir, name)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil && f != nil {
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
	if err := dieHereForTesting(name); err != nil {
		f = nil // a dead process leaves its temporary file
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// beforeRenameForTesting, if set, is called before each rename that
// publishes or moves a result file. An error stops the work there as if
// the process had died: nothing is cleaned up.
var beforeRenameForTesting func(name string) error

func dieHereForTesting(name string) error {
	if beforeRenameForTesting == nil {
		return nil
	}
	return beforeRenameForTesting(name)
}

// tempSeq numbers this process's temporary files.
var tempSeq atomic.Uint64

// createTemp creates dir/.<name>.tmp<pid>-<n>, a name no other file has,
// with mode 0666 subject to the umask.
func createTemp(dir, name string) (*os.File, error) {
	for {
		p := filepath.Join(dir, fmt.Sprintf(".%s%s%d-%d", name, tempMark, os.Getpid(), tempSeq.Add(1)))
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, os.ErrExist) {
			return f, err
		}
	}
}

// tempMark separates a temporary file's target name from its suffix.
const tempMark = ".tmp"

// tempTarget returns the name a temporary file was to be renamed to, or
// "" if name is not a temporary file of writeAtomic.
func tempTarget(name string) string {
	if !strings.HasPrefix(name, ".") {
		return ""
	}
	i := strings.LastIndex(name, tempMark)
	suffix := name[max(i, 0)+len(tempMark):]
	if i <= 1 || suffix == "" || strings.Trim(suffix, "0123456789-") != "" {
		return ""
	}
	return name[1:i]
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
