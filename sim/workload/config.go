// Package workload says what the simulated clients do and when: joins,
// leaves, self-updates, application messages (some disappearing),
// offline periods and compromises. Its Config is what an experiment
// file's group, workload, policy and security sections decode into; how a
// protocol turns these intents into messages is the protocol's own
// section.
package workload

import (
	"errors"
	"fmt"

	"cgkalab/models/protocol"
	"cgkalab/sim"
)

// Arrival is an arrival process: events at a fixed period, or Poisson
// arrivals at a rate; PerMember scales the rate with the group size (each
// member acts at that rate).
type Arrival struct {
	// Process is "none", "periodic" or "poisson".
	Process string
	// Every is the period (periodic) or the mean gap (poisson), for the
	// whole group or, with PerMember, for each member.
	Every     sim.Time
	PerMember bool
}

// Enabled reports whether the process produces events.
func (a Arrival) Enabled() bool { return a.Process != "" && a.Process != "none" }

func (a Arrival) validate(name string) error {
	switch a.Process {
	case "", "none":
		return nil
	case "periodic", "poisson":
		if a.Every <= 0 {
			return fmt.Errorf("%s: period must be positive, got %v", name, a.Every)
		}
		return nil
	}
	return fmt.Errorf("%s: unknown process %q (want none, periodic or poisson)", name, a.Process)
}

// Offline describes members' offline periods: a share of members
// alternate between online sessions and offline gaps.
type Offline struct {
	Share   float64  // share of members that ever go offline, in [0, 1]
	Online  sim.Dist // online session length, seconds
	Offline sim.Dist // offline gap length, seconds
	// MaxBacklog is how many missed epochs a returning member processes;
	// beyond it, its state is too old and it rejoins. 0 means no limit.
	MaxBacklog int
}

// Policy holds the RFC 9750, Section 7 operational policies.
type Policy struct {
	// MaxUpdateAge removes a member that has not refreshed its state for
	// this long (0 disables).
	MaxUpdateAge sim.Time
}

// Ephemeral describes disappearing messages: a share of application
// messages that honest devices delete, with their keys, TTL after sending.
type Ephemeral struct {
	Share float64 // in [0, 1]
	TTL   sim.Time
}

// Actors says who acts (sends, self-updates, and commits where the
// protocol lets the workload choose): how members' activity weights are
// drawn. The group's rates stay as the arrival processes say; weights
// decide who.
type Actors struct {
	// Weights is "uniform", "zipf" (weights with a Pareto tail of index
	// 1/S: the k-th most active member acts about k^-S as often as the
	// first), "lognormal" (heterogeneous activity, log-s.d. Sigma, mean 1)
	// or "admins" (the first Admins members act AdminShare of the time).
	Weights    string
	S          float64
	Sigma      float64
	Admins     int
	AdminShare float64
}

// Actor weightings.
const (
	ActorsUniform   = "uniform"
	ActorsZipf      = "zipf"
	ActorsLogNormal = "lognormal"
	ActorsAdmins    = "admins"
)

func (a Actors) validate() error {
	switch a.Weights {
	case "", ActorsUniform:
	case ActorsZipf:
		if a.S <= 0 || a.S > 10 {
			return fmt.Errorf("workload.actors.s: %g is not in (0, 10]", a.S)
		}
	case ActorsLogNormal:
		if a.Sigma <= 0 || a.Sigma > 5 {
			return fmt.Errorf("workload.actors.sigma: %g is not in (0, 5]", a.Sigma)
		}
	case ActorsAdmins:
		if a.Admins < 1 {
			return errors.New("workload.actors.admins: need at least 1 admin")
		}
		if a.AdminShare <= 0 || a.AdminShare >= 1 {
			return fmt.Errorf("workload.actors.admin_share: %g is not in (0, 1)", a.AdminShare)
		}
	default:
		return fmt.Errorf("workload.actors.weights: unknown %q (want uniform, zipf, lognormal or admins)", a.Weights)
	}
	return nil
}

// Config is a whole workload.
type Config struct {
	Initial int // members at time 0
	// Shape is the state the group starts in (protocol.Env.Shape): the
	// group.shape and group.blank keys.
	Shape    protocol.Shape
	Joins    Arrival
	Leaves   Arrival
	Updates  Arrival
	Messages Arrival
	// MessageSize is the application payload size in bytes.
	MessageSize sim.Dist
	Ephemeral   Ephemeral
	Actors      Actors
	Offline     Offline
	Policy      Policy
	// Compromises: at each arrival, and at each listed time, the device of
	// a uniformly chosen member is compromised (sim/security).
	Compromises  Arrival
	CompromiseAt []sim.Time
	// ServiceCompromises: at each arrival, and at each listed time, the
	// protocol's service (a key backup) is compromised, for protocols
	// that have one.
	ServiceCompromises  Arrival
	ServiceCompromiseAt []sim.Time
	// RetainEpochs is how many past epochs members keep for late messages.
	RetainEpochs int
}

