package security_test

import (
	"testing"
	"time"

	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
)

// A member compromised while it holds unused pre-published KeyPackages
// (mls.key_packages), then removed (healed), then added back as the same
// client: the adder fetches a KeyPackage the client published before the
// compromise whenever one is left and valid (a one-time one, or the
// last-resort one), the Welcome encrypted to its init key and the leaf
// key beside it expose the rejoined epoch and the next, and the rejoin
// does not heal. With no such KeyPackage left (batch used up, no last
// resort) or with it expired, the client uploads a fresh batch after the
// compromise and the rejoin heals.
func TestScenarioRejoinWithPrePublishedKeyPackage(t *testing.T) {
	cases := []struct {
		name    string
		kp      mlsgroup.KeyPackages
		exposed bool
	}{
		{"unused one-time KeyPackage", mlsgroup.KeyPackages{Batch: 2, Lifetime: 30 * 24 * time.Hour}, true},
		{"last-resort KeyPackage", mlsgroup.KeyPackages{Batch: 1, Lifetime: 30 * 24 * time.Hour, LastResort: true}, true},
		{"batch used up, no last resort", mlsgroup.KeyPackages{Batch: 1, Lifetime: 30 * 24 * time.Hour}, false},
		{"expired", mlsgroup.KeyPackages{Batch: 2, Lifetime: 4 * time.Minute}, false},
		{"last resort expired", mlsgroup.KeyPackages{Batch: 1, Lifetime: 4 * time.Minute, LastResort: true}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarnessWith(t, 8, 0, func(o *mlsgroup.Options) { o.KeyPackages = &c.kp }) // published at 1m
			comp := h.compromise(3)                                                           // 2m
			h.do(protocol.Intent{Kind: protocol.Leave, Actor: 5, Targets: []protocol.MemberID{3}})
			removed := h.commit(5)
			healed := h.commit(0)                                                                 // 5m
			h.do(protocol.Intent{Kind: protocol.Join, Actor: 1, Targets: []protocol.MemberID{3}}) // 6m: past a 4m lifetime
			rejoined := h.commit(1)
			next := h.commit(6)
			r := h.finish()
			if !r.Exposed[comp.Epoch] || r.Exposed[removed] || r.Exposed[healed] {
				t.Errorf("compromised epoch %d exposed %v; removal %d and after %d exposed %v %v, want healed",
					comp.Epoch, r.Exposed[comp.Epoch], removed, healed, r.Exposed[removed], r.Exposed[healed])
			}
			if r.Exposed[rejoined] != c.exposed || r.Exposed[next] != c.exposed {
				t.Errorf("rejoined epoch %d and next %d exposed %v %v, want %v", rejoined, next, r.Exposed[rejoined], r.Exposed[next], c.exposed)
			}
			// The ideal predicate counts the removal as the end of the
			// compromise: what the old KeyPackage exposes is excess.
			if c.exposed && r.Excess < 2 {
				t.Errorf("excess exposure %d, want the rejoined epochs", r.Excess)
			}
		})
	}
}
