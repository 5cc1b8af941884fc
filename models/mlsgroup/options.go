package mlsgroup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Options are the MLS-specific keys of an experiment file (its mls:
// section): who commits pending proposals, when, and with what.
type Options struct {
	Commit Commit `json:"commit"`
	// Updates is "proposal" (self-updates are Update proposals committed
	// by someone) or "commit" (a member updates by committing with a
	// path).
	Updates string `json:"updates"`
	// KeyPackageLifetime is the lifetime of the KeyPackages clients
	// pre-publish (KeyPackages) when KeyPackages.Lifetime is 0; without
	// KeyPackages it has no effect (each Add gets a fresh KeyPackage).
	KeyPackageLifetime time.Duration `json:"key_package_lifetime"`

	// The keys below are left out of the JSON when unset, so that the
	// options (and records) of an experiment that does not use them are
	// what they were before they existed.

	// EvictBy is who sends the Removes of idle members (protocol.Evict):
	// EvictByMember (the default, also when empty) or EvictByService.
	EvictBy EvictBy `json:"evict_by,omitempty"`
	// Rejoin is how a member too far behind to catch up comes back:
	// RejoinWelcome (the default, also when empty) or RejoinExternalCommit.
	Rejoin RejoinBy `json:"rejoin,omitempty"`
	// KeyPackages, when set, has every client pre-publish KeyPackages
	// (keypool.go); nil makes a fresh one for each Add, as before.
	KeyPackages *KeyPackages `json:"key_packages,omitempty"`
}

// KeyPackages is how clients pre-publish KeyPackages (RFC 9420, Sections
// 10 and 16.8).
type KeyPackages struct {
	// Batch is how many one-time KeyPackages a client uploads at once.
	Batch int `json:"batch"`
	// Lifetime is their lifetime; 0 means KeyPackageLifetime.
	Lifetime time.Duration `json:"lifetime,omitempty"`
	// LastResort adds to each batch a KeyPackage that may be used more
	// than once, once the others are used up.
	LastResort bool `json:"last_resort"`
}

// EvictBy names who removes idle members (RFC 9750, Section 7).
type EvictBy string

const (
	// EvictByMember: the committer proposes the Removes and commits them.
	EvictByMember EvictBy = "member"
	// EvictByService: the delivery service, listed in the group's
	// external_senders extension, sends the Removes as an external sender
	// (RFC 9420, Section 12.1.8); a member commits them under the commit
	// policy.
	EvictByService EvictBy = "service"
)

// RejoinBy names how a member that missed too much rejoins.
type RejoinBy string

const (
	// RejoinWelcome: it is removed and added back as a new client.
	RejoinWelcome RejoinBy = "welcome"
	// RejoinExternalCommit: it rejoins by an external commit that removes
	// its old leaf (RFC 9420, Section 12.4.3.2), from the GroupInfo the
	// group publishes after every commit.
	RejoinExternalCommit RejoinBy = "external_commit"
)

// byService reports whether idle members are evicted by the service.
func (o *Options) byService() bool { return o.EvictBy == EvictByService }

// externalRejoin reports whether members rejoin by external commit.
func (o *Options) externalRejoin() bool { return o.Rejoin == RejoinExternalCommit }

// Commit is the commit policy.
type Commit struct {
	// Committer is "any" (a random online member), "self" (the member
	// whose proposal is pending, else any), "designated" (member 0 while
	// online, else any), or "admins" (a random online admin among the
	// first Admins members, else any).
	Committer string `json:"committer"`
	Admins    int    `json:"admins"`
	// When is "immediate" (every proposal is committed at once),
	// "periodic" (every Every) or "count" (once Count proposals wait).
	When  string        `json:"when"`
	Every time.Duration `json:"every"`
	Count int           `json:"count"`
	// Path is "always" (every commit updates the committer's path) or
	// "required" (only when a proposal requires it).
	Path string `json:"path"`
}

// DefaultOptions are the options of an experiment that says nothing of
// MLS.
func DefaultOptions() Options {
	return Options{Commit: Commit{Committer: "any", When: "immediate", Path: "always"}, Updates: "proposal",
		KeyPackageLifetime: 30 * 24 * time.Hour}
}

// Validate checks the options and names each problem by its key.
func (o *Options) Validate() error {
	var errs []error
	c := o.Commit
	switch c.Committer {
	case "any", "self", "designated":
	case "admins":
		if c.Admins < 1 {
			errs = append(errs, errors.New("mls.commit.admins: need at least 1 admin for committer: admins"))
		}
	default:
		errs = append(errs, fmt.Errorf("mls.commit.committer: unknown %q (want any, self, designated or admins)", c.Committer))
	}
	if c.Admins < 0 {
		errs = append(errs, fmt.Errorf("mls.commit.admins: negative %d", c.Admins))
	}
	switch c.When {
	case "immediate":
	case "periodic":
		if c.Every <= 0 {
			errs = append(errs, errors.New("mls.commit.every: must be positive for when: periodic"))
		}
	case "count":
		if c.Count < 1 {
			errs = append(errs, errors.New("mls.commit.count: must be at least 1 for when: count"))
		}
	default:
		errs = append(errs, fmt.Errorf("mls.commit.when: unknown %q (want immediate, periodic or count)", c.When))
	}
	switch c.Path {
	case "always", "required":
	default:
		errs = append(errs, fmt.Errorf("mls.commit.path: unknown %q (want always or required)", c.Path))
	}
	switch o.Updates {
	case "proposal", "commit":
	default:
		errs = append(errs, fmt.Errorf("mls.updates: unknown %q (want proposal or commit)", o.Updates))
	}
	switch o.EvictBy {
	case "", EvictByMember, EvictByService:
	default:
		errs = append(errs, fmt.Errorf("mls.evict_by: unknown %q (want member or service)", o.EvictBy))
	}
	switch o.Rejoin {
	case "", RejoinWelcome, RejoinExternalCommit:
	default:
		errs = append(errs, fmt.Errorf("mls.rejoin: unknown %q (want welcome or external_commit)", o.Rejoin))
	}
	if kp := o.KeyPackages; kp != nil {
		if kp.Batch < 1 {
			errs = append(errs, fmt.Errorf("mls.key_packages.batch: must be at least 1, got %d", kp.Batch))
		}
		switch {
		case kp.Lifetime < 0:
			errs = append(errs, errors.New("mls.key_packages.lifetime: must not be negative"))
		case kp.Lifetime == 0 && o.KeyPackageLifetime < time.Second:
			errs = append(errs, errors.New("mls.key_packages.lifetime: must be at least 1s (or set mls.key_package_lifetime)"))
		case kp.Lifetime > 0 && kp.Lifetime < time.Second:
			errs = append(errs, errors.New("mls.key_packages.lifetime: must be at least 1s"))
		}
	}
	if o.KeyPackageLifetime < 0 {
		errs = append(errs, errors.New("mls.key_package_lifetime: must not be negative"))
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
		return o, fmt.Errorf("mls options: %w", err)
	}
	return o, o.Validate()
}
