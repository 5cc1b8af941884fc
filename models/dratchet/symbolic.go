package dratchet

import "cgkalab/models/protocol"

// The secrets of pairwise sessions as the security oracle tracks them
// (protocol.Secret kinds). A pair of members p = Pair(a, b) has one
// session; its secrets are named by their position in the pair's
// sequence of ratchet steps, so both parties (and the oracle) name them
// alike without looking at key bytes.
const (
	// KindX3DH: pair A's DH(IK_initiator, SPK_responder), what the
	// initiator's identity key contributes to X3DH's SK (DH mode).
	KindX3DH = protocol.KindBase + iota
	// KindRoot: pair A's root key after step B (step 0: X3DH's SK).
	KindRoot
	// KindStep: pair A's shared secret of ratchet step B (the DH output,
	// or the KEM's shared secret).
	KindStep
	// KindChain: pair A's chain key of step B>>32 at message B&0xffffffff.
	KindChain
	// KindMessage: pair A's message key of step B>>32, message B&0xffffffff.
	KindMessage
	// KindNext is the first kind free for a protocol built on the mesh.
	KindNext
)

// Private keys (identity keys, prekeys, ratchet keys) are named by their
// public keys (protocol.KeySecret), as every protocol names them.

// Pair names the pair of members a and b, in either order.
func Pair(a, b protocol.MemberID) uint64 {
	if a > b {
		a, b = b, a
	}
	return uint64(a)<<32 | uint64(b)
}

func rootSecret(p uint64, k uint32) protocol.Secret {
	return protocol.Secret{Kind: KindRoot, A: p, B: uint64(k)}
}
func stepSecret(p uint64, k uint32) protocol.Secret {
	return protocol.Secret{Kind: KindStep, A: p, B: uint64(k)}
}

// ChainSecret names pair p's chain key at pos.
func ChainSecret(p uint64, pos Pos) protocol.Secret {
	return protocol.Secret{Kind: KindChain, A: p, B: uint64(pos.Step)<<32 | uint64(pos.N)}
}

// MessageSecret names pair p's message key at pos.
func MessageSecret(p uint64, pos Pos) protocol.Secret {
	return protocol.Secret{Kind: KindMessage, A: p, B: uint64(pos.Step)<<32 | uint64(pos.N)}
}

// declareSetup says how pair p's SK derives (X3DH, Section 3.3): in DH
// mode from DH1 (the initiator's identity key or the responder's signed
// prekey), DH2 (the responder's identity key; the initiator's ephemeral
// key is deleted at once), DH3 (the signed prekey) and DH4 (the one-time
// prekey); in KEM mode from the encapsulations to the responder's identity
// key and one-time prekey.
func (c *Crypto) declareSetup(sec *protocol.Security, p uint64, setup Setup) {
	var from []protocol.Secret
	spk := protocol.KeySecret(setup.SignedPrekey)
	if !c.kem() {
		x := protocol.Secret{Kind: KindX3DH, A: p}
		sec.Reveals = append(sec.Reveals,
			protocol.Reveal{From: protocol.KeySecret(setup.InitiatorIdentity), To: x},
			protocol.Reveal{From: spk, To: x})
		from = append(from, x, spk)
	}
	from = append(from, protocol.KeySecret(setup.ResponderIdentity))
	if setup.OneTime {
		from = append(from, protocol.KeySecret(setup.OneTimeKey))
	}
	sec.Derives = append(sec.Derives, protocol.Derive{To: rootSecret(p, 0), From: from})
}

// declareStep says how ratchet step k of pair p derives: its shared secret
// from the previous ratchet key (prev, a public key: the signed prekey for
// step 1) or, in DH mode, from step k's own key; the new root and chain
// keys from the previous root and that secret together (KDF_RK).
func (c *Crypto) declareStep(sec *protocol.Security, p uint64, k uint32, prev, own []byte) {
	st := stepSecret(p, k)
	sec.Reveals = append(sec.Reveals, protocol.Reveal{From: protocol.KeySecret(prev), To: st})
	if !c.kem() {
		sec.Reveals = append(sec.Reveals, protocol.Reveal{From: protocol.KeySecret(own), To: st})
	}
	from := []protocol.Secret{rootSecret(p, k-1), st}
	sec.Derives = append(sec.Derives,
		protocol.Derive{To: rootSecret(p, k), From: from},
		protocol.Derive{To: ChainSecret(p, Pos{k, 0}), From: from})
}

// declareMessage says that the chain key at pos gives the next chain key
// and the message key of pos (KDF_CK), and returns the message key.
func declareMessage(sec *protocol.Security, p uint64, pos Pos) protocol.Secret {
	mk := MessageSecret(p, pos)
	ck := ChainSecret(p, pos)
	sec.Reveals = append(sec.Reveals,
		protocol.Reveal{From: ck, To: ChainSecret(p, Pos{pos.Step, pos.N + 1})},
		protocol.Reveal{From: ck, To: mk})
	return mk
}
