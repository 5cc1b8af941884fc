// Package peers measures cgkalab beside other MLS implementations (RFC
// 9420) through the same scenarios, in one invocation: cgkalab in process,
// each peer as a child process that prints JSON lines (see record.go).
// The only peer today is ts-mls (TypeScript, npm), pinned by the
// package-lock.json beside harness.mjs in this directory.
//
// # Scenarios
//
// Both sides perform the same steps, full MLS with cipher suite 1
// (X25519, AES-128-GCM, SHA-256, Ed25519), Commits sent as PublicMessages,
// KeyPackages with the same contents (identity "member-i", capabilities
// mls10 / suite 1 / basic credentials, no extensions, lifetime 0..2^62):
//
//   - build: leaf 0 creates the group and commits Add proposals for the
//     n-1 others' KeyPackages, without an UpdatePath (RFC 9420, Section
//     12.4: a path is optional for Add-only commits, and ts-mls never sends
//     one there). "create" times group creation, the commit, and encoding
//     the Commit and Welcome; "process" times one joiner (the last leaf)
//     decoding the Welcome and joining, the ratchet tree given out of band
//     (Section 12.4.3.1), which verifies every leaf's signature.
//   - built: leaf 0 then commits with a path, so its direct path holds the
//     only parent keys: the Built shape of `cgkalab bench tree`. The last
//     leaf creates an empty full-path commit ("create": the commit and its
//     encoding) and leaf 0 processes it ("process": decoding and
//     processing, Section 12.4.2).
//   - warm: every even leaf other than 0 commits with a path, in
//     bit-reversed order (see WarmOrder), which keys every parent node with
//     no unmerged leaves: the Warm shape of `cgkalab bench tree`. Then the
//     same measurement as built.
//
// # Where these differ from `cgkalab bench tree`
//
// bench tree times TreeKEM alone on a synthetic tree: UpdatePath creation
// and processing, without framing, content signature, key schedule or
// confirmation, and with parent hashes not chained. ts-mls exposes no such
// layer, so the peer scenarios time whole MLS commits, on trees reached by
// real commits (valid groups whose parent hashes chain); their times are
// larger than bench tree's, and their commit bytes count the whole
// MLSMessage, not the bare UpdatePath. The tree shapes are the same.
//
// # The warm-up shortcut
//
// Keying every parent node takes n/2-1 commits, each from a different
// member; holding n member states and having each process every commit
// would cost O(n²) processing. Instead, each warm-up commit is created from
// the shared public state and epoch secrets with the committing leaf's own
// private keys (ts-mls: the receiver's state with the committer's
// privatePath and signature key; cgkalab: a third member's Group through
// mls.Group.AssumeMember), and the two measured members process every one
// of them for real and must reach the same epoch authenticator. Only
// commits with a path are made this way; they need no private key of the
// committer beyond its leaf and signature keys.
package peers

import (
	"fmt"
	"time"
)

// Scenario names one measured situation.
type Scenario string

const (
	Build Scenario = "build" // group creation with one Add-all commit; join
	Built Scenario = "built" // full-path commit in a tree only the creator's path keys
	Warm  Scenario = "warm"  // full-path commit in a tree whose every node is keyed
)

// Scenarios lists the scenarios in the order they are run and printed.
var Scenarios = []Scenario{Build, Built, Warm}

// GroupID is the group both sides create; its length enters every
// GroupContext on the wire.
const GroupID = "cgkalab-bench"

// Identity is leaf i's basic credential on both sides.
func Identity(i int) []byte { return fmt.Appendf(nil, "member-%d", i) }

// Timing holds one operation's runs: elapsed time and process CPU time
// (all threads) of each.
type Timing struct {
	Wall, CPU []time.Duration
}

// Result is one scenario at one group size.
type Result struct {
	Scenario Scenario
	N        int
	// Create is the sender's side: building the group (build) or creating
	// a full-path commit (built, warm); Process the receiver's: joining
	// from the Welcome (build) or processing the commit (built, warm).
	Create, Process Timing
	// CommitBytes and WelcomeBytes are encoded MLSMessage lengths; a
	// commit without Adds has no Welcome (0).
	CommitBytes, WelcomeBytes int
}

// WarmOrder lists the even leaves other than 0 of an n-leaf tree in
// bit-reversed order (strides n/2, n/4, ..., 2). Each commit with a path
// keys its whole direct path, every parent has an even leaf below it, and
// committing coarse strides first leaves only the subtrees below the
// current stride blank, so the warm-up encrypts to about (n/2)·log2(n)
// nodes instead of the n²/4 of left-to-right order.
func WarmOrder(n int) []int {
	var order []int
	for stride := n / 2; stride >= 2; stride /= 2 {
		for i := stride; i < n; i += 2 * stride {
			order = append(order, i)
		}
	}
	return order
}
