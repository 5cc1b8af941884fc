package mls

import (
	"bytes"
	"fmt"
	"testing"

	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/vectors"
	"cgkalab/models/vectors/vectortest"
	"cgkalab/models/wire"
)

type messagesCase struct {
	MLSWelcome                     vectors.Hex `json:"mls_welcome"`
	MLSGroupInfo                   vectors.Hex `json:"mls_group_info"`
	MLSKeyPackage                  vectors.Hex `json:"mls_key_package"`
	RatchetTree                    vectors.Hex `json:"ratchet_tree"`
	GroupSecrets                   vectors.Hex `json:"group_secrets"`
	AddProposal                    vectors.Hex `json:"add_proposal"`
	UpdateProposal                 vectors.Hex `json:"update_proposal"`
	RemoveProposal                 vectors.Hex `json:"remove_proposal"`
	PreSharedKeyProposal           vectors.Hex `json:"pre_shared_key_proposal"`
	ReInitProposal                 vectors.Hex `json:"re_init_proposal"`
	ExternalInitProposal           vectors.Hex `json:"external_init_proposal"`
	GroupContextExtensionsProposal vectors.Hex `json:"group_context_extensions_proposal"`
	Commit                         vectors.Hex `json:"commit"`
	PublicMessageApplication       vectors.Hex `json:"public_message_application"`
	PublicMessageProposal          vectors.Hex `json:"public_message_proposal"`
	PublicMessageCommit            vectors.Hex `json:"public_message_commit"`
	PrivateMessage                 vectors.Hex `json:"private_message"`
}

// roundTrip decodes data as one structure and re-encodes it.
type roundTrip struct {
	name  string
	data  []byte
	check func(data []byte) ([]byte, error)
}

// structCodec returns a round-trip check for a type with Marshal/Unmarshal.
func structCodec[T any, P interface {
	*T
	Marshal(*wire.Builder)
	Unmarshal(*wire.Reader)
}](name string) func([]byte) ([]byte, error) {
	return func(data []byte) ([]byte, error) {
		v := P(new(T))
		if err := wire.Unmarshal(data, name, v.Unmarshal); err != nil {
			return nil, err
		}
		return encode(v.Marshal), nil
	}
}

// wireFormatCodec checks an MLSMessage and its wire format.
func wireFormatCodec(want WireFormat) func([]byte) ([]byte, error) {
	return func(data []byte) ([]byte, error) {
		m, err := ParseMLSMessage(data)
		if err != nil {
			return nil, err
		}
		if m.WireFormat != want {
			return nil, fmt.Errorf("wire_format %d, want %d", m.WireFormat, want)
		}
		return m.Bytes(), nil
	}
}

// TestMessagesVectors follows test-vectors.md, "Messages": every field
// decodes with its structure and re-encodes to identical bytes.
func TestMessagesVectors(t *testing.T) {
	var cases []messagesCase
	vectortest.Load(t, "messages.json", &cases)
	s1, _ := suite.ByID(1)
	for i, c := range cases {
		checks := []roundTrip{
			{"mls_welcome", c.MLSWelcome, wireFormatCodec(WireWelcome)},
			{"mls_group_info", c.MLSGroupInfo, wireFormatCodec(WireGroupInfo)},
			{"mls_key_package", c.MLSKeyPackage, wireFormatCodec(WireKeyPackage)},
			{"ratchet_tree", c.RatchetTree, func(d []byte) ([]byte, error) {
				tr, err := rt.Unmarshal(s1, d)
				if err != nil {
					return nil, err
				}
				return tr.Bytes(), nil
			}},
			{"group_secrets", c.GroupSecrets, structCodec[GroupSecrets]("GroupSecrets")},
			{"add_proposal", c.AddProposal, proposalOf(ProposalAdd)},
			{"update_proposal", c.UpdateProposal, proposalOf(ProposalUpdate)},
			{"remove_proposal", c.RemoveProposal, proposalOf(ProposalRemove)},
			{"pre_shared_key_proposal", c.PreSharedKeyProposal, proposalOf(ProposalPSK)},
			{"re_init_proposal", c.ReInitProposal, proposalOf(ProposalReInit)},
			{"external_init_proposal", c.ExternalInitProposal, proposalOf(ProposalExternalInit)},
			{"group_context_extensions_proposal", c.GroupContextExtensionsProposal, proposalOf(ProposalGroupContextExtensions)},
			{"commit", c.Commit, structCodec[Commit]("Commit")},
			{"public_message_application", c.PublicMessageApplication, wireFormatCodec(WirePublicMessage)},
			{"public_message_proposal", c.PublicMessageProposal, wireFormatCodec(WirePublicMessage)},
			{"public_message_commit", c.PublicMessageCommit, wireFormatCodec(WirePublicMessage)},
			{"private_message", c.PrivateMessage, wireFormatCodec(WirePrivateMessage)},
		}
		for _, ch := range checks {
			got, err := ch.check(ch.data)
			if err != nil {
				t.Errorf("case %d %s: %v", i, ch.name, err)
				continue
			}
			if !bytes.Equal(got, ch.data) {
				t.Errorf("case %d %s: re-encoding differs", i, ch.name)
			}
		}
	}
}

// proposalOf decodes the body of a proposal of the given type: the
// vectors hold the Add, Update, ... structs, not the Proposal wrapper.
func proposalOf(typ ProposalType) func([]byte) ([]byte, error) {
	return func(data []byte) ([]byte, error) {
		b := wire.NewBuilder(len(data) + 2)
		b.U16(uint16(typ))
		b.Raw(data)
		var p Proposal
		if err := decode(b.Bytes(), "Proposal", p.Unmarshal); err != nil {
			return nil, err
		}
		return encode(p.Marshal)[2:], nil
	}
}
