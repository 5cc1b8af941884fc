package mlsgroup

import (
	"slices"
	"strings"
	"testing"
	"time"

	"cgkalab/models/protocol"
)

// poolStep applies an intent at virtual time at and returns its outcomes'
// labels, each with its message kinds ("add:key_package").
func poolStep(t *testing.T, g *Group, at time.Duration, in protocol.Intent) []string {
	t.Helper()
	in.Now = at
	outs, err := g.Apply(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range outs {
		if o.Rejected != "" {
			t.Fatalf("%s rejected: %s", o.Label, o.Rejected)
		}
		got = append(got, o.Label+":"+strings.Join(kinds(o), ","))
	}
	return got
}

// TestPublishedKeyPackages: a client re-added after leaving comes back
// with the KeyPackages it published when the group was created: its
// one-time ones first, then its last-resort one again and again; once
// they have expired the adder refuses the one it fetched (RFC 9420,
// Section 10.1 lifetime check) and the client uploads a new batch. A
// client added for the first time uploads its first batch then. Without
// a last-resort KeyPackage, a used-up batch is replaced at once.
func TestPublishedKeyPackages(t *testing.T) {
	for _, lastResort := range []bool{true, false} {
		g := testGroup(t, protocol.Full, 4, nil, func(o *Options) {
			o.KeyPackages = &KeyPackages{Batch: 2, Lifetime: time.Hour, LastResort: lastResort}
			o.Commit.Committer = "designated" // member 0: a committer would drop its own removal
		})
		leave := protocol.Intent{Kind: protocol.Leave, Actor: 2, Targets: []protocol.MemberID{2}}
		join := protocol.Intent{Kind: protocol.Join, Actor: 0, Targets: []protocol.MemberID{2}}
		const (
			fetch  = "add:key_package,proposal"
			upload = "key_package_upload:key_package_upload"
			commit = "commit:commit,welcome,ratchet_tree"
		)
		want := [][]string{
			{fetch, commit}, // its second one-time KeyPackage, published at 0
			{fetch, commit}, // its last-resort one, or a new batch
			{fetch, commit}, // its last-resort one again, or the new batch's second
			{upload, "add:key_package,key_package,proposal", commit}, // expired: refused, replaced
		}
		if !lastResort {
			want[1] = []string{upload, fetch, commit}
			want[3] = []string{upload, fetch, commit} // the batch of 40m is used up by now
		}
		for i, at := range []time.Duration{20 * time.Minute, 40 * time.Minute, 50 * time.Minute, 3 * time.Hour} {
			poolStep(t, g, at-time.Minute, leave)
			if got := poolStep(t, g, at, join); !slices.Equal(got, want[i]) {
				t.Errorf("last resort %v, join %d at %v: %v, want %v", lastResort, i, at, got, want[i])
			}
			if g.member(2) == nil {
				t.Fatalf("client 2 not back after join %d", i)
			}
		}
		kp := g.published[g.pools[2].kps[0]].bundle.KeyPackage.LeafNode.Lifetime
		if kp.NotBefore != 3*3600 || kp.NotAfter != 4*3600 {
			t.Errorf("the new batch's lifetime %+v, want [3h, 4h] in seconds", kp)
		}
		// A client added for the first time uploads its first batch.
		if got := poolStep(t, g, 4*time.Hour, protocol.Intent{Kind: protocol.Join, Actor: 0, Targets: []protocol.MemberID{9}}); !slices.Equal(got, []string{upload, fetch, commit}) {
			t.Errorf("new client: %v", got)
		}
		// The re-added client works as a member.
		if outs, err := g.CommitForTesting(2, true); err != nil || outs[0].Verified == 0 {
			t.Fatalf("re-added client committing: %v", err)
		}
	}
}