// Validate checks the combination of settings and names the first
// problem by its key.
func (c *Config) Validate() error {
	var errs []error
	if c.Initial < 1 {
		errs = append(errs, fmt.Errorf("group.initial: need at least 1 member, got %d", c.Initial))
	}
	switch c.Shape.Kind {
	case "", protocol.ShapeBuilt, protocol.ShapeWarm:
		if c.Shape.Blank != 0 {
			errs = append(errs, errors.New("group.blank: applies only to shape: churned"))
		}
	case protocol.ShapeChurned:
		if c.Shape.Blank < 0 || c.Shape.Blank > 1 {
			errs = append(errs, fmt.Errorf("group.blank: %g is not in [0, 1]", c.Shape.Blank))
		}
	default:
		errs = append(errs, fmt.Errorf("group.shape: unknown %q (want built, warm or churned)", c.Shape.Kind))
	}
	for _, a := range []struct {
		name string
		a    Arrival
	}{{"workload.joins", c.Joins}, {"workload.leaves", c.Leaves}, {"workload.updates", c.Updates}, {"workload.messages", c.Messages}, {"security.compromises", c.Compromises}, {"security.service", c.ServiceCompromises}} {
		if err := a.a.validate(a.name); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Messages.Enabled() {
		if err := c.MessageSize.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("workload.messages.size: %w", err))
		} else if err := sizeBound(c.MessageSize); err != nil {
			errs = append(errs, fmt.Errorf("workload.messages.size: %w", err))
		}
	}
	if c.Offline.Share < 0 || c.Offline.Share > 1 {
		errs = append(errs, fmt.Errorf("workload.offline.share: %g is not in [0, 1]", c.Offline.Share))
	}
	if c.Offline.Share > 0 {
		if err := c.Offline.Online.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("workload.offline.online: %w", err))
		}
		if err := c.Offline.Offline.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("workload.offline.offline: %w", err))
		}
	}
	if err := c.Actors.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.Ephemeral.Share < 0 || c.Ephemeral.Share > 1 {
		errs = append(errs, fmt.Errorf("workload.messages.ephemeral.share: %g is not in [0, 1]", c.Ephemeral.Share))
	}
	if c.Ephemeral.Share > 0 && c.Ephemeral.TTL <= 0 {
		errs = append(errs, errors.New("workload.messages.ephemeral.ttl: must be positive when share > 0"))
	}
	if c.Compromises.PerMember {
		errs = append(errs, errors.New("security.compromises: per_member is not supported; give a group-wide rate"))
	}
	for _, t := range c.CompromiseAt {
		if t < 0 {
			errs = append(errs, fmt.Errorf("security.at: negative time %v", t))
		}
	}
	for _, t := range c.ServiceCompromiseAt {
		if t < 0 {
			errs = append(errs, fmt.Errorf("security.service_at: negative time %v", t))
		}
	}
	if c.ServiceCompromises.PerMember {
		errs = append(errs, errors.New("security.service: per_member does not apply to a service"))
	}
	if c.RetainEpochs < 0 {
		errs = append(errs, fmt.Errorf("policy.retain_epochs: negative %d", c.RetainEpochs))
	}
	if c.Policy.MaxUpdateAge < 0 {
		errs = append(errs, errors.New("policy.max_update_age: must not be negative"))
	}
	return errors.Join(errs...)
}

// Adversary reports whether the workload compromises anything: devices
// or the protocol's service.
func (c *Config) Adversary() bool {
	return c.Compromises.Enabled() || len(c.CompromiseAt) > 0 || c.ServiceAdversary()
}

// ServiceAdversary reports whether the workload compromises the
// protocol's service.
func (c *Config) ServiceAdversary() bool {
	return c.ServiceCompromises.Enabled() || len(c.ServiceCompromiseAt) > 0
}

// MaxMessageBytes bounds an application message's size.
const MaxMessageBytes = 1 << 24

// sizeBound checks that a size distribution cannot draw more than
// MaxMessageBytes: fixed and uniform values within it, the unbounded
// families truncated by a max within it.
func sizeBound(d sim.Dist) error {
	switch d.Kind {
	case sim.DistFixed:
		if d.Value > MaxMessageBytes || d.Value < 1 {
			return fmt.Errorf("%g bytes is not in [1, %d]", d.Value, MaxMessageBytes)
		}
	case sim.DistUniform:
		if d.Max > MaxMessageBytes {
			return fmt.Errorf("max %g bytes is over %d", d.Max, MaxMessageBytes)
		}
	default:
		if d.Max <= 0 || d.Max > MaxMessageBytes {
			return fmt.Errorf("a %s size needs max: at most %d bytes (a truncation), e.g. max: 65536", d.Kind, MaxMessageBytes)
		}
	}
	return nil
}
