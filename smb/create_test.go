package smb

import (
	"errors"
	"reflect"
	"testing"

	"github.com/zsmbd/zsmbd/internal/le"
)

func TestCreateRequestNames(t *testing.T) {
	base := (&CreateRequest{Name: "ab"}).AppendTo(nil)
	tests := []struct {
		name   string
		mutate func(b []byte) []byte
		err    error
	}{
		{"odd NameLength", func(b []byte) []byte { le.PutU16(b, 46, 3); return b }, ErrInvalidName},
		{"unpaired high surrogate", func(b []byte) []byte { le.PutU16(b, 56, 0xD800); return b }, ErrInvalidName},
		{"unpaired low surrogate", func(b []byte) []byte { le.PutU16(b, 58, 0xDC00); return b }, ErrInvalidName},
		{"name past the end", func(b []byte) []byte { le.PutU16(b, 46, 40); return b }, ErrMalformed},
		{"name offset inside the fixed part", func(b []byte) []byte { le.PutU16(b, 44, 0x40); return b }, ErrMalformed},
		{"contexts past the end", func(b []byte) []byte { le.PutU32(b, 48, 0x78); le.PutU32(b, 52, 100); return b }, ErrMalformed},
	}
	for _, tc := range tests {
		var r CreateRequest
		err := r.Decode(message(Create, tc.mutate(append([]byte(nil), base...))))
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
		if tc.err == ErrInvalidName && errors.Is(err, ErrMalformed) {
			t.Errorf("%s: an invalid name must not also be ErrMalformed", tc.name)
		}
	}
}

// context encodes one raw create context with explicit fields, for malformed chains.
func context(next uint32, nameOff, nameLen, dataOff uint16, dataLen uint32, rest string) []byte {
	b := le.AppendU32(nil, next)
	b = le.AppendU16(b, nameOff)
	b = le.AppendU16(b, nameLen)
	b = le.AppendU16(b, 0)
	b = le.AppendU16(b, dataOff)
	b = le.AppendU32(b, dataLen)
	return append(b, rest...)
}

func TestDecodeCreateContexts(t *testing.T) {
	good := append(context(24, 16, 4, 0, 0, "MxAc\x00\x00\x00\x00"), context(0, 16, 4, 24, 2, "RqLs\x00\x00\x00\x00\x01\x02")...)
	got, err := DecodeCreateContexts(good)
	want := []CreateContext{{Name: "MxAc"}, {Name: "RqLs", Data: []byte{1, 2}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v", got, err)
	}
	// Data is copied: changing the message does not change the context.
	good[len(good)-1] = 9
	if got[1].Data[1] != 2 {
		t.Fatal("create context data aliases the message")
	}
	bad := map[string][]byte{
		"short header":           []byte("\x00\x00\x00\x00\x10\x00"),
		"Next unaligned":         append(context(20, 16, 4, 0, 0, "MxAc\x00\x00\x00\x00"), context(0, 16, 4, 0, 0, "QFid")...),
		"Next past the end":      context(64, 16, 4, 0, 0, "MxAc\x00\x00\x00\x00"),
		"Next at the end":        context(24, 16, 4, 0, 0, "MxAc\x00\x00\x00\x00"),
		"Next below header size": append(context(8, 16, 4, 0, 0, "MxAc\x00\x00\x00\x00"), context(0, 16, 4, 0, 0, "QFid")...),
		"no name":                context(0, 16, 0, 0, 0, ""),
		"name inside the header": context(0, 8, 4, 0, 0, "MxAc"),
		"name past the context":  append(context(24, 16, 12, 0, 0, "MxAc\x00\x00\x00\x00"), context(0, 16, 4, 0, 0, "QFid")...),
		"data past the end":      context(0, 16, 4, 24, 9, "DHnQ\x00\x00\x00\x00\x01"),
		"data inside the header": context(0, 16, 4, 4, 4, "DHnQ"),
	}
	for name, b := range bad {
		if _, err := DecodeCreateContexts(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCreateContextPayloads(t *testing.T) {
	m := MaximalAccessResponse{QueryStatus: StatusSuccess, MaximalAccess: 0x001F01FF}
	if b := m.AppendTo(nil); string(b) != string(unhex(t, "00000000 ff011f00")) {
		t.Fatalf("MxAc %x", b)
	}
	var m2 MaximalAccessResponse
	if err := m2.Decode(m.AppendTo(nil)); err != nil || m2 != m {
		t.Fatalf("MxAc round trip %+v %v", m2, err)
	}
	q := QueryOnDiskIDResponse{DiskFileID: 0x0102, VolumeID: 0x0304}
	b := q.AppendTo(nil)
	if want := unhex(t, "0201000000000000 0403000000000000 00000000000000000000000000000000"); string(b) != string(want) {
		t.Fatalf("QFid %x", b)
	}
	var q2 QueryOnDiskIDResponse
	if err := q2.Decode(b); err != nil || q2 != q {
		t.Fatalf("QFid round trip %+v %v", q2, err)
	}
	if err := q2.Decode(b[:31]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short QFid: %v", err)
	}
	if err := m2.Decode(b[:7]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short MxAc: %v", err)
	}
}
