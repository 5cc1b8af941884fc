package mlsarchive

import (
	"fmt"

	"cgkalab/models/suite"
	"cgkalab/models/wire"
)

// The archive's encodings, in the TLS presentation language of RFC 9420,
// Section 2.1 (models/wire); cgkalab's own, as no standard defines them.
//
// Archive keys travel inside MLS application messages, whose content
// starts with a content type (the simulated user messages are zeros,
// content type 0):
//
//	struct {
//	    uint8 content_type = 1;
//	    ArchiveKey keys<V>;
//	} ArchiveKeys;
//	struct {
//	    uint32 generation;
//	    opaque secret<V>;             // KDF.Nh bytes
//	} ArchiveKey;
//
// Every application message is also encrypted under the current archive
// key and uploaded to the archive (the delivery service's store), which
// nobody downloads until a device reads history:
//
//	struct {
//	    opaque group_id<V>;
//	    uint32 generation;            // of the archive key
//	    uint64 epoch;                 // the MLS epoch it was sent in
//	    uint32 sender;
//	    opaque nonce[Nn];             // drawn at random for each record
//	    opaque ciphertext<V>;         // AEAD.Seal(key, nonce, aad = the fields above, RecordContent)
//	} ArchiveRecord;
//	struct {
//	    opaque content<V>;
//	    opaque signature<V>;          // the sender's MLS signature key:
//	                                  // SignWithLabel(., "archive RecordTBS", aad || content<V>)
//	} RecordContent;
//
// With a backup service, each new archive key is sealed to its HPKE key:
//
//	struct {
//	    opaque group_id<V>;
//	    uint32 generation;
//	    opaque kem_output<V>;         // EncryptWithLabel(backup key, "archive backup",
//	    opaque ciphertext<V>;         //   group_id<V> || generation, secret)
//	} BackupKey;

const (
	contentArchiveKeys = 1
	labelRecord        = "archive RecordTBS"
	labelBackup        = "archive backup"
)

// ArchiveKey is one generation of the archive key.
type ArchiveKey struct {
	Generation uint32
	Secret     []byte
}

// encodeArchiveKeys encodes ArchiveKeys.
func encodeArchiveKeys(keys []ArchiveKey) []byte {
	b := wire.NewBuilder(8 + 40*len(keys))
	b.U8(contentArchiveKeys)
	b.Vector(func(b *wire.Builder) {
		for _, k := range keys {
			b.U32(k.Generation)
			b.Opaque(k.Secret)
		}
	})
	return b.Bytes()
}

// ParseArchiveKeys decodes the content of an application message: ok is
// false for content of another type.
func ParseArchiveKeys(data []byte) (keys []ArchiveKey, ok bool, err error) {
	if len(data) == 0 || data[0] != contentArchiveKeys {
		return nil, false, nil
	}
	err = wire.Unmarshal(data, "ArchiveKeys", func(r *wire.Reader) {
		r.U8()
		r.Vector(func(r *wire.Reader) {
			r.Struct("ArchiveKey", func(r *wire.Reader) {
				keys = append(keys, ArchiveKey{Generation: r.U32(), Secret: r.OpaqueCopy()})
			})
		})
	})
	return keys, err == nil, err
}

// Record is an ArchiveRecord.
type Record struct {
	GroupID    []byte
	Generation uint32
	Epoch      uint64
	Sender     uint32
	Nonce      []byte
	Ciphertext []byte
}

func (r *Record) aad() []byte {
	b := wire.NewBuilder(24 + len(r.GroupID) + len(r.Nonce))
	b.Opaque(r.GroupID)
	b.U32(r.Generation)
	b.U64(r.Epoch)
	b.U32(r.Sender)
	b.Raw(r.Nonce)
	return b.Bytes()
}

// Bytes returns the encoding.
func (r *Record) Bytes() []byte {
	aad := r.aad()
	b := wire.NewBuilder(len(aad) + len(r.Ciphertext) + 4)
	b.Raw(aad)
	b.Opaque(r.Ciphertext)
	return b.Bytes()
}

// ParseRecord decodes an ArchiveRecord of suite s.
func ParseRecord(s *suite.Suite, data []byte) (*Record, error) {
	rec := &Record{}
	err := wire.Unmarshal(data, "ArchiveRecord", func(r *wire.Reader) {
		rec.GroupID = r.OpaqueCopy()
		rec.Generation = r.U32()
		rec.Epoch = r.U64()
		rec.Sender = r.U32()
		rec.Nonce = append([]byte(nil), r.Raw(s.AEADNonceSize())...)
		rec.Ciphertext = r.OpaqueCopy()
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

func recordTBS(aad, content []byte) []byte {
	b := wire.NewBuilder(len(aad) + len(content) + 4)
	b.Raw(aad)
	b.Opaque(content)
	return b.Bytes()
}

// aeadKey derives an archive key's AEAD key from its secret.
func aeadKey(s *suite.Suite, secret []byte) []byte {
	return s.ExpandWithLabel(secret, "archive key", nil, s.AEADKeySize())
}

// OpenRecord decrypts an archive record with the archive key secret of its
// generation and checks the sender's signature with sigPub: what a device
// reading the group's history does.
func OpenRecord(s *suite.Suite, secret []byte, rec *Record, sigPub []byte) ([]byte, error) {
	aad := rec.aad()
	pt, err := s.Open(aeadKey(s, secret), rec.Nonce, aad, rec.Ciphertext)
	if err != nil {
		return nil, fmt.Errorf("archive record of %d: %w", rec.Sender, err)
	}
	var content, sig []byte
	err = wire.Unmarshal(pt, "RecordContent", func(r *wire.Reader) {
		content = r.OpaqueCopy()
		sig = r.Opaque()
	})
	if err != nil {
		return nil, err
	}
	if err := s.VerifyWithLabel(sigPub, labelRecord, recordTBS(aad, content), sig); err != nil {
		return nil, fmt.Errorf("archive record of %d: %w", rec.Sender, err)
	}
	return content, nil
}

// BackupKey is an archive key sealed to the backup service.
type BackupKey struct {
	GroupID    []byte
	Generation uint32
	KEMOutput  []byte
	Ciphertext []byte
}

func (k *BackupKey) context() []byte {
	b := wire.NewBuilder(8 + len(k.GroupID))
	b.Opaque(k.GroupID)
	b.U32(k.Generation)
	return b.Bytes()
}

// Bytes returns the encoding.
func (k *BackupKey) Bytes() []byte {
	b := wire.NewBuilder(16 + len(k.GroupID) + len(k.KEMOutput) + len(k.Ciphertext))
	b.Raw(k.context())
	b.Opaque(k.KEMOutput)
	b.Opaque(k.Ciphertext)
	return b.Bytes()
}

// ParseBackupKey decodes a BackupKey.
func ParseBackupKey(data []byte) (*BackupKey, error) {
	k := &BackupKey{}
	err := wire.Unmarshal(data, "BackupKey", func(r *wire.Reader) {
		k.GroupID = r.OpaqueCopy()
		k.Generation = r.U32()
		k.KEMOutput = r.OpaqueCopy()
		k.Ciphertext = r.OpaqueCopy()
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// recordContent encodes RecordContent.
func recordContent(content, signature []byte) []byte {
	b := wire.NewBuilder(len(content) + len(signature) + 8)
	b.Opaque(content)
	b.Opaque(signature)
	return b.Bytes()
}
