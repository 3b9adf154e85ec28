package smb

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// message returns a whole message: a 64-byte header for cmd followed by body.
func message(cmd Command, body []byte) []byte {
	h := Header{Command: cmd}
	return append(h.AppendTo(nil), body...)
}

// unhex decodes hex written with spaces for readability.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var fid = FileID{Persistent: 0x1122334455667788, Volatile: 0x99AABBCCDDEEFF00}

// roundTrips is one value of every type. want, where given, is the body encoding worked out by hand
// from the MS-SMB2 section the type cites; every value must decode back to itself.
var roundTrips = []struct {
	name  string
	cmd   Command
	value wire
	fresh func() wire
	want  string
}{
	{"ErrorResponse/empty", Close, &ErrorResponse{}, func() wire { return new(ErrorResponse) },
		"0900 00 00 00000000 00"},
	{"ErrorResponse/data", Create, &ErrorResponse{ErrorContextCount: 1, ErrorData: []byte{1, 2, 3}},
		func() wire { return new(ErrorResponse) }, "0900 01 00 03000000 010203"},
	{"NegotiateRequest/2.1", Negotiate, &NegotiateRequest{SecurityMode: SecurityModeSigningEnabled, Capabilities: CapLargeMTU,
		ClientGUID: [16]byte{15: 0xAA}, Dialects: []uint16{Dialect202, Dialect210}},
		func() wire { return new(NegotiateRequest) },
		"2400 0200 0100 0000 04000000 000000000000000000000000000000aa 00000000 0000 0000 0202 1002"},
	{"NegotiateRequest/3.1.1", Negotiate, &NegotiateRequest{Dialects: []uint16{Dialect300, Dialect311},
		Contexts: []NegotiateContext{{Type: CtxPreauthIntegrity, Data: []byte{1, 0, 2, 0, 1, 0, 0xA, 0xB}},
			{Type: CtxEncryption, Data: []byte{1, 0, 2, 0}}}},
		func() wire { return new(NegotiateRequest) },
		// Dialects end at 64+36+4 = 104 = 0x68, already 8-aligned; the second context starts at
		// 0x68+8+8 = 0x78.
		"2400 0200 0000 0000 00000000 00000000000000000000000000000000 68000000 0200 0000 0003 1103" +
			"0100 0800 00000000 0100020001000a0b 0200 0400 00000000 01000200"},
	{"NegotiateResponse/3.0.2", Negotiate, &NegotiateResponse{SecurityMode: 1, DialectRevision: Dialect302,
		ServerGUID: [16]byte{0: 1}, Capabilities: CapLargeMTU, MaxTransactSize: 0x100000, MaxReadSize: 0x800000,
		MaxWriteSize: 0x800000, SystemTime: 0x01D0000000000000, SecurityBuffer: []byte{0x60, 0x01},
		Contexts: nil}, func() wire { return new(NegotiateResponse) },
		"4100 0100 0203 0000 01000000000000000000000000000000 04000000 00001000 00008000 00008000" +
			"00000000 0000d001 0000000000000000 8000 0200 00000000 6001"},
	{"NegotiateResponse/3.1.1", Negotiate, &NegotiateResponse{DialectRevision: Dialect311, SecurityBuffer: []byte{0x60, 1, 2},
		Contexts: []NegotiateContext{{Type: CtxPreauthIntegrity, Data: []byte{1, 0, 0, 0, 1, 0}}, {Type: CtxSigning, Data: []byte{1, 0, 1, 0}}}},
		func() wire { return new(NegotiateResponse) },
		// Security buffer at 0x80 for 3 bytes; contexts at 0x88; the second at 0x88+8+6 -> 0x98.
		"4100 0000 1103 0200 00000000000000000000000000000000 00000000 00000000 00000000 00000000" +
			"0000000000000000 0000000000000000 8000 0300 88000000 600102 0000000000" +
			"0100 0600 00000000 010000000100 0000 0800 0400 00000000 01000100"},
	{"SessionSetupRequest", SessionSetup, &SessionSetupRequest{Flags: SessionFlagBinding, SecurityMode: 1, Capabilities: CapDFS,
		Channel: 0, PreviousSessionID: 7, SecurityBuffer: []byte("NTLMSSP\x00")},
		func() wire { return new(SessionSetupRequest) },
		"1900 01 01 01000000 00000000 5800 0800 0700000000000000 4e544c4d53535000"},
	{"SessionSetupResponse", SessionSetup, &SessionSetupResponse{SessionFlags: SessionFlagIsGuest, SecurityBuffer: []byte{0xA1}},
		func() wire { return new(SessionSetupResponse) }, "0900 0100 4800 0100 a1"},
	{"LogoffRequest", Logoff, &LogoffRequest{}, func() wire { return new(LogoffRequest) }, "0400 0000"},
	{"LogoffResponse", Logoff, &LogoffResponse{}, func() wire { return new(LogoffResponse) }, "0400 0000"},
	{"EchoRequest", Echo, &EchoRequest{}, func() wire { return new(EchoRequest) }, "0400 0000"},
	{"EchoResponse", Echo, &EchoResponse{}, func() wire { return new(EchoResponse) }, "0400 0000"},
	{"TreeDisconnectRequest", TreeDisconnect, &TreeDisconnectRequest{}, func() wire { return new(TreeDisconnectRequest) }, "0400 0000"},
	{"TreeDisconnectResponse", TreeDisconnect, &TreeDisconnectResponse{}, func() wire { return new(TreeDisconnectResponse) }, "0400 0000"},
	{"CancelRequest", Cancel, &CancelRequest{}, func() wire { return new(CancelRequest) }, "0400 0000"},
	{"TreeConnectRequest", TreeConnect, &TreeConnectRequest{Path: `\\h\s`}, func() wire { return new(TreeConnectRequest) },
		"0900 0000 4800 0a00 5c005c0068005c007300"},
	{"TreeConnectResponse", TreeConnect, &TreeConnectResponse{ShareType: ShareTypeDisk, ShareFlags: ShareFlagNoCaching,
		Capabilities: CapShareDFS, MaximalAccess: 0x001F01FF}, func() wire { return new(TreeConnectResponse) },
		"1000 01 00 30000000 08000000 ff011f00"},
	{"CreateRequest/plain", Create, &CreateRequest{RequestedOplockLevel: OplockLevelBatch, ImpersonationLevel: ImpersonationImpersonation,
		DesiredAccess: GenericRead, FileAttributes: 0x80, ShareAccess: FileShareRead | FileShareWrite,
		CreateDisposition: FileOpenIf, CreateOptions: FileNonDirectoryFile, Name: `a\é`},
		func() wire { return new(CreateRequest) },
		"3900 00 09 02000000 0000000000000000 0000000000000000 00000080 80000000 03000000 03000000 40000000" +
			"7800 0600 00000000 00000000 61005c00e900"},
	{"CreateRequest/root", Create, &CreateRequest{CreateDisposition: FileOpen, CreateOptions: FileDirectoryFile},
		func() wire { return new(CreateRequest) },
		"3900 00 00 00000000 0000000000000000 0000000000000000 00000000 00000000 00000000 01000000 01000000" +
			"7800 0000 00000000 00000000 00"},
	{"CreateRequest/contexts", Create, &CreateRequest{Name: "f", Contexts: []CreateContext{
		{Name: CreateCtxMaximalAccess}, {Name: CreateCtxQueryOnDiskID}, {Name: CreateCtxDurableHandleRequest, Data: make([]byte, 16)}}},
		func() wire { return new(CreateRequest) },
		// Name "f" at 0x78 (2 bytes); contexts at 0x80 (8-aligned), 24+24+40 = 0x58 bytes.
		"3900 00 00 00000000 0000000000000000 0000000000000000 00000000 00000000 00000000 00000000 00000000" +
			"7800 0200 80000000 58000000 6600 000000000000" +
			"18000000 1000 0400 0000 0000 00000000 4d784163 00000000" +
			"18000000 1000 0400 0000 0000 00000000 51466964 00000000" +
			"00000000 1000 0400 0000 1800 10000000 44486e51 00000000 00000000000000000000000000000000"},
	{"CreateResponse", Create, &CreateResponse{OplockLevel: OplockLevelII, CreateAction: FileCreated, OpenAttributes: OpenAttributes{CreationTime: 1,
		LastAccessTime: 2, LastWriteTime: 3, ChangeTime: 4, AllocationSize: 4096, EndOfFile: 6, FileAttributes: 0x20}, FileID: fid,
		Contexts: []CreateContext{{Name: CreateCtxMaximalAccess, Data: (&MaximalAccessResponse{MaximalAccess: 0x1F01FF}).AppendTo(nil)}}},
		func() wire { return new(CreateResponse) },
		"5900 01 00 02000000 0100000000000000 0200000000000000 0300000000000000 0400000000000000" +
			"0010000000000000 0600000000000000 20000000 00000000 8877665544332211 00ffeeddccbbaa99 98000000 20000000" +
			"00000000 1000 0400 0000 1800 08000000 4d784163 00000000 00000000 ff011f00"},
	{"CloseRequest", Close, &CloseRequest{Flags: ClosePostQueryAttrib, FileID: fid}, func() wire { return new(CloseRequest) },
		"1800 0100 00000000 8877665544332211 00ffeeddccbbaa99"},
	{"CloseResponse", Close, &CloseResponse{Flags: ClosePostQueryAttrib, OpenAttributes: OpenAttributes{CreationTime: 1, LastAccessTime: 2,
		LastWriteTime: 3, ChangeTime: 4, AllocationSize: 5, EndOfFile: 6, FileAttributes: 0x10}}, func() wire { return new(CloseResponse) },
		"3c00 0100 00000000 0100000000000000 0200000000000000 0300000000000000 0400000000000000 0500000000000000 0600000000000000 10000000"},
	{"FlushRequest", Flush, &FlushRequest{FileID: fid}, func() wire { return new(FlushRequest) },
		"1800 0000 00000000 8877665544332211 00ffeeddccbbaa99"},
	{"FlushResponse", Flush, &FlushResponse{}, func() wire { return new(FlushResponse) }, "0400 0000"},
	{"ReadRequest", Read, &ReadRequest{Padding: 0x50, Length: 0x10000, Offset: 0x20000, FileID: fid, MinimumCount: 1},
		func() wire { return new(ReadRequest) },
		"3100 50 00 00000100 0000020000000000 8877665544332211 00ffeeddccbbaa99 01000000 00000000 00000000 0000 0000 00"},
	{"WriteRequest", Write, &WriteRequest{DataOffset: 0x70, Length: 3, Offset: 9, FileID: fid, Flags: WriteFlagWriteThrough, Data: []byte("abc")},
		func() wire { return new(WriteRequest) },
		"3100 7000 03000000 0900000000000000 8877665544332211 00ffeeddccbbaa99 00000000 00000000 0000 0000 01000000 616263"},
	{"WriteResponse", Write, &WriteResponse{Count: 3}, func() wire { return new(WriteResponse) },
		"1100 0000 03000000 00000000 0000 0000"},
	{"LockRequest", Lock, &LockRequest{LockSequence: 0x21, FileID: fid, Locks: []LockElement{
		{Offset: 1, Length: 2, Flags: LockFlagExclusive | LockFlagFailImmediately}, {Offset: 3, Length: 4, Flags: LockFlagUnlock}}},
		func() wire { return new(LockRequest) },
		"3000 0200 21000000 8877665544332211 00ffeeddccbbaa99" +
			"0100000000000000 0200000000000000 12000000 00000000 0300000000000000 0400000000000000 04000000 00000000"},
	{"LockResponse", Lock, &LockResponse{}, func() wire { return new(LockResponse) }, "0400 0000"},
	{"IoctlRequest", Ioctl, &IoctlRequest{CtlCode: FsctlPipeTransceive, FileID: fid, MaxOutputResponse: 1024,
		Flags: IoctlIsFsctl, Input: []byte{5, 0, 0, 3}}, func() wire { return new(IoctlRequest) },
		"3900 0000 17c01100 8877665544332211 00ffeeddccbbaa99 78000000 04000000 00000000 00000000 00000000 00040000 01000000 00000000 05000003"},
	{"IoctlResponse", Ioctl, &IoctlResponse{CtlCode: FsctlPipeTransceive, FileID: fid, Output: []byte{1, 2}},
		func() wire { return new(IoctlResponse) },
		"3100 0000 17c01100 8877665544332211 00ffeeddccbbaa99 70000000 00000000 70000000 02000000 00000000 00000000 0102"},
	{"IoctlResponse/input", Ioctl, &IoctlResponse{CtlCode: FsctlSrvCopychunk, FileID: fid, Input: []byte{9}, Output: []byte{1, 2}},
		func() wire { return new(IoctlResponse) },
		"3100 0000 f2401400 8877665544332211 00ffeeddccbbaa99 70000000 01000000 78000000 02000000 00000000 00000000 09 00000000000000 0102"},
	{"QueryDirectoryRequest", QueryDirectory, &QueryDirectoryRequest{FileInformationClass: 37, Flags: RestartScans, FileID: fid,
		OutputBufferLength: 0x10000, FileName: "*"}, func() wire { return new(QueryDirectoryRequest) },
		"2100 25 01 00000000 8877665544332211 00ffeeddccbbaa99 6000 0200 00000100 2a00"},
	{"QueryDirectoryResponse", QueryDirectory, &QueryDirectoryResponse{Buffer: []byte{1, 2, 3}},
		func() wire { return new(QueryDirectoryResponse) }, "0900 4800 03000000 010203"},
	{"ChangeNotifyRequest", ChangeNotify, &ChangeNotifyRequest{Flags: WatchTree, OutputBufferLength: 4096, FileID: fid,
		CompletionFilter: NotifyChangeFileName | NotifyChangeDirName}, func() wire { return new(ChangeNotifyRequest) },
		"2000 0100 00100000 8877665544332211 00ffeeddccbbaa99 03000000 00000000"},
	{"ChangeNotifyResponse", ChangeNotify, &ChangeNotifyResponse{Buffer: []byte{7}},
		func() wire { return new(ChangeNotifyResponse) }, "0900 4800 01000000 07"},
	{"QueryInfoRequest", QueryInfo, &QueryInfoRequest{InfoType: InfoFile, FileInfoClass: 18, OutputBufferLength: 0x1000, FileID: fid},
		func() wire { return new(QueryInfoRequest) },
		"2900 01 12 00100000 0000 0000 00000000 00000000 00000000 8877665544332211 00ffeeddccbbaa99 00"},
	{"QueryInfoRequest/input", QueryInfo, &QueryInfoRequest{InfoType: InfoQuota, OutputBufferLength: 8, Input: []byte{1, 2},
		AdditionalInformation: 1, Flags: SLRestartScan, FileID: fid}, func() wire { return new(QueryInfoRequest) },
		"2900 04 00 08000000 6800 0000 02000000 01000000 01000000 8877665544332211 00ffeeddccbbaa99 0102"},
	{"QueryInfoResponse", QueryInfo, &QueryInfoResponse{Buffer: []byte{1, 2}}, func() wire { return new(QueryInfoResponse) },
		"0900 4800 02000000 0102"},
	{"QueryInfoResponse/empty", QueryInfo, &QueryInfoResponse{}, func() wire { return new(QueryInfoResponse) },
		"0900 4800 00000000"},
	{"SetInfoRequest", SetInfo, &SetInfoRequest{InfoType: InfoFile, FileInfoClass: 20, Buffer: []byte{0, 1, 0, 0, 0, 0, 0, 0}, FileID: fid},
		func() wire { return new(SetInfoRequest) },
		"2100 01 14 08000000 6000 0000 00000000 8877665544332211 00ffeeddccbbaa99 0001000000000000"},
	{"SetInfoResponse", SetInfo, &SetInfoResponse{}, func() wire { return new(SetInfoResponse) }, "0200"},
	{"OplockBreakAck", OplockBreak, &OplockBreakAck{OplockLevel: OplockLevelII, FileID: fid}, func() wire { return new(OplockBreakAck) },
		"1800 01 00 00000000 8877665544332211 00ffeeddccbbaa99"},
	{"LeaseBreakAck", OplockBreak, &LeaseBreakAck{LeaseKey: [16]byte{0: 1, 15: 2}, LeaseState: 1, LeaseDuration: 0},
		func() wire { return new(LeaseBreakAck) },
		"2400 0000 00000000 01000000000000000000000000000002 01000000 0000000000000000"},
}

