package wire

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"
)

func TestVarintRFCExamples(t *testing.T) {
	// RFC 9420, Section 2.1.2.
	for _, c := range []struct {
		enc  []byte
		want int
	}{
		{[]byte{0x9d, 0x7f, 0x3e, 0x7d}, 494878333},
		{[]byte{0x7b, 0xbd}, 15293},
		{[]byte{0x25}, 37},
	} {
		r := NewReader(c.enc, "varint")
		if got := r.Varint(); got != c.want || r.Err() != nil {
			t.Errorf("%x: got %d, %v; want %d", c.enc, got, r.Err(), c.want)
		}
	}
}

func TestVarintBoundaries(t *testing.T) {
	for _, n := range []int{0, 63, 64, 16383, 16384, MaxVarint} {
		enc := AppendVarint(nil, n)
		if len(enc) != VarintLen(n) {
			t.Errorf("%d: encoded in %d bytes, VarintLen says %d", n, len(enc), VarintLen(n))
		}
		r := NewReader(enc, "varint")
		if got := r.Varint(); got != n || r.Err() != nil {
			t.Errorf("%d: round trip gave %d, %v", n, got, r.Err())
		}
	}
	if VarintLen(MaxVarint+1) != 0 {
		t.Error("VarintLen accepts 2^30")
	}
}

func TestMalformed(t *testing.T) {
	cases := []struct {
		name   string
		input  []byte
		decode func(r *Reader)
		reason string
	}{
		{"prefix 11", []byte{0xc0}, func(r *Reader) { r.Varint() }, "prefix 0b11"},
		{"non-minimal 2-byte", []byte{0x40, 0x3f}, func(r *Reader) { r.Varint() }, "non-minimal"},
		{"non-minimal 4-byte", []byte{0x80, 0x00, 0x3f, 0xff}, func(r *Reader) { r.Varint() }, "non-minimal"},
		{"truncated header", []byte{0x40}, func(r *Reader) { r.Varint() }, "truncated"},
		{"over-long vector", []byte{0x05, 1, 2}, func(r *Reader) { r.Opaque() }, "exceeds"},
		{"truncated uint32", []byte{1, 2, 3}, func(r *Reader) { r.U32() }, "truncated"},
		{"trailing bytes", []byte{1, 2}, func(r *Reader) { r.U8() }, "trailing"},
		{"bad optional", []byte{2}, func(r *Reader) { r.Optional(func(r *Reader) { r.U8() }) }, "boolean"},
		{"item straddles vector end", []byte{0x03, 0, 1, 2}, func(r *Reader) {
			r.Vector(func(r *Reader) { r.U16() })
		}, "truncated"},
		{"empty input", nil, func(r *Reader) { r.U16() }, "truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Unmarshal(c.input, "Thing", func(r *Reader) {
				r.Struct("Inner", c.decode)
			})
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), c.reason) || !strings.Contains(err.Error(), "Thing") {
				t.Errorf("error %q lacks %q or the type name", err, c.reason)
			}
		})
	}
}

// A length header is checked against the bytes left before anything is
// allocated for it: a header claiming 2^30-1 bytes in a short input
// fails without allocating its length.
func TestLengthHeaderBoundsAllocation(t *testing.T) {
	input := append([]byte{0xbf, 0xff, 0xff, 0xff}, make([]byte, 16)...)
	for _, c := range []struct {
		name   string
		decode func(r *Reader)
	}{
		{"OpaqueCopy", func(r *Reader) { r.OpaqueCopy() }},
		{"String", func(r *Reader) { _ = r.String() }},
		{"Vector", func(r *Reader) { r.Vector(func(r *Reader) { r.U8() }) }},
		{"Raw", func(r *Reader) { r.Raw(MaxVarint) }},
	} {
		name, decode := c.name, c.decode
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const runs = 100
		for range runs {
			if err := Unmarshal(input, "Big", decode); !errors.Is(err, ErrMalformed) {
				t.Fatalf("%s: %v, want ErrMalformed", name, err)
			}
		}
		runtime.ReadMemStats(&after)
		if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 4096 {
			t.Errorf("%s: %d bytes allocated per failed decode of a %d-byte input", name, per, len(input))
		}
	}
}

