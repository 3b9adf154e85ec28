package dcerpc

import (
	"bytes"
	"testing"
)

// TestStubs pins the answers to srvsvc calls by their stubs. Each want is the stub smbd 4.17
// sent a plain user for the same request, except for its referent ids (smbd's first is 0x00020004,
// ours 0x00020000; any non-zero id is valid, C706 14.3.10) and where a comment says otherwise.
func TestStubs(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   uint16
		req  []byte
		want []byte
	}{
		{"NetrSessionEnum level 1", 12,
			mustHex("00000000", "00000000", "00000000", "01000000", "01000000", "00000200", "00000000", "00000000", "ffffffff", "00000000"),
			// Level, discriminant, -> container {EntriesRead 0, Buffer NULL}, TotalEntries 0, ResumeHandle NULL, ERROR_ACCESS_DENIED
			mustHex("01000000", "01000000", "00000200", "00000000", "00000000", "00000000", "00000000", "05000000")},
		{"NetrSessionEnum level 502, resume handle 7", 12,
			mustHex("00000000", "00000000", "00000000", "f6010000", "f6010000", "00000200", "00000000", "00000000", "ffffffff", "04000200", "07000000"),
			mustHex("f6010000", "f6010000", "00000200", "00000000", "00000000", "00000000", "04000200", "07000000", "05000000")},
		{"NetrSessionEnum level 3, no arm", 12,
			mustHex("00000000", "00000000", "00000000", "03000000", "03000000", "ffffffff", "00000000"),
			mustHex("03000000", "03000000", "00000000", "00000000", "05000000")},
		{"NetrSessionEnum NULL container", 12,
			mustHex("00000000", "00000000", "00000000", "01000000", "01000000", "00000000", "ffffffff", "00000000"),
			mustHex("01000000", "01000000", "00000000", "00000000", "00000000", "05000000")},
		{"NetrConnectionEnum level 1 on share", 8,
			append(append(mustHex("00000000", "00000200"), nameStub("share")...),
				mustHex("01000000", "01000000", "04000200", "00000000", "00000000", "ffffffff", "00000000")...),
			mustHex("01000000", "01000000", "00000200", "00000000", "00000000", "00000000", "00000000", "05000000")},
		// impacket sends an empty array where Windows sends NULL; smbd gives it back.
		{"NetrConnectionEnum empty array", 8,
			append(append(mustHex("00000000", "00000200"), nameStub("IPC$")...),
				mustHex("0000", "01000000", "01000000", "04000200", "00000000", "08000200", "00000000", "ffffffff", "0c000200", "00000000")...),
			mustHex("01000000", "01000000", "00000200", "00000000", "04000200", "00000000", "00000000", "08000200", "00000000", "05000000")},
		{"NetrConnectionEnum level 2, no arm", 8,
			mustHex("00000000", "00000000", "02000000", "02000000", "ffffffff", "00000000"),
			mustHex("02000000", "02000000", "00000000", "00000000", "05000000")},
		{"NetrFileEnum level 3", 9,
			mustHex("00000000", "00000000", "00000000", "03000000", "03000000", "00000200", "00000000", "00000000", "ffffffff", "04000200", "09000000"),
			mustHex("03000000", "03000000", "00000200", "00000000", "00000000", "00000000", "04000200", "09000000", "05000000")},
		{"NetrFileEnum level 2: Samba lists level 3 only", 9,
			mustHex("00000000", "00000000", "00000000", "02000000", "02000000", "00000200", "00000000", "00000000", "ffffffff", "00000000"),
			mustHex("02000000", "02000000", "00000200", "00000000", "00000000", "00000000", "00000000", "7c000000")},
		{"NetrFileEnum level 1, no arm", 9,
			mustHex("00000000", "00000000", "00000000", "01000000", "01000000", "ffffffff", "00000000"),
			mustHex("01000000", "01000000", "00000000", "00000000", "7c000000")},
		{"NetrServerDiskEnum", 23,
			mustHex("00000000", "00000000", "00000000", "00000000", "ffffffff", "00000000"),
			mustHex("02000000", "00000200", // EntriesRead 2, -> Buffer
				"02000000", "00000000", "02000000", // max_count, offset, actual_count
				"00000000", "03000000", "43003a00", "0000", "0000", // "C:\0" + pad
				"00000000", "01000000", "0000", "0000", // "\0" + pad
				"01000000", "00000000", "00000000")}, // TotalEntries 1, ResumeHandle NULL, NERR_Success
		// smbd would list only the empty name here, resuming after C:; MS-SRVS has the server
		// ignore the resume handle.
		{"NetrServerDiskEnum resume handle 5", 23,
			mustHex("00000000", "00000000", "00000000", "00000000", "ffffffff", "00000200", "05000000"),
			mustHex("02000000", "00000200", "02000000", "00000000", "02000000",
				"00000000", "03000000", "43003a00", "0000", "0000",
				"00000000", "01000000", "0000", "0000",
				"01000000", "04000200", "01000000", "00000000")},
		// smbd ignores the level and lists C:; MS-SRVS allows level 0 only.
		{"NetrServerDiskEnum level 1", 23,
			mustHex("00000000", "01000000", "00000000", "00000000", "ffffffff", "00000000"),
			mustHex("00000000", "00000000", "00000000", "00000000", "7c000000")},
		{"NetrShareGetInfo level 1005", 16, getInfoStub("public", 1005),
			mustHex("ed030000", "00000200", "00000000", "00000000")}, // Level, -> SHARE_INFO_1005 {flags 0}, NERR_Success
		{"NetrShareGetInfo level 1006", 16, getInfoStub("public", 1006),
			mustHex("ee030000", "00000200", "ffffffff", "00000000")},
		{"NetrShareGetInfo level 1004", 16, getInfoStub("hidden$", 1004),
			mustHex("ec030000", "00000200", "04000200", "01000000", "00000000", "01000000", "0000", "0000", "00000000")},
		{"NetrShareGetInfo level 502", 16, getInfoStub("hidden$", 502),
			mustHex("f6010000", "00000200",
				"04000200", "00000080", "08000200", // netname ->, STYPE_DISKTREE|STYPE_SPECIAL, remark ->
				"00000000", "ffffffff", "00000000", // permissions, max_uses, current_uses (smbd: 1, counting its connections)
				"0c000200", "00000000", // path ->, passwd NULL (smbd: -> "")
				"00000000", "00000000", // reserved, security_descriptor NULL
				"08000000", "00000000", "08000000", "680069006400640065006e0024000000", // "hidden$"
				"01000000", "00000000", "01000000", "0000", "0000", // ""
				"0e000000", "00000000", "0e000000", "43003a005c007300720076005c00680069006400640065006e000000", // C:\srv\hidden
				"00000000")},
		// Levels the union has no arm for are the discriminant alone.
		{"NetrShareGetInfo level 500", 16, getInfoStub("public", 500), mustHex("f4010000", "7c000000")},
		// MS-SRVS's union has an arm for 503, Samba's none: smbd sends no NULL pointer.
		{"NetrShareGetInfo level 503", 16, getInfoStub("public", 503), mustHex("f7010000", "00000000", "7c000000")},
		// MS-SRVS 3.1.4.10's NERR_NetNameNotFound; smbd answers ERROR_INVALID_NAME (0x7b).
		{"NetrShareGetInfo missing share", 16, getInfoStub("nosuch", 1005), mustHex("ed030000", "00000000", "06090000")},
	} {
		t.Run(tc.name, func(t *testing.T) { checkStub(t, srvsvcInterface, tc.op, tc.req, tc.want) })
	}
}