// noBody is the ReadResponse case: AppendTo writes the fixed part, the test appends the data.
func TestReadResponse(t *testing.T) {
	r := ReadResponse{DataLength: 3, DataRemaining: 0, Flags: 0}
	b := r.AppendTo(nil)
	if want := unhex(t, "1100 50 00 03000000 00000000 00000000"); !bytes.Equal(b, want) {
		t.Fatalf("AppendTo = %x, want %x", b, want)
	}
	if len(b) != ReadResponseFixedSize {
		t.Fatalf("fixed part is %d bytes", len(b))
	}
	var got ReadResponse
	if err := got.Decode(message(Read, append(b, "xyz"...))); err != nil {
		t.Fatal(err)
	}
	if got.DataOffset != 0x50 || string(got.Data) != "xyz" || got.DataLength != 3 {
		t.Fatalf("Decode = %+v", got)
	}
	if err := got.Decode(message(Read, append(b, "xy"...))); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short data: %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range roundTrips {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.value.AppendTo(nil)
			if tc.want != "" {
				if want := unhex(t, tc.want); !bytes.Equal(b, want) {
					t.Fatalf("AppendTo\n got %x\nwant %x", b, want)
				}
			}
			// Appending after existing bytes must give the same encoding: offsets never depend on b.
			if b2 := tc.value.AppendTo([]byte("prefix")); !bytes.Equal(b2[6:], b) {
				t.Fatalf("AppendTo depends on the buffer's prefix")
			}
			got := tc.fresh()
			if err := got.Decode(message(tc.cmd, b)); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, tc.value) {
				t.Fatalf("Decode\n got %+v\nwant %+v", got, tc.value)
			}
		})
	}
}

// TestTruncated cuts every encoding short and corrupts its StructureSize: decoding must fail with
// ErrMalformed (or ErrInvalidName for a name cut in half) and never panic.
func TestTruncated(t *testing.T) {
	for _, tc := range roundTrips {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.value.AppendTo(nil)
			msg := message(tc.cmd, b)
			for n := 0; n < len(msg); n++ {
				err := tc.fresh().Decode(msg[:n])
				if n < HeaderSize+2 && err == nil {
					t.Fatalf("Decode of %d bytes succeeded", n)
				}
				if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrInvalidName) {
					t.Fatalf("Decode of %d bytes: %v", n, err)
				}
			}
			bad := bytes.Clone(msg)
			bad[HeaderSize]++
			if err := tc.fresh().Decode(bad); !errors.Is(err, ErrMalformed) {
				t.Fatalf("wrong StructureSize: %v", err)
			}
		})
	}
}
