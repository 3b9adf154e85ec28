package smb

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

func TestValidateNegotiateInfo(t *testing.T) {
	req := ValidateNegotiateInfoRequest{Capabilities: CapLargeMTU, Guid: [16]byte{0: 1}, SecurityMode: 1,
		Dialects: []uint16{Dialect202, Dialect210, Dialect300}}
	b := req.AppendTo(nil)
	if want := unhex(t, "04000000 01000000000000000000000000000000 0100 0300 0202 1002 0003"); string(b) != string(want) {
		t.Fatalf("request %x", b)
	}
	var r2 ValidateNegotiateInfoRequest
	if err := r2.Decode(b); err != nil || !reflect.DeepEqual(req, r2) {
		t.Fatalf("request round trip %+v %v", r2, err)
	}
	if err := r2.Decode(b[:len(b)-1]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short dialects: %v", err)
	}
	if err := r2.Decode(b[:20]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short request: %v", err)
	}
	resp := ValidateNegotiateInfoResponse{Capabilities: CapLargeMTU, Guid: [16]byte{15: 2}, SecurityMode: 1, Dialect: Dialect300}
	b = resp.AppendTo(nil)
	if want := unhex(t, "04000000 00000000000000000000000000000002 0100 0003"); string(b) != string(want) {
		t.Fatalf("response %x", b)
	}
	var p2 ValidateNegotiateInfoResponse
	if err := p2.Decode(b); err != nil || p2 != resp {
		t.Fatalf("response round trip %+v %v", p2, err)
	}
}

func TestNetworkInterfaces(t *testing.T) {
	ifs := []NetworkInterface{
		{IfIndex: 1, Capability: InterfaceRSSCapable, LinkSpeed: 10_000_000_000, Addr: netip.MustParseAddr("192.168.1.2")},
		{IfIndex: 2, LinkSpeed: 1_000_000_000, Addr: netip.MustParseAddr("fe80::1")},
	}
	b := AppendNetworkInterfaces(nil, ifs)
	if len(b) != 2*152 {
		t.Fatalf("%d bytes, want 304", len(b))
	}
	// MS-SMB2 2.2.32.5: Next, IfIndex, Capability, Reserved, LinkSpeed, then SOCKADDR_IN: family 2,
	// port 0, the address, 8 reserved bytes.
	want0 := unhex(t, "98000000 01000000 01000000 00000000 00e40b5402000000 0200 0000 c0a80102 0000000000000000")
	if string(b[:len(want0)]) != string(want0) {
		t.Fatalf("IPv4 entry %x", b[:len(want0)])
	}
	// SOCKADDR_IN6: family 0x17, port 0, flow info 0, the address, scope id 0.
	want1 := unhex(t, "00000000 02000000 00000000 00000000 00ca9a3b00000000 1700 0000 00000000 fe800000000000000000000000000001 00000000")
	if string(b[152:152+len(want1)]) != string(want1) {
		t.Fatalf("IPv6 entry %x", b[152:152+len(want1)])
	}
	got, err := DecodeNetworkInterfaces(b)
	if err != nil || !reflect.DeepEqual(got, ifs) {
		t.Fatalf("round trip %+v %v", got, err)
	}
	// An IPv4-mapped IPv6 address goes out as IPv4.
	b = AppendNetworkInterfaces(nil, []NetworkInterface{{Addr: netip.MustParseAddr("::ffff:10.0.0.1")}})
	if b[24] != 2 || string(b[28:32]) != "\x0a\x00\x00\x01" {
		t.Fatalf("mapped address %x", b[24:32])
	}
	for name, bad := range map[string][]byte{
		"short entry": make([]byte, 100),
		"family":      make([]byte, 152),
	} {
		if _, err := DecodeNetworkInterfaces(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestIoctlRequestBuffers(t *testing.T) {
	b := (&IoctlRequest{CtlCode: FsctlValidateNegotiateInfo, Flags: IoctlIsFsctl, Input: []byte{1, 2, 3}}).AppendTo(nil)
	var r IoctlRequest
	// Input count past the end of the message.
	bad := append([]byte(nil), b...)
	bad[28] = 9
	if err := r.Decode(message(Ioctl, bad)); !errors.Is(err, ErrMalformed) {
		t.Errorf("input past the end: %v", err)
	}
	// An output buffer that does not fit is malformed too, though the server does not read it.
	bad = append([]byte(nil), b...)
	bad[36], bad[40] = 0x78, 0x20
	if err := r.Decode(message(Ioctl, bad)); !errors.Is(err, ErrMalformed) {
		t.Errorf("output past the end: %v", err)
	}
}
