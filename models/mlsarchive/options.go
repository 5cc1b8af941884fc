package mlsarchive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"cgkalab/models/mlsgroup"
)

// Options are the keys of an mls-archive experiment: the MLS group's own
// (the mls: section, under "mls") and the archive's (the archive:
// section).
type Options struct {
	MLS mlsgroup.Options `json:"mls"`
	// Rotate is when a new archive key replaces the current one:
	// "never", "removal" (after every commit that removes members) or
	// "periodic" (at the first commit once RotateEvery has passed since
	// the last rotation).
	Rotate      string        `json:"rotate"`
	RotateEvery time.Duration `json:"rotate_every"`
	// History is what a newly added device receives: "all" (every archive
	// key so far, so it reads the whole archive) or "none" (a new archive
	// key is made for the group at once, so it reads nothing from before
	// it joined).
	History string `json:"history"`
	// Backup has every archive key also sealed to a backup service's
	// long-term HPKE key (Matrix's server-side key backup): a compromise
	// of the service reveals them all.
	Backup bool `json:"backup"`
}

// Rotation and history policies.
const (
	RotateNever    = "never"
	RotateRemoval  = "removal"
	RotatePeriodic = "periodic"
	HistoryAll     = "all"
	HistoryNone    = "none"
)

// DefaultOptions are MLS's defaults and one archive key for the group's
// life, given whole to every new device, with no backup service.
func DefaultOptions() Options {
	return Options{MLS: mlsgroup.DefaultOptions(), Rotate: RotateNever, History: HistoryAll}
}

// Validate checks the options and names each problem by its key.
func (o *Options) Validate() error {
	var errs []error
	if err := o.MLS.Validate(); err != nil {
		errs = append(errs, err)
	}
	if o.MLS.Rejoin == mlsgroup.RejoinExternalCommit {
		// The simulator would rejoin members by Leave and Join while
		// every committer paid for GroupInfos nobody uses.
		errs = append(errs, errors.New("mls.rejoin: external_commit is not modelled for protocol mls-archive (its rejoiner would need the archive keys resent); use welcome"))
	}
	switch o.Rotate {
	case RotateNever, RotateRemoval:
	case RotatePeriodic:
		if o.RotateEvery <= 0 {
			errs = append(errs, errors.New("archive.rotate_every: must be positive for rotate: periodic"))
		}
	default:
		errs = append(errs, fmt.Errorf("archive.rotate: unknown %q (want never, removal or periodic)", o.Rotate))
	}
	if o.RotateEvery < 0 {
		errs = append(errs, errors.New("archive.rotate_every: must not be negative"))
	}
	switch o.History {
	case HistoryAll, HistoryNone:
	default:
		errs = append(errs, fmt.Errorf("archive.history: unknown %q (want all or none)", o.History))
	}
	return errors.Join(errs...)
}

// ParseOptions decodes options from an Env's JSON; empty JSON gives the
// defaults, and so do the keys it leaves out. Unknown fields are an
// error, so a misspelt key cannot pass silently.
func ParseOptions(raw json.RawMessage) (Options, error) {
	o := DefaultOptions()
	if len(raw) == 0 {
		return o, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return o, fmt.Errorf("mls-archive options: %w", err)
	}
	return o, o.Validate()
}
