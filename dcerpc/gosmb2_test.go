package dcerpc

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
)

func readHex(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// transceive plays the SMB server's FSCTL_PIPE_TRANSCEIVE: write the input,
// return at most maxOut bytes of the answer and whether it overflowed.
func transceive(t *testing.T, p *Pipe, in []byte, maxOut int) ([]byte, bool) {
	t.Helper()
	if err := p.Write(in); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return p.Read(maxOut)
}

// listSharenames repeats what go-smb2 v1.1.0's Session.ListSharenames does
// with the pipe: transceive the bind (4280-byte output), transceive the
// NetrShareEnum request with a 1024-byte output limit, on
// STATUS_BUFFER_OVERFLOW READ 4280-len(output) more bytes, then READ whole
// fragments of up to 4280 bytes, appending each one's stub (after its
// 24-byte header), until the level-1 container is complete.
func listSharenames(t *testing.T, p *Pipe) (shares []share1, overflow bool, frags int) {
	t.Helper()
	ack, more := transceive(t, p, readHex(t, "gosmb2_bind.hex"), 4280)
	if more || len(ack) < 24 || ack[0] != 5 || ack[1] != 0 || ack[2] != ptypeBindAck || le.Uint32(ack[12:]) != 0x01020304 {
		t.Fatalf("bind ack go-smb2 would reject: more=%v % x", more, ack)
	}
	out, overflow := transceive(t, p, readHex(t, "gosmb2_netshareenumall.hex"), 1024)
	frags = 1
	if overflow {
		rest, _ := p.Read(4280 - len(out))
		out = append(out, rest...)
	}
	checkResponse := func(b []byte) {
		if len(b) < 24 || b[0] != 5 || b[1] != 0 || b[2] != ptypeResponse || le.Uint32(b[12:]) != 0x01020305 {
			t.Fatalf("response go-smb2 would reject: % x", b[:min(len(b), 24)])
		}
	}
	checkResponse(out)
	for {
		shares, complete := decodeShareEnum1(out)
		if complete {
			return shares, overflow, frags
		}
		frag, _ := p.Read(4280)
		if frag == nil {
			t.Fatalf("container incomplete after %d bytes and nothing left to read", len(out))
		}
		checkResponse(frag)
		frags++
		out = append(out, frag[24:]...)
	}
}

type share1 struct {
	Name, Comment string
}

// decodeShareEnum1 reads a NetrShareEnum level-1 answer at the offsets
// go-smb2 uses: stub at 24; level, discriminant, container pointer, count
// at 36, array pointer, max count; the 12-byte SHARE_INFO_1 entries from 48;
// then each conformant varying string (max, offset, actual, UTF-16),
// 4-aligned, name and remark alternating.
func decodeShareEnum1(c []byte) ([]share1, bool) {
	if len(c) < 48 || le.Uint32(c[24:]) != 1 {
		return nil, false
	}
	count := int(le.Uint32(c[36:]))
	off := 48 + count*12
	str := func() (string, bool) {
		if len(c) < off+12 {
			return "", false
		}
		noff := int(le.Uint32(c[off+4:]))
		n := int(le.Uint32(c[off+8:])) * 2
		end := off + 12 + noff + n
		if len(c) < end {
			return "", false
		}
		u := make([]uint16, n/2)
		for i := range u {
			u[i] = le.Uint16(c[off+12+noff+2*i:])
		}
		if len(u) > 0 && u[len(u)-1] == 0 {
			u = u[:len(u)-1]
		}
		off = (end + 3) &^ 3
		return string(utf16.Decode(u)), true
	}
	list := make([]share1, count)
	for i := range list {
		var ok bool
		if list[i].Name, ok = str(); !ok {
			return nil, false
		}
		if list[i].Comment, ok = str(); !ok {
			return nil, false
		}
	}
	return list, true
}

func TestGoSMB2ListSharenames(t *testing.T) {
	many := func(n int) []Share {
		var l []Share
		for i := range n {
			l = append(l, Share{Name: fmt.Sprintf("share-number-%04d", i), Comment: strings.Repeat("x", i%40), Type: STypeDiskTree})
		}
		return l
	}
	tests := []struct {
		name         string
		shares       []Share
		wantOverflow bool
		wantFrags    int
	}{
		{"fits in 1024", testShares, false, 1},
		{"overflows 1024", many(20), true, 1},     // READ after STATUS_BUFFER_OVERFLOW
		{"several fragments", many(300), true, 8}, // 4280-byte fragments
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Open("srvsvc", serverWith(tt.shares))
			if err != nil {
				t.Fatal(err)
			}
			got, overflow, frags := listSharenames(t, p)
			if overflow != tt.wantOverflow || frags != tt.wantFrags {
				t.Errorf("overflow %v after %d fragments, want %v after %d", overflow, frags, tt.wantOverflow, tt.wantFrags)
			}
			var want []share1
			for _, s := range tt.shares {
				want = append(want, share1{s.Name, s.Comment})
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v\nwant %v", got, want)
			}
			if b, more := p.Read(4280); b != nil || more {
				t.Errorf("left over after the call: %d bytes", len(b))
			}
		})
	}
}

