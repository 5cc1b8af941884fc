package security_test

import (
	"testing"

	"cgkalab/models/mlsgroup"
	"cgkalab/models/protocol"
)

// An offline member compromised with stale state, then back by an
// external commit that removes its old leaf (mls.rejoin:
// external_commit): the epochs it missed are exposed, the rejoin's epoch
// and those after it are not. Without the rejoin the exposure runs on.
func TestScenarioExternalCommitRejoinHeals(t *testing.T) {
	for _, rejoin := range []bool{false, true} {
		h := newHarnessWith(t, 8, 0, func(o *mlsgroup.Options) { o.Rejoin = mlsgroup.RejoinExternalCommit })
		h.offline[4] = true
		h.do(protocol.Intent{Kind: protocol.Offline, Actor: 4})
		missed := []uint64{h.commit(0), h.commit(6)}
		c := h.compromise(4)
		var after []uint64
		if rejoin {
			h.offline[4] = false
			h.do(protocol.Intent{Kind: protocol.Rejoin, Actor: 4})
			after = append(after, h.epoch())
		}
		after = append(after, h.commit(2), h.commit(6))
		r := h.finish()
		for _, e := range missed {
			if !r.Exposed[e] {
				t.Errorf("rejoin %v: missed epoch %d is not exposed by the stale state", rejoin, e)
			}
		}
		for _, e := range after {
			if r.Exposed[e] == rejoin {
				t.Errorf("rejoin %v: epoch %d exposed %v", rejoin, e, r.Exposed[e])
			}
		}
		if c.Censored == rejoin {
			t.Errorf("rejoin %v: healing censored %v", rejoin, c.Censored)
		}
	}
}

// Another client's external commit does not heal a member compromised
// while online: its leaf key is still in the tree and receives the new
// path secret.
func TestScenarioExternalCommitByOtherDoesNotHeal(t *testing.T) {
	h := newHarnessWith(t, 8, 0, func(o *mlsgroup.Options) { o.Rejoin = mlsgroup.RejoinExternalCommit })
	h.offline[5] = true
	h.do(protocol.Intent{Kind: protocol.Offline, Actor: 5})
	h.commit(0)
	c := h.compromise(3)
	h.offline[5] = false
	h.do(protocol.Intent{Kind: protocol.Rejoin, Actor: 5})
	e := h.epoch()
	r := h.finish()
	if !r.Exposed[e] || !c.Censored {
		t.Fatalf("epoch %d after another member's external commit: exposed %v, censored %v; want exposed through 3's leaf key", e, r.Exposed[e], c.Censored)
	}
}
