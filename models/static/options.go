package static

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Options are the static protocol's keys of an experiment file (its
// static: section).
type Options struct {
	// RotateOnRemoval replaces the group key when members leave or are
	// removed: a remaining member draws a new key and seals it to each
	// other remaining member (n−1 HPKE encryptions for n remaining).
	RotateOnRemoval bool `json:"rotate_on_removal"`
	// Update is what an Update intent does: "none" (nothing is sent; the
	// outcome is recorded with no messages, and the group stays the
	// baseline with neither FS nor PCS) or "rotate" (the member publishes a
	// fresh wrap key and replaces the group key, sealing it to every other
	// member: post-compromise security for that member's own compromise).
	Update string `json:"update"`
}

// DefaultOptions are the options of an experiment that says nothing of the
// static protocol: the baseline, one key for the group's whole life.
func DefaultOptions() Options { return Options{Update: UpdateNone} }

// Update policies.
const (
	UpdateNone   = "none"
	UpdateRotate = "rotate"
)

// Validate checks the options and names each problem by its key.
func (o *Options) Validate() error {
	switch o.Update {
	case UpdateNone, UpdateRotate:
		return nil
	}
	return fmt.Errorf("static.update: unknown %q (want none or rotate)", o.Update)
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
		return o, fmt.Errorf("static options: %w", err)
	}
	if dec.More() {
		return o, errors.New("static options: trailing data after the options object")
	}
	return o, o.Validate()
}
