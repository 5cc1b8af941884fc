package keyschedule

import (
	"errors"
	"reflect"
	"testing"

	"cgkalab/models/extension"
	"cgkalab/models/wire"
)

func TestGroupContextRoundTrip(t *testing.T) {
	s := mustSuite(t, 1)
	gc := testContext(s)
	gc.Extensions = append(gc.Extensions, extension.Extension{Type: 0xff00, Data: []byte{}})
	enc := gc.Bytes()
	got, err := ParseGroupContext(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, gc) {
		t.Errorf("round trip = %+v, want %+v", got, gc)
	}
	equal(t, "re-encoding", got.Bytes(), enc)
	// Embedded decoding leaves the reader after the GroupContext.
	r := wire.NewReader(append(enc, 0x42), "Outer")
	var e GroupContext
	e.Decode(r)
	if r.U8() != 0x42 || r.Err() != nil {
		t.Errorf("embedded decode: %v", r.Err())
	}
}

func TestGroupContextDecodeErrors(t *testing.T) {
	s := mustSuite(t, 1)
	gc := testContext(s)
	good := gc.Bytes()

	badVersion := append([]byte{0, 2}, good[2:]...)
	trailing := append(append([]byte{}, good...), 0)
	gc.Extensions = []extension.Extension{{Type: 3, Data: []byte{1}}, {Type: 3}}
	dup := gc.Bytes()
	for name, data := range map[string][]byte{
		"version 2":           badVersion,
		"trailing byte":       trailing,
		"truncated":           good[:len(good)-1],
		"duplicate extension": dup,
		"empty":               nil,
	} {
		_, err := ParseGroupContext(data)
		if !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
			continue
		}
		t.Logf("%s: %v", name, err)
	}
}
