package conformance

import (
	"bytes"
	"fmt"

	"cgkalab/models/mls"
	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
	"cgkalab/models/vectors"
	"cgkalab/models/wire"
)

// messagesCase is one entry of messages.json (test-vectors.md, "Messages").
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

// codec decodes bytes as one structure and re-encodes what it decoded.
type codec func(data []byte) ([]byte, error)

// structCodec is the codec of a type with Marshal and Unmarshal.
func structCodec(name string, marshal func(*wire.Builder), unmarshal func(*wire.Reader)) codec {
	return func(data []byte) ([]byte, error) {
		if err := wire.Unmarshal(data, name, unmarshal); err != nil {
			return nil, err
		}
		return encode(marshal), nil
	}
}

// wireFormatCodec decodes an MLSMessage and checks its wire format.
func wireFormatCodec(want mls.WireFormat) codec {
	return func(data []byte) ([]byte, error) {
		m, err := mls.ParseMLSMessage(data)
		if err != nil {
			return nil, err
		}
		if m.WireFormat != want {
			return nil, fmt.Errorf("wire_format %d, want %d", m.WireFormat, want)
		}
		return m.Bytes(), nil
	}
}

// proposalOf decodes the body of a proposal of the given type: the
// vectors hold the Add, Update, ... structs, not the Proposal wrapper.
func proposalOf(typ mls.ProposalType) codec {
	return func(data []byte) ([]byte, error) {
		b := wire.NewBuilder(len(data) + 2)
		b.U16(uint16(typ))
		b.Raw(data)
		var p mls.Proposal
		if err := wire.Unmarshal(b.Bytes(), "Proposal", p.Unmarshal); err != nil {
			return nil, err
		}
		return encode(p.Marshal)[2:], nil
	}
}

// encode runs a marshal function into a fresh buffer.
func encode(marshal func(*wire.Builder)) []byte {
	b := wire.NewBuilder(256)
	marshal(b)
	return b.Bytes()
}

func runMessages(ck *checker, _ *suite.Suite, c *messagesCase) error {
	// The file names no suite. The ratchet tree's encoding does not depend
	// on one; suite 1 supplies the hash the tree type is built with.
	s1, err := suite.ByID(1)
	if err != nil {
		return err
	}
	var gs mls.GroupSecrets
	var commit mls.Commit
	checks := []struct {
		name  string
		data  []byte
		codec codec
	}{
		{"mls_welcome", c.MLSWelcome, wireFormatCodec(mls.WireWelcome)},
		{"mls_group_info", c.MLSGroupInfo, wireFormatCodec(mls.WireGroupInfo)},
		{"mls_key_package", c.MLSKeyPackage, wireFormatCodec(mls.WireKeyPackage)},
		{"ratchet_tree", c.RatchetTree, func(d []byte) ([]byte, error) {
			tr, err := rt.Unmarshal(s1, d)
			if err != nil {
				return nil, err
			}
			return tr.Bytes(), nil
		}},
		{"group_secrets", c.GroupSecrets, structCodec("GroupSecrets", gs.Marshal, gs.Unmarshal)},
		{"add_proposal", c.AddProposal, proposalOf(mls.ProposalAdd)},
		{"update_proposal", c.UpdateProposal, proposalOf(mls.ProposalUpdate)},
		{"remove_proposal", c.RemoveProposal, proposalOf(mls.ProposalRemove)},
		{"pre_shared_key_proposal", c.PreSharedKeyProposal, proposalOf(mls.ProposalPSK)},
		{"re_init_proposal", c.ReInitProposal, proposalOf(mls.ProposalReInit)},
		{"external_init_proposal", c.ExternalInitProposal, proposalOf(mls.ProposalExternalInit)},
		{"group_context_extensions_proposal", c.GroupContextExtensionsProposal, proposalOf(mls.ProposalGroupContextExtensions)},
		{"commit", c.Commit, structCodec("Commit", commit.Marshal, commit.Unmarshal)},
		{"public_message_application", c.PublicMessageApplication, wireFormatCodec(mls.WirePublicMessage)},
		{"public_message_proposal", c.PublicMessageProposal, wireFormatCodec(mls.WirePublicMessage)},
		{"public_message_commit", c.PublicMessageCommit, wireFormatCodec(mls.WirePublicMessage)},
		{"private_message", c.PrivateMessage, wireFormatCodec(mls.WirePrivateMessage)},
	}
	for _, ch := range checks {
		// Each field decodes with its structure and re-encodes to the
		// bytes in the vector.
		if ch.data == nil {
			ck.errorf("%s: missing", ch.name)
			continue
		}
		got, err := ch.codec(ch.data)
		if err != nil {
			ck.errorf("%s: %w", ch.name, err)
			continue
		}
		if !bytes.Equal(got, ch.data) {
			ck.errorf("%s: re-encoding differs:\n got %x\nwant %x", ch.name, got, ch.data)
		}
	}
	return nil
}