func TestErrorNamesNestedTypeAndOffset(t *testing.T) {
	var b Builder
	b.U16(7)
	b.Vector(func(b *Builder) { b.Opaque([]byte("ab")) })
	enc := b.Bytes()
	enc = enc[:len(enc)-1] // cut the last byte of the inner vector
	enc[2]--               // keep the outer vector header consistent with the cut
	err := Unmarshal(enc, "Outer", func(r *Reader) {
		r.U16()
		r.Vector(func(r *Reader) { r.Struct("Item", func(r *Reader) { r.Opaque() }) })
	})
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want a DecodeError", err)
	}
	if de.Path != "Outer > Item" || de.Offset != 4 {
		t.Errorf("path %q offset %d, want \"Outer > Item\" at 4 (%v)", de.Path, de.Offset, err)
	}
}

func TestRoundTrip(t *testing.T) {
	var b Builder
	b.U8(1)
	b.U16(0x0203)
	b.U32(0x04050607)
	b.U64(0x08090a0b0c0d0e0f)
	b.Bool(true)
	b.Opaque(bytes.Repeat([]byte{0xaa}, 100))
	b.Optional(false, nil)
	b.Optional(true, func(b *Builder) { b.String("x") })
	b.Vector(func(b *Builder) {
		for i := range 3000 {
			b.U32(uint32(i))
		}
	})
	enc := append([]byte{}, b.Bytes()...)

	var items []uint32
	var s string
	err := Unmarshal(enc, "test", func(r *Reader) {
		if r.U8() != 1 || r.U16() != 0x0203 || r.U32() != 0x04050607 || r.U64() != 0x08090a0b0c0d0e0f || !r.Bool() {
			r.Failf("fixed fields differ")
		}
		if len(r.Opaque()) != 100 {
			r.Failf("opaque length")
		}
		if r.Optional(func(r *Reader) {}) {
			r.Failf("absent optional read as present")
		}
		r.Optional(func(r *Reader) { s = r.String() })
		r.Vector(func(r *Reader) { items = append(items, r.U32()) })
	})
	if err != nil {
		t.Fatal(err)
	}
	if s != "x" || len(items) != 3000 || items[2999] != 2999 {
		t.Errorf("decoded %q and %d items", s, len(items))
	}
	// 100 and 12,000 bytes each take a 2-byte header.
	if want := 1 + 2 + 4 + 8 + 1 + 102 + 1 + 3 + 2 + 12000; len(enc) != want {
		t.Errorf("encoded %d bytes, want %d", len(enc), want)
	}
}

// FuzzReader decodes arbitrary bytes as a nested structure using every
// Reader method: it must return an error or succeed, never panic, and a
// successful decode must re-encode to the same bytes.
func FuzzReader(f *testing.F) {
	f.Add([]byte{0x00})
	f.Add([]byte{0x01, 0x02, 0x40, 0x40})
	f.Add([]byte{0x80, 0x00, 0x40, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		type item struct {
			tag  uint8
			body []byte
			opt  []byte
			has  bool
		}
		var items []item
		var head uint16
		err := Unmarshal(data, "fuzz", func(r *Reader) {
			head = r.U16()
			r.Vector(func(r *Reader) {
				var it item
				r.Struct("item", func(r *Reader) {
					it.tag = r.U8()
					it.body = r.Opaque()
					it.has = r.Optional(func(r *Reader) { it.opt = r.Opaque() })
				})
				items = append(items, it)
			})
		})
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		var b Builder
		b.U16(head)
		b.Vector(func(b *Builder) {
			for _, it := range items {
				b.U8(it.tag)
				b.Opaque(it.body)
				b.Optional(it.has, func(b *Builder) { b.Opaque(it.opt) })
			}
		})
		if !bytes.Equal(b.Bytes(), data) {
			t.Fatalf("re-encoding differs:\n got %x\nwant %x", b.Bytes(), data)
		}
	})
}

func BenchmarkVector(b *testing.B) {
	payload := bytes.Repeat([]byte{1}, 1000)
	var w Builder
	for b.Loop() {
		w.Reset()
		w.Vector(func(w *Builder) {
			for range 8 {
				w.Opaque(payload)
			}
		})
	}
}

// BenchmarkLargeNested encodes an UpdatePath-shaped message of 50,000
// ciphertexts (about 4 MB, a commit into a mostly blank tree of 10^5
// members) into a fresh Builder, as each signature or tag check does.
func BenchmarkLargeNested(b *testing.B) {
	kem, ct := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 48)
	var n int
	for b.Loop() {
		w := NewBuilder(256)
		w.Vector(func(w *Builder) {
			for range 16 {
				w.Opaque(kem)
				w.Vector(func(w *Builder) {
					for range 50000 / 16 {
						w.Opaque(kem)
						w.Opaque(ct)
					}
				})
			}
		})
		n = w.Len()
	}
	b.SetBytes(int64(n))
}
