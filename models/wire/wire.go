// Package wire implements the TLS presentation language as RFC 9420 uses it
// (RFC 9420, Section 2.1): fixed-size integers, opaque vectors with the
// variable-size length headers of Section 2.1.2, optional values and
// vectors of structures.
//
// Encoding appends to a Builder. Decoding reads from a Reader with a sticky
// error: the first failure is kept, with the byte offset and the stack of
// structure names being decoded, so a malformed message reports where and
// in what it went wrong. Unmarshal rejects trailing bytes.
package wire

import (
	"errors"
	"fmt"
	"strings"
)

// MaxVarint is the largest value a variable-size length header can carry
// (RFC 9420, Section 2.1.2: 30 usable bits).
const MaxVarint = 1<<30 - 1

// VarintLen returns the size in bytes of the minimal header for n, or 0 if n
// exceeds MaxVarint.
func VarintLen(n int) int {
	switch {
	case n < 0:
		return 0
	case n <= 63:
		return 1
	case n <= 16383:
		return 2
	case n <= MaxVarint:
		return 4
	}
	return 0
}

// OpaqueLen is the encoded size of an opaque<V> holding n bytes.
func OpaqueLen(n int) int { return VarintLen(n) + n }

// AppendVarint appends the minimal variable-size header for n
// (RFC 9420, Section 2.1.2). It panics if n > MaxVarint: callers bound the
// sizes they encode, so this is a broken internal invariant.
func AppendVarint(b []byte, n int) []byte {
	switch VarintLen(n) {
	case 1:
		return append(b, byte(n))
	case 2:
		return append(b, 0x40|byte(n>>8), byte(n))
	case 4:
		return append(b, 0x80|byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	panic(fmt.Sprintf("wire: vector length %d exceeds 2^30-1", n))
}

// Builder accumulates an encoding. The zero value is ready to use.
type Builder struct {
	buf []byte
}

// NewBuilder returns a Builder whose buffer starts with capacity n.
func NewBuilder(n int) *Builder { return &Builder{buf: make([]byte, 0, n)} }

// Bytes returns the encoding built so far. The slice aliases the Builder.
func (b *Builder) Bytes() []byte { return b.buf }

// Len returns the number of bytes written so far.
func (b *Builder) Len() int { return len(b.buf) }

// Reset empties the Builder, keeping its buffer.
func (b *Builder) Reset() { b.buf = b.buf[:0] }

// room makes space for n more bytes, doubling the buffer when it is full:
// append alone grows large buffers by a quarter at a time, and a commit
// into a mostly blank tree of 10^5 members is megabytes, encoded afresh
// for each signature, tag and transcript check.
func (b *Builder) room(n int) {
	if cap(b.buf)-len(b.buf) < n {
		b.grow(n)
	}
}

func (b *Builder) grow(n int) {
	grown := make([]byte, len(b.buf), max(2*cap(b.buf), len(b.buf)+n, 64))
	copy(grown, b.buf)
	b.buf = grown
}

func (b *Builder) U8(v uint8) { b.room(1); b.buf = append(b.buf, v) }
func (b *Builder) U16(v uint16) {
	b.room(2)
	b.buf = append(b.buf, byte(v>>8), byte(v))
}
func (b *Builder) U32(v uint32) {
	b.room(4)
	b.buf = append(b.buf, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
func (b *Builder) U64(v uint64) {
	b.room(8)
	b.buf = append(b.buf, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32),
		byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// Bool writes a uint8 0 or 1.
func (b *Builder) Bool(v bool) {
	if v {
		b.U8(1)
	} else {
		b.U8(0)
	}
}

// Raw appends bytes with no length header (fixed-size opaque fields).
func (b *Builder) Raw(v []byte) { b.room(len(v)); b.buf = append(b.buf, v...) }

// Opaque writes opaque<V>: a variable-size header, then v.
func (b *Builder) Opaque(v []byte) {
	b.room(4 + len(v))
	b.buf = AppendVarint(b.buf, len(v))
	b.buf = append(b.buf, v...)
}

// String writes a string as opaque<V>.
func (b *Builder) String(s string) {
	b.room(4 + len(s))
	b.buf = AppendVarint(b.buf, len(s))
	b.buf = append(b.buf, s...)
}

// Vector writes T items<V>: fill appends the items, then the header is
// inserted in front of them with the minimal size for their length.
func (b *Builder) Vector(fill func(b *Builder)) {
	start := len(b.buf)
	fill(b)
	n := len(b.buf) - start
	h := VarintLen(n)
	if h == 0 {
		panic(fmt.Sprintf("wire: vector length %d exceeds 2^30-1", n))
	}
	// Make room for the header and move the content right.
	b.room(h)
	b.buf = b.buf[:len(b.buf)+h]
	copy(b.buf[start+h:], b.buf[start:start+n])
	AppendVarint(b.buf[start:start], n)
}

// Optional writes optional<T>: 0, or 1 followed by what fill appends.
func (b *Builder) Optional(present bool, fill func(b *Builder)) {
	if !present {
		b.U8(0)
		return
	}
	b.U8(1)
	fill(b)
}

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("malformed encoding")

// DecodeError says what was being decoded, where, and what was wrong.
type DecodeError struct {
	Path   string // structure names, outermost first, e.g. "Commit > UpdatePath > LeafNode"
	Offset int    // byte offset of the failure in the top-level input
	Reason string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("decoding %s: %s at byte %d", e.Path, e.Reason, e.Offset)
}

func (e *DecodeError) Unwrap() error { return ErrMalformed }

// Reader decodes an encoding. Methods return zero values once an error has
// occurred; check Err (or use Unmarshal) after decoding.
type Reader struct {
	data []byte
	off  int // offset into data
	base int // offset of data[0] in the top-level input
	path []string
	err  *DecodeError
	root *Reader // where the sticky error lives
}

// NewReader returns a Reader over data; name is the type being decoded.
func NewReader(data []byte, name string) *Reader {
	r := &Reader{data: data, path: []string{name}}
	r.root = r
	return r
}

// Unmarshal decodes data as the type name using decode and requires that
// every byte is consumed.
func Unmarshal(data []byte, name string, decode func(r *Reader)) error {
	r := NewReader(data, name)
	decode(r)
	r.ExpectEnd()
	return r.Err()
}

// Err returns the first decoding error, or nil.
func (r *Reader) Err() error {
	if r.root.err == nil {
		return nil
	}
	return r.root.err
}

// OK reports whether no error has occurred.
func (r *Reader) OK() bool { return r.root.err == nil }

// Empty reports whether every byte of this Reader's span was consumed.
func (r *Reader) Empty() bool { return r.off >= len(r.data) }

// Offset returns the position in the top-level input.
func (r *Reader) Offset() int { return r.base + r.off }

// Failf records a semantic error (an unknown enum value, a field out of
// range) at the current position. Only the first error is kept.
func (r *Reader) Failf(format string, args ...any) {
	if r.root.err != nil {
		return
	}
	r.root.err = &DecodeError{
		Path:   strings.Join(r.path, " > "),
		Offset: r.Offset(),
		Reason: fmt.Sprintf(format, args...),
	}
}

// Struct decodes a named nested structure; the name appears in errors.
func (r *Reader) Struct(name string, decode func(r *Reader)) {
	if !r.OK() {
		return
	}
	r.path = append(r.path, name)
	decode(r)
	r.path = r.path[:len(r.path)-1]
}

// ExpectEnd fails if bytes remain in this Reader's span.
func (r *Reader) ExpectEnd() {
	if r.OK() && !r.Empty() {
		r.Failf("%d trailing bytes", len(r.data)-r.off)
	}
}

func (r *Reader) take(n int) []byte {
	if !r.OK() {
		return nil
	}
	if n < 0 || len(r.data)-r.off < n {
		r.Failf("truncated: need %d bytes, have %d", n, len(r.data)-r.off)
		return nil
	}
	v := r.data[r.off : r.off+n : r.off+n]
	r.off += n
	return v
}

func (r *Reader) U8() uint8 {
	if v := r.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *Reader) U16() uint16 {
	if v := r.take(2); v != nil {
		return uint16(v[0])<<8 | uint16(v[1])
	}
	return 0
}

func (r *Reader) U32() uint32 {
	if v := r.take(4); v != nil {
		return uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
	}
	return 0
}

func (r *Reader) U64() uint64 {
	if v := r.take(8); v != nil {
		return uint64(r.u32at(v[:4]))<<32 | uint64(r.u32at(v[4:]))
	}
	return 0
}

func (r *Reader) u32at(v []byte) uint32 {
	return uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
}

// Bool reads a uint8 that must be 0 or 1.
func (r *Reader) Bool() bool {
	switch v := r.U8(); v {
	case 0:
		return false
	case 1:
		return true
	default:
		r.Failf("boolean value %d, want 0 or 1", v)
		return false
	}
}

// Varint reads a variable-size length header, rejecting the invalid prefix
// 0b11 and non-minimal encodings (RFC 9420, Section 2.1.2).
func (r *Reader) Varint() int {
	first := r.take(1)
	if first == nil {
		return 0
	}
	prefix := first[0] >> 6
	if prefix == 3 {
		r.Failf("invalid variable-length integer prefix 0b11")
		return 0
	}
	size := 1 << prefix
	v := int(first[0] & 0x3f)
	rest := r.take(size - 1)
	if !r.OK() {
		return 0
	}
	for _, c := range rest {
		v = v<<8 | int(c)
	}
	if size > 1 && VarintLen(v) != size {
		r.Failf("non-minimal variable-length integer: %d in %d bytes", v, size)
		return 0
	}
	return v
}

// Raw reads n bytes with no header. The result aliases the input.
func (r *Reader) Raw(n int) []byte { return r.take(n) }

// Opaque reads opaque<V>. The result aliases the input; copy it to keep it
// beyond the input's life.
func (r *Reader) Opaque() []byte {
	n := r.Varint()
	if !r.OK() {
		return nil
	}
	if n > len(r.data)-r.off {
		r.Failf("vector length %d exceeds the %d bytes left", n, len(r.data)-r.off)
		return nil
	}
	return r.take(n)
}

// OpaqueCopy reads opaque<V> into freshly allocated memory.
func (r *Reader) OpaqueCopy() []byte {
	v := r.Opaque()
	if v == nil {
		return nil
	}
	return append([]byte{}, v...)
}

// String reads an opaque<V> as a string.
func (r *Reader) String() string { return string(r.Opaque()) }

// Vector reads T items<V>: item is called until the vector's bytes are
// consumed; an item that straddles the end is an error.
func (r *Reader) Vector(item func(r *Reader)) {
	body := r.Opaque()
	if !r.OK() {
		return
	}
	sub := &Reader{data: body, base: r.Offset() - len(body), path: r.path, root: r.root}
	for !sub.Empty() && r.OK() {
		before := sub.off
		item(sub)
		if sub.off == before && r.OK() {
			sub.Failf("vector item consumed no bytes")
		}
	}
}

// Optional reads optional<T>: the presence byte must be 0 or 1; if 1, fill
// decodes the value. It returns whether the value was present.
func (r *Reader) Optional(fill func(r *Reader)) bool {
	present := r.Bool()
	if present && r.OK() {
		fill(r)
	}
	return present && r.OK()
}
