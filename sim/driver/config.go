// Package driver runs one simulation: it builds the protocol's group,
// turns the workload into events on the engine, passes handshake messages
// through the delivery service, and hands every outcome to the metrics
// recorder. It knows protocols only through models/protocol.
package driver

import (
	"encoding/json"
	"errors"
	"fmt"

	"cgkalab/models/protocol"
	"cgkalab/sim"
	"cgkalab/sim/network"
	"cgkalab/sim/workload"
)

// Config is one run's full specification apart from the seed.
type Config struct {
	Protocol string // a name the Driver's Protocols know
	// Options is the protocol's own section of the experiment file, as
	// JSON (protocol.Env.Options).
	Options json.RawMessage `json:",omitempty"`
	Suite   uint16          // cipher suite code point
	// Fidelity is "full", "sampled", "scaled" or "auto" (sampled above
	// AutoThreshold initial members, scaled above ScaledThreshold).
	Fidelity        string
	AutoThreshold   int
	ScaledThreshold int `json:",omitempty"`
	// Sample is the number of receivers that process each commit for real
	// in sampled mode; in scaled mode, also the number of application
	// messages of each epoch sent and received for real.
	Sample int
	// Calibration, if set, is the per-operation CPU cost for the modelled
	// CPU columns; nil measures it at the start of the run (when the
	// Driver has a Clock and the protocol can calibrate).
	Calibration *protocol.Calibration `json:",omitempty"`
	Duration    sim.Time
	Workload    workload.Config
	Network     network.Config
}

// DefaultAutoThreshold is the group size above which "auto" fidelity
// samples receivers.
const DefaultAutoThreshold = 512

// DefaultScaledThreshold is the group size above which "auto" fidelity
// also accounts the encryptions no sampled receiver decrypts
// (protocol.Scaled).
const DefaultScaledThreshold = 16384

// Mode resolves "auto" to the fidelity mode a run uses.
func (c *Config) Mode() string {
	if c.Fidelity != "auto" {
		return c.Fidelity
	}
	th := c.AutoThreshold
	if th == 0 {
		th = DefaultAutoThreshold
	}
	scaled := c.ScaledThreshold
	if scaled == 0 {
		scaled = DefaultScaledThreshold
	}
	switch {
	case c.Workload.Initial > max(th, scaled):
		return "scaled"
	case c.Workload.Initial > th:
		return "sampled"
	}
	return "full"
}

// Validate checks the whole configuration and reports every problem by key.
func (c *Config) Validate() error {
	var errs []error
	if c.Protocol == "" {
		errs = append(errs, errors.New("protocol: missing"))
	}
	switch c.Fidelity {
	case "full", "sampled", "scaled", "auto":
	default:
		errs = append(errs, fmt.Errorf("fidelity: unknown %q (want full, sampled, scaled or auto)", c.Fidelity))
	}
	if c.Sample < 1 && (c.Mode() == "sampled" || c.Mode() == "scaled") {
		errs = append(errs, fmt.Errorf("sample: sampled mode needs at least 1 receiver, got %d", c.Sample))
	}
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration: must be positive, got %v", c.Duration))
	}
	if err := c.Workload.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Network.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
