package pairwise

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"cgkalab/models/dratchet"
)

// Options are the pairwise protocol's keys of an experiment file (its
// pairwise: section).
type Options struct {
	// OneTimePrekeys is how many one-time prekeys a member uploads when it
	// registers, and refills to once fewer than half are left (Signal: 100).
	// 0 uploads none: sessions start without a one-time prekey.
	OneTimePrekeys int `json:"one_time_prekeys"`
	// MaxSkip bounds each session's store of skipped message keys and how
	// many keys one message may skip (libsignal: 2,000).
	MaxSkip int `json:"max_skip"`
}

// DefaultOptions are Signal's values.
func DefaultOptions() Options {
	return Options{OneTimePrekeys: dratchet.DefaultOneTime, MaxSkip: dratchet.DefaultMaxSkip}
}

// Validate checks the options and names each problem by its key.
func (o *Options) Validate() error {
	var errs []error
	if o.OneTimePrekeys < 0 || o.OneTimePrekeys > 10000 {
		errs = append(errs, fmt.Errorf("pairwise.one_time_prekeys: %d, want 0 to 10000", o.OneTimePrekeys))
	}
	if o.MaxSkip < 1 {
		errs = append(errs, errors.New("pairwise.max_skip: must be positive"))
	}
	return errors.Join(errs...)
}

// ParseOptions decodes options from an Env's JSON; empty JSON gives the
// defaults. Unknown fields are an error, so a misspelt key cannot pass
// silently.
func ParseOptions(raw json.RawMessage) (Options, error) {
	o := DefaultOptions()
	if len(raw) == 0 {
		return o, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return o, fmt.Errorf("pairwise options: %w", err)
	}
	return o, o.Validate()
}