// TestGoSMB2BindAckBytes pins the whole bind_ack for go-smb2's bind.
func TestGoSMB2BindAckBytes(t *testing.T) {
	p, _ := Open("srvsvc", serverWith(testShares))
	ack, _ := transceive(t, p, readHex(t, "gosmb2_bind.hex"), 4280)
	if len(ack) != 68 {
		t.Fatalf("bind_ack is %d bytes, want 68: % x", len(ack), ack)
	}
	want := mustHex(
		"05000c03100000004400000004030201", // v5.0 bind_ack, first|last, NDR LE, frag 68, call id
		"b810b810",                         // max xmit/recv frag 4280
		"00000000",                         // assoc group, compared below
		"0d005c504950455c73727673766300",   // sec_addr: 13, "\PIPE\srvsvc\0"
		"00",                               // pad to 4
		"01000000",                         // one result
		"00000000",                         // acceptance
		"045d888aeb1cc9119fe808002b10486002000000",
	)
	copy(want[20:24], ack[20:24])
	if le.Uint32(ack[20:]) == 0 {
		t.Error("assoc_group_id is 0")
	}
	if !bytes.Equal(ack, want) {
		t.Errorf("bind_ack\n got % x\nwant % x", ack, want)
	}
}

// TestShareEnumStubBytes pins a NetrShareEnum level-1 answer derived by hand
// from MS-SRVS 3.1.4.8 and NDR (C706 14): one share "a" with remark "".
func TestShareEnumStubBytes(t *testing.T) {
	p, _ := Open("srvsvc", serverWith([]Share{{Name: "a", Type: STypeDiskTree}}))
	transceive(t, p, readHex(t, "gosmb2_bind.hex"), 4280)
	resp, more := transceive(t, p, readHex(t, "gosmb2_netshareenumall.hex"), 4280)
	if more {
		t.Fatal("unexpected overflow")
	}
	stub := mustHex(
		"01000000", "01000000", // Level, union discriminant
		"00000200",             // -> SHARE_INFO_1_CONTAINER
		"01000000", "04000200", // EntriesRead 1, -> Buffer
		"01000000",                         // conformant array max_count
		"08000200", "00000000", "0c000200", // shi1_netname ->, shi1_type, shi1_remark ->
		"02000000", "00000000", "02000000", "61000000", // "a\0"
		"01000000", "00000000", "01000000", "0000", "0000", // "\0" + pad
		"01000000", // TotalEntries
		"00000000", // ResumeHandle NULL (the request's was NULL)
		"00000000", // NERR_Success
	)
	want := append(mustHex(
		"05000203100000000000000005030201", // response, first|last, frag patched below
		"00000000", "0000", "00", "00",     // alloc_hint patched below, context 0, cancel count
	), stub...)
	le.PutUint16(want[8:], uint16(len(want)))
	le.PutUint32(want[16:], uint32(len(stub)))
	if !bytes.Equal(resp, want) {
		t.Errorf("response\n got % x\nwant % x", resp, want)
	}
}

func mustHex(parts ...string) []byte {
	b, err := hex.DecodeString(strings.Join(parts, ""))
	if err != nil {
		panic(err)
	}
	return b
}
