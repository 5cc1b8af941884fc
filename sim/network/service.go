package network

import (
	"slices"

	"cgkalab/models/protocol"
)

// MemberBytes is one member's traffic over its membership.
type MemberBytes struct {
	Member protocol.MemberID
	Up     int64
	Down   int64
}

type account struct {
	member    bool // an open account
	up        int64
	direct    int64 // bytes addressed to it alone
	ownBcast  int64 // its own fanned-out bytes, which it does not download
	bcastJoin int64 // the broadcast counter when it joined
	online    bool
}

// Service is the delivery service's view of the group: who is a member,
// who is online, and what each uploaded and downloaded. A fanned-out
// message reaches every member but its sender: offline members download it
// when they return. Download totals use a running broadcast counter, so a
// fan-out to n members costs O(1), not O(n).
type Service struct {
	// accts is indexed by member id (the simulator numbers members
	// densely): sampling asks who is online several times an event, and
	// a map of a million entries costs a cache miss each time.
	accts    []account
	members  int
	bcast    int64
	departed []MemberBytes
}

// NewService returns an empty delivery service.
func NewService() *Service { return &Service{} }

// account returns m's open account, or nil.
func (s *Service) account(m protocol.MemberID) *account {
	if int64(m) < int64(len(s.accts)) && s.accts[m].member {
		return &s.accts[m]
	}
	return nil
}

// Join registers a member, online.
func (s *Service) Join(m protocol.MemberID) {
	if int64(m) >= int64(len(s.accts)) {
		s.accts = append(s.accts, make([]account, int(m)+1-len(s.accts))...)
	}
	if !s.accts[m].member {
		s.members++
	}
	s.accts[m] = account{member: true, bcastJoin: s.bcast, online: true}
}

// Leave closes a member's account.
func (s *Service) Leave(m protocol.MemberID) {
	if a := s.account(m); a != nil {
		s.departed = append(s.departed, s.total(m, a))
		*a = account{}
		s.members--
	}
}

// Members returns the number of members.
func (s *Service) Members() int { return s.members }

// Online reports whether m is a member and online.
func (s *Service) Online(m protocol.MemberID) bool {
	a := s.account(m)
	return a != nil && a.online
}

// SetOnline sets a member's online state.
func (s *Service) SetOnline(m protocol.MemberID, on bool) {
	if a := s.account(m); a != nil {
		a.online = on
	}
}

// Deliver accounts one message from sender: the bytes it uploaded, the
// bytes downloaded by all recipients together, and the number of
// recipients. A refused message (a commit that lost the epoch) is
// uploaded but not delivered.
func (s *Service) Deliver(sender protocol.MemberID, msg protocol.Message) (up, down int64, recipients int) {
	b := int64(msg.Bytes)
	if !msg.FromDS {
		up = b
		if a := s.account(sender); a != nil {
			a.up += b
		}
	}
	if msg.Refused {
		return up, 0, 0
	}
	if msg.To == nil {
		recipients = s.members
		if a := s.account(sender); a != nil {
			recipients--
			a.ownBcast += b
		}
		s.bcast += b
		return up, b * int64(recipients), recipients
	}
	for _, m := range msg.To {
		if a := s.account(m); a != nil {
			a.direct += b
		}
	}
	return up, b * int64(len(msg.To)), len(msg.To)
}

func (s *Service) total(m protocol.MemberID, a *account) MemberBytes {
	return MemberBytes{Member: m, Up: a.up, Down: s.bcast - a.bcastJoin - a.ownBcast + a.direct}
}

// Totals returns every member's traffic, departed members included, by
// member id.
func (s *Service) Totals() []MemberBytes {
	out := slices.Clone(s.departed)
	for m := range s.accts {
		if a := &s.accts[m]; a.member {
			out = append(out, s.total(protocol.MemberID(m), a))
		}
	}
	slices.SortFunc(out, func(a, b MemberBytes) int { return int(a.Member) - int(b.Member) })
	return out
}
