package smb

import (
	"errors"
	"testing"

	"github.com/zsmbd/zsmbd/internal/le"
)

func TestIsErrorResponse(t *testing.T) {
	resp := func(cmd Command, st Status, body []byte) []byte {
		h := Header{Command: cmd, Status: st, Flags: FlagServerToRedir}
		return append(h.AppendTo(nil), body...)
	}
	errBody := (&ErrorResponse{}).AppendTo(nil)
	tests := []struct {
		name string
		msg  []byte
		want bool
	}{
		{"success", resp(Close, StatusSuccess, (&CloseResponse{}).AppendTo(nil)), false},
		{"access denied", resp(Create, StatusAccessDenied, errBody), true},
		{"no more files", resp(QueryDirectory, StatusNoMoreFiles, errBody), true},
		{"more processing", resp(SessionSetup, StatusMoreProcessingRequired, (&SessionSetupResponse{SecurityBuffer: []byte{1}}).AppendTo(nil)), false},
		{"query info overflow", resp(QueryInfo, StatusBufferOverflow, (&QueryInfoResponse{Buffer: []byte{1}}).AppendTo(nil)), false},
		{"ioctl overflow", resp(Ioctl, StatusBufferOverflow, (&IoctlResponse{Output: []byte{1}}).AppendTo(nil)), false},
		{"ioctl invalid parameter with ioctl body", resp(Ioctl, StatusInvalidParameter, (&IoctlResponse{}).AppendTo(nil)), false},
		{"pending", resp(Read, StatusPending, errBody), true},
		{"short", make([]byte, 65), false},
	}
	for _, tc := range tests {
		if got := IsErrorResponse(tc.msg); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
}

func TestOplockBreakKind(t *testing.T) {
	for _, w := range []wire{&OplockBreakAck{}, &LeaseBreakAck{}} {
		msg := message(OplockBreak, w.AppendTo(nil))
		size, err := OplockBreakKind(msg)
		if err != nil || int(size) != len(msg)-HeaderSize {
			t.Errorf("%T: size %d, %v", w, size, err)
		}
	}
	if _, err := OplockBreakKind(make([]byte, 65)); !errors.Is(err, ErrMalformed) {
		t.Errorf("short: %v", err)
	}
}

func TestFileID(t *testing.T) {
	b := fid.AppendTo(nil)
	got, err := DecodeFileID(b)
	if err != nil || got != fid {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := DecodeFileID(b[:15]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short: %v", err)
	}
	if !RelatedFileID.IsRelated() || fid.IsRelated() {
		t.Fatal("IsRelated")
	}
	related, _ := DecodeFileID(unhex(t, "ffffffffffffffff ffffffffffffffff"))
	if !related.IsRelated() {
		t.Fatal("all-ones FileId is the related-compound id")
	}
}

func TestMalformedBodies(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		w    wire
		body []byte
		err  error
	}{
		{"lock count 0", Lock, new(LockRequest), func() []byte {
			b := (&LockRequest{Locks: []LockElement{{}}}).AppendTo(nil)
			le.PutU16(b, 2, 0)
			return b
		}(), ErrMalformed},
		{"lock count past the end", Lock, new(LockRequest), func() []byte {
			b := (&LockRequest{Locks: []LockElement{{}}}).AppendTo(nil)
			le.PutU16(b, 2, 2)
			return b
		}(), ErrMalformed},
		{"tree connect path odd", TreeConnect, new(TreeConnectRequest), func() []byte {
			b := (&TreeConnectRequest{Path: `\\a\b`}).AppendTo(nil)
			le.PutU16(b, 6, 9)
			return b
		}(), ErrMalformed},
		{"tree connect path unpaired surrogate", TreeConnect, new(TreeConnectRequest), func() []byte {
			b := (&TreeConnectRequest{Path: `\\a\b`}).AppendTo(nil)
			le.PutU16(b, 8, 0xDBFF)
			return b
		}(), ErrMalformed},
		{"session setup buffer inside the fixed part", SessionSetup, new(SessionSetupRequest), func() []byte {
			b := (&SessionSetupRequest{SecurityBuffer: []byte{1, 2}}).AppendTo(nil)
			le.PutU16(b, 12, 0x50)
			return b
		}(), ErrMalformed},
		{"write data past the end", Write, new(WriteRequest), func() []byte {
			b := (&WriteRequest{Data: []byte("abc")}).AppendTo(nil)
			le.PutU32(b, 4, 4)
			return b
		}(), ErrMalformed},
		{"query directory pattern invalid", QueryDirectory, new(QueryDirectoryRequest), func() []byte {
			b := (&QueryDirectoryRequest{FileName: "*"}).AppendTo(nil)
			le.PutU16(b, 32, 0xDC00)
			return b
		}(), ErrInvalidName},
		{"set info buffer past the end", SetInfo, new(SetInfoRequest), func() []byte {
			b := (&SetInfoRequest{Buffer: []byte{1}}).AppendTo(nil)
			le.PutU32(b, 4, 2)
			return b
		}(), ErrMalformed},
		{"query info input past the end", QueryInfo, new(QueryInfoRequest), func() []byte {
			b := (&QueryInfoRequest{Input: []byte{1}}).AppendTo(nil)
			le.PutU32(b, 12, 2)
			return b
		}(), ErrMalformed},
		{"read channel info past the end", Read, new(ReadRequest), func() []byte {
			b := (&ReadRequest{}).AppendTo(nil)
			le.PutU16(b, 44, 0x70)
			le.PutU16(b, 46, 16)
			return b
		}(), ErrMalformed},
	}
	for _, tc := range tests {
		if err := tc.w.Decode(message(tc.cmd, tc.body)); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
	// A READ without the optional Buffer byte (48-byte body) is accepted.
	b := (&ReadRequest{Length: 1}).AppendTo(nil)
	var r ReadRequest
	if err := r.Decode(message(Read, b[:48])); err != nil || r.Length != 1 {
		t.Errorf("48-byte READ: %v", err)
	}
}
