package senderkeys

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"cgkalab/models/dratchet"
)

// Options are the Sender Keys protocol's keys of an experiment file (its
// senderkeys: section).
type Options struct {
	// RotateEvery rotates a member's sender key before it sends once the
	// key is this old; 0 disables (Megolm's default is a week).
	RotateEvery time.Duration `json:"rotate_every"`
	// RotateMessages rotates a member's sender key before it sends once it
	// has sent this many messages with it; 0 disables (Megolm: 100).
	RotateMessages int `json:"rotate_messages"`
	// MaxSkip bounds the skipped message keys kept per sender (libsignal:
	// 2,000), and those of each pairwise session.
	MaxSkip int `json:"max_skip"`
	// OneTimePrekeys is how many one-time prekeys a member uploads, and
	// refills to once fewer than half are left (Signal: 100); 0: none.
	OneTimePrekeys int `json:"one_time_prekeys"`
}

// DefaultOptions are WhatsApp's: rotation only when a member leaves or
// is removed.
func DefaultOptions() Options {
	return Options{MaxSkip: dratchet.DefaultMaxSkip, OneTimePrekeys: dratchet.DefaultOneTime}
}

// MegolmOptions adds Megolm's default periodic rotation: a week or 100
// messages, whichever comes first.
func MegolmOptions() Options {
	o := DefaultOptions()
	o.RotateEvery, o.RotateMessages = 7*24*time.Hour, 100
	return o
}

// Validate checks the options and names each problem by its key.
func (o *Options) Validate() error {
	var errs []error
	if o.RotateEvery < 0 {
		errs = append(errs, errors.New("senderkeys.rotate_every: must not be negative (0 disables)"))
	}
	if o.RotateMessages < 0 {
		errs = append(errs, errors.New("senderkeys.rotate_messages: must not be negative (0 disables)"))
	}
	if o.MaxSkip < 1 {
		errs = append(errs, errors.New("senderkeys.max_skip: must be positive"))
	}
	if o.OneTimePrekeys < 0 || o.OneTimePrekeys > 10000 {
		errs = append(errs, fmt.Errorf("senderkeys.one_time_prekeys: %d, want 0 to 10000", o.OneTimePrekeys))
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
		return o, fmt.Errorf("senderkeys options: %w", err)
	}
	return o, o.Validate()
}
