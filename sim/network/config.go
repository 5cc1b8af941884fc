// Package network models the delivery service: it orders handshake
// messages so that one commit wins each epoch, delays delivery by a
// latency distribution, tracks which members are online, and accounts the
// bytes each member uploads and downloads.
package network

import (
	"fmt"

	"cgkalab/sim"
)

// Config is the delivery service's behaviour.
type Config struct {
	// Latency is one-way delivery latency in seconds (member to delivery
	// service, and delivery service to member).
	Latency sim.Dist
}

// Validate reports an unusable configuration by key.
func (c *Config) Validate() error {
	if err := c.Latency.Validate(); err != nil {
		return fmt.Errorf("network.latency: %w", err)
	}
	return nil
}