// TestWkssvcStubs is TestStubs for wkssvc; NetrWkstaGetInfo level 100 is TestWkssvc's.
func TestWkssvcStubs(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   uint16
		req  []byte
		want []byte
	}{
		{"NetrWkstaGetInfo level 101", 0, mustHex("00000000", "65000000"),
			mustHex("65000000", "00000200", "f4010000", "04000200", "08000200", "06000000", "01000000", "0c000200",
				"06000000", "00000000", "06000000", "5a0053004d0042004400", "0000", // ZSMBD
				"0a000000", "00000000", "0a000000", "57004f0052004b00470052004f0055005000", "0000", // WORKGROUP
				"01000000", "00000000", "01000000", "0000", "0000", // lanroot ""
				"00000000")},
		{"NetrWkstaGetInfo level 102", 0, mustHex("00000000", "66000000"), mustHex("66000000", "00000000", "05000000")},
		{"NetrWkstaUserEnum level 0", 2,
			mustHex("00000000", "00000000", "00000000", "00000200", "00000000", "00000000", "ffffffff", "00000000"),
			mustHex("00000000", "00000000", "00000200", "00000000", "00000000", "00000000", "00000000", "05000000")},
	} {
		t.Run(tc.name, func(t *testing.T) { checkStub(t, wkssvcInterface, tc.op, tc.req, tc.want) })
	}
}

// checkStub runs opnum op of in on req and compares the response stub with want.
func checkStub(t *testing.T, in *iface, op uint16, req, want []byte) {
	t.Helper()
	f := in.ops[op]
	if f == nil {
		t.Fatalf("opnum %d not served", op)
	}
	r, w := &ndrReader{b: req}, &ndrWriter{}
	f(serverWith(testShares), r, w)
	if r.err != nil {
		t.Fatalf("request stub: %v", r.err)
	}
	if !bytes.Equal(w.b, want) {
		t.Errorf("response stub\n got % x\nwant % x", w.b, want)
	}
}

// TestSrvsvcAdminCallsBadStub checks that input arrays, which no client sends, and truncated stubs
// fault instead of being misread.
func TestSrvsvcAdminCallsBadStub(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   uint16
		req  []byte
	}{
		{"NetrSessionEnum input array", 12, mustHex("00000000", "00000000", "00000000", "00000000", "00000000", "00000200", "01000000", "04000200", "01000000", "08000200", "ffffffff", "00000000")},
		{"NetrSessionEnum discriminant differs", 12, mustHex("00000000", "00000000", "00000000", "01000000", "00000000", "00000200", "00000000", "00000000", "ffffffff", "00000000")},
		{"NetrFileEnum truncated", 9, mustHex("00000000", "00000000", "00000000", "03000000", "03000000")},
		{"NetrServerDiskEnum input buffer", 23, mustHex("00000000", "00000000", "01000000", "00000200", "ffffffff", "00000000")},
		{"NetrServerDiskEnum truncated", 23, mustHex("00000000", "00000000", "00000000")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, w := &ndrReader{b: tc.req}, &ndrWriter{}
			srvsvcInterface.ops[tc.op](serverWith(testShares), r, w)
			if r.err == nil {
				t.Errorf("decoded; answered % x", w.b)
			}
		})
	}
}

// getInfoStub is a NetrShareGetInfo request: ServerName NULL, NetName, Level.
func getInfoStub(share string, level uint32) []byte {
	w := &ndrWriter{}
	w.u32(0)
	w.str(share)
	w.u32(level)
	return w.b
}

// nameStub is s as a conformant varying string, the way a [string] WCHAR* pointee is sent.
func nameStub(s string) []byte {
	w := &ndrWriter{}
	w.str(s)
	return w.b
}
