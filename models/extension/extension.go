// Package extension holds RFC 9420's Extension (Section 7.2) and the list
// encoding that LeafNode, GroupContext, KeyPackage and GroupInfo share.
package extension

import "cgkalab/models/wire"

// Extension is one entry of an extension list: an ExtensionType and its
// opaque extension_data (RFC 9420, Section 7.2).
type Extension struct {
	Type uint16
	Data []byte
}

// Extension types of RFC 9420, Section 17.3.
const (
	ApplicationID        uint16 = 1
	RatchetTree          uint16 = 2
	RequiredCapabilities uint16 = 3
	ExternalPub          uint16 = 4
	ExternalSenders      uint16 = 5
)

// IsDefault reports the types that need not be listed in capabilities
// (RFC 9420, Section 7.2).
func IsDefault(t uint16) bool { return t >= ApplicationID && t <= ExternalSenders }

// Encode writes Extension extensions<V>.
func Encode(b *wire.Builder, exts []Extension) {
	b.Vector(func(b *wire.Builder) {
		for _, e := range exts {
			b.U16(e.Type)
			b.Opaque(e.Data)
		}
	})
}

// Decode reads Extension extensions<V>, copying the data out of the input.
// A list with two extensions of the same type is rejected (RFC 9420,
// Section 13.4).
func Decode(r *wire.Reader) []Extension {
	var exts []Extension
	r.Vector(func(r *wire.Reader) {
		var e Extension
		r.Struct("Extension", func(r *wire.Reader) {
			e.Type = r.U16()
			e.Data = r.OpaqueCopy()
		})
		for _, prev := range exts {
			if prev.Type == e.Type && r.OK() {
				r.Failf("duplicate extension type %#04x", e.Type)
			}
		}
		exts = append(exts, e)
	})
	return exts
}
