package smb

import (
	"bytes"
	"errors"
	"testing"
)

// compound builds a frame of messages whose NextCommand fields are given.
func compound(sizes []int, next []uint32) []byte {
	var frame []byte
	for i, n := range sizes {
		h := Header{Command: Create, NextCommand: next[i], MessageID: uint64(i)}
		m := h.AppendTo(nil)
		m = append(m, make([]byte, n-HeaderSize)...)
		frame = append(frame, m...)
	}
	return frame
}

func TestSplitCompound(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int
		next  []uint32
		want  []int // message lengths, nil for ErrMalformed
	}{
		{"single", []int{100}, []uint32{0}, []int{100}},
		{"three", []int{120, 88, 73}, []uint32{120, 88, 0}, []int{120, 88, 73}},
		{"unaligned next", []int{121, 88}, []uint32{121, 0}, nil},
		{"next below header size", []int{128}, []uint32{56}, nil},
		{"next past the end", []int{120}, []uint32{128}, nil},
		{"next exactly at the end", []int{120}, []uint32{120}, nil},
		{"last message shorter than a header", []int{120, 64}, []uint32{128, 0}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			frame := compound(tc.sizes, tc.next)
			msgs, err := SplitCompound(nil, frame)
			if tc.want == nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != len(tc.want) {
				t.Fatalf("%d messages, want %d", len(msgs), len(tc.want))
			}
			off := 0
			for i, m := range msgs {
				if len(m) != tc.want[i] || !bytes.Equal(m, frame[off:off+len(m)]) {
					t.Fatalf("message %d: %d bytes at %d", i, len(m), off)
				}
				h, err := DecodeHeader(m)
				if err != nil || h.MessageID != uint64(i) {
					t.Fatalf("message %d header: %+v %v", i, h, err)
				}
				off += len(m)
			}
		})
	}
	if _, err := SplitCompound(nil, make([]byte, 10)); !errors.Is(err, ErrMalformed) {
		t.Errorf("short frame: %v", err)
	}
}
