package dcerpc

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

var (
	srvsvcSyntax = srvsvcInterface.syntax
	wkssvcSyntax = wkssvcInterface.syntax
	ndr64Syntax  = mustSyntax("71710533-beba-4937-8319-b5dbef9ccc36", 1, 0)
)

func featureSyntax(bits byte) syntaxID {
	s := mustSyntax("6cb71c2c-9812-4540-0000-000000000000", 1, 0)
	s.UUID[8] = bits
	return s
}

// bindPDU builds a bind (or alter_context) PDU as a client would.
func bindPDU(ptype uint8, callID uint32, xmit, recv uint16, ctxs ...contextElem) []byte {
	b, start := startPDU(nil, ptype, pfcFirstFrag|pfcLastFrag, callID, 0)
	m := bind{MaxXmitFrag: xmit, MaxRecvFrag: recv, Contexts: ctxs}
	return finishPDU(m.AppendTo(b), start)
}

func ctx(id uint16, abstract syntaxID, transfers ...syntaxID) contextElem {
	return contextElem{ContextID: id, Abstract: abstract, Transfers: transfers}
}

// requestPDU builds a request PDU as a client would.
func requestPDU(callID uint32, flags uint8, ctxID, opnum uint16, stub []byte) []byte {
	b, start := startPDU(nil, ptypeRequest, flags, callID, 0)
	b = le.AppendUint32(b, uint32(len(stub)))
	b = le.AppendUint16(b, ctxID)
	b = le.AppendUint16(b, opnum)
	return finishPDU(append(b, stub...), start)
}

func mustWrite(t *testing.T, p *Pipe, b []byte) {
	t.Helper()
	if err := p.Write(b); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// readPDU reads one whole queued PDU.
func readPDU(t *testing.T, p *Pipe) []byte {
	t.Helper()
	b, more := p.Read(1 << 16)
	if more {
		t.Fatal("PDU longer than 64 KiB")
	}
	if b == nil {
		t.Fatal("nothing queued")
	}
	return b
}

func boundPipe(t *testing.T, name string, srv *Server, xmit, recv uint16) *Pipe {
	t.Helper()
	p, err := Open(name, srv)
	if err != nil {
		t.Fatal(err)
	}
	sx := srvsvcSyntax
	if name == "wkssvc" {
		sx = wkssvcSyntax
	}
	mustWrite(t, p, bindPDU(ptypeBind, 1, xmit, recv, ctx(0, sx, ndrSyntax)))
	if ack := readPDU(t, p); ack[2] != ptypeBindAck {
		t.Fatalf("bind answered with type %d", ack[2])
	}
	return p
}

func TestOpen(t *testing.T) {
	for _, name := range []string{"srvsvc", "SRVSVC", `\PIPE\srvsvc`, `\pipe\WksSvc`, "wkssvc", `\\PIPE\srvsvc`} {
		if _, err := Open(name, nil); err != nil {
			t.Errorf("Open(%q): %v", name, err)
		}
	}
	for _, name := range []string{"lsarpc", "", `\PIPE\`, "srvsvc2", `PIPE\lsarpc`} {
		if _, err := Open(name, nil); !errors.Is(err, ErrNoSuchPipe) {
			t.Errorf("Open(%q) = %v, want ErrNoSuchPipe", name, err)
		}
	}
	if got := PipeNames(); !reflect.DeepEqual(got, []string{"srvsvc", "wkssvc"}) {
		t.Errorf("PipeNames() = %q", got)
	}
}

func TestBindResults(t *testing.T) {
	accept := contextResult{Result: resultAcceptance, Transfer: ndrSyntax}
	noTransfer := contextResult{Result: resultProviderRejection, Reason: reasonTransferSyntaxNotSupported}
	noAbstract := contextResult{Result: resultProviderRejection, Reason: reasonAbstractSyntaxNotSupported}
	newer := srvsvcSyntax
	newer.VersionMinor = 1
	older := srvsvcSyntax
	older.Version = 2
	tests := []struct {
		name string
		ctxs []contextElem
		want []contextResult
	}{
		{"ndr", []contextElem{ctx(0, srvsvcSyntax, ndrSyntax)}, []contextResult{accept}},
		{"ndr64 only", []contextElem{ctx(0, srvsvcSyntax, ndr64Syntax)}, []contextResult{noTransfer}},
		{"ndr64 then ndr in one context", []contextElem{ctx(0, srvsvcSyntax, ndr64Syntax, ndrSyntax)}, []contextResult{accept}},
		{"other interface", []contextElem{ctx(0, wkssvcSyntax, ndrSyntax)}, []contextResult{noAbstract}},
		{"newer minor version", []contextElem{ctx(0, newer, ndrSyntax)}, []contextResult{noAbstract}},
		{"other major version", []contextElem{ctx(0, older, ndrSyntax)}, []contextResult{noAbstract}},
		// What Windows clients send: NDR, NDR64 and the feature negotiation
		// pseudo syntax, one context each (MS-RPCE 3.3.1.5.3, 3.3.1.5.6).
		{"windows style", []contextElem{
			ctx(0, srvsvcSyntax, ndrSyntax),
			ctx(1, srvsvcSyntax, ndr64Syntax),
			ctx(2, srvsvcSyntax, featureSyntax(0x03)),
		}, []contextResult{accept, noTransfer, {Result: resultNegotiateAck, Reason: featureKeepConnectionOnOrphan}}},
		{"feature multiplexing only", []contextElem{ctx(0, srvsvcSyntax, ndrSyntax), ctx(1, srvsvcSyntax, featureSyntax(0x01))},
			[]contextResult{accept, {Result: resultNegotiateAck, Reason: 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := Open("srvsvc", nil)
			mustWrite(t, p, bindPDU(ptypeBind, 7, 5840, 5840, tt.ctxs...))
			pdu := readPDU(t, p)
			var ack bindAck
			if err := ack.decode(pdu); err != nil {
				t.Fatal(err)
			}
			if pdu[2] != ptypeBindAck || le.Uint32(pdu[12:]) != 7 || int(le.Uint16(pdu[8:])) != len(pdu) {
				t.Errorf("header % x", pdu[:16])
			}
			if !reflect.DeepEqual(ack.Results, tt.want) {
				t.Errorf("results %+v\nwant %+v", ack.Results, tt.want)
			}
			if ack.MaxXmitFrag != maxFragLen || ack.MaxRecvFrag != maxFragLen || ack.SecondaryAddr != `\PIPE\srvsvc` {
				t.Errorf("ack %+v", ack)
			}
		})
	}
}

func TestAlterContext(t *testing.T) {
	p := boundPipe(t, "srvsvc", serverWith(testShares), 4280, 4280)
	mustWrite(t, p, bindPDU(ptypeAlterContext, 2, 4280, 4280, ctx(5, srvsvcSyntax, ndrSyntax)))
	pdu := readPDU(t, p)
	if pdu[2] != ptypeAlterContextResp {
		t.Fatalf("type %d", pdu[2])
	}
	var ack bindAck
	if err := ack.decode(pdu); err != nil {
		t.Fatal(err)
	}
	// alter_context_resp carries an empty secondary address (length 0),
	// like Windows and Samba.
	if ack.SecondaryAddr != "" || le.Uint16(pdu[24:]) != 0 || len(ack.Results) != 1 || ack.Results[0].Result != resultAcceptance {
		t.Errorf("alter_context_resp % x", pdu)
	}
	mustWrite(t, p, requestPDU(3, pfcFirstFrag|pfcLastFrag, 5, 21, mustHex("00000000", "64000000")))
	if resp := readPDU(t, p); resp[2] != ptypeResponse || le.Uint16(resp[20:]) != 5 {
		t.Errorf("request on context 5: % x", resp)
	}
}

func TestBindNak(t *testing.T) {
	ndr := ctx(0, srvsvcSyntax, ndrSyntax)
	withAuth := bindPDU(ptypeBind, 9, 4280, 4280, ndr)
	withAuth = append(withAuth, 10, 2, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4) // sec_trailer (NTLM, connect) + 4 auth bytes
	le.PutUint16(withAuth[8:], uint16(len(withAuth)))
	le.PutUint16(withAuth[10:], 4)
	bigEndian := bindPDU(ptypeBind, 9, 4280, 4280, ndr)
	bigEndian[4] = 0
	tests := []struct {
		name   string
		before []byte
		bind   []byte
		reason uint16
	}{
		{"second bind", bindPDU(ptypeBind, 8, 4280, 4280, ndr), bindPDU(ptypeBind, 9, 4280, 4280, ndr), rejectReasonNotSpecified},
		{"authenticated", nil, withAuth, rejectAuthTypeNotRecognized},
		{"no contexts", nil, bindPDU(ptypeBind, 9, 4280, 4280), rejectReasonNotSpecified},
		{"big-endian", nil, bigEndian, rejectReasonNotSpecified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := Open("srvsvc", nil)
			if tt.before != nil {
				mustWrite(t, p, tt.before)
				readPDU(t, p)
			}
			mustWrite(t, p, tt.bind)
			got := readPDU(t, p)
			want := mustHex("05000d03100000001800000009000000", "0000", "010500", "000000") // padded to 4
			le.PutUint16(want[16:], tt.reason)
			if !bytes.Equal(got, want) {
				t.Errorf("bind_nak\n got % x\nwant % x", got, want)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	getInfo100 := mustHex("00000000", "64000000") // ServerName NULL, Level 100
	tests := []struct {
		name   string
		bind   bool
		pdu    []byte
		flags  uint8
		status uint32
	}{
		{"request before bind", false, requestPDU(4, pfcFirstFrag|pfcLastFrag, 0, 21, getInfo100), pfcDidNotExecute, ncaUnknownIf},
		{"unknown context", true, requestPDU(4, pfcFirstFrag|pfcLastFrag, 3, 21, getInfo100), pfcDidNotExecute, ncaUnknownIf},
		{"unknown opnum", true, requestPDU(4, pfcFirstFrag|pfcLastFrag, 0, 99, nil), pfcDidNotExecute, ncaOpRangeError},
		{"truncated stub", true, requestPDU(4, pfcFirstFrag|pfcLastFrag, 0, 21, getInfo100[:6]), 0, faultBadStubData},
		{"dangling string", true, requestPDU(4, pfcFirstFrag|pfcLastFrag, 0, 16, mustHex("00000000", "ffffff7f00000000ffffff7f")), 0, faultBadStubData},
		{"alter_context before bind", false, bindPDU(ptypeAlterContext, 4, 4280, 4280, ctx(0, srvsvcSyntax, ndrSyntax)), pfcDidNotExecute, ncaProtoError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p *Pipe
			if tt.bind {
				p = boundPipe(t, "srvsvc", serverWith(testShares), 4280, 4280)
			} else {
				p, _ = Open("srvsvc", serverWith(testShares))
			}
			mustWrite(t, p, tt.pdu)
			got := readPDU(t, p)
			want := mustHex("05000303100000002000000004000000", "00000000", "0000", "0000", "00000000", "00000000")
			want[3] |= tt.flags
			le.PutUint16(want[20:], le.Uint16(tt.pdu[20:])) // p_cont_id echoed
			if tt.pdu[2] != ptypeRequest {
				le.PutUint16(want[20:], 0)
			}
			le.PutUint32(want[24:], tt.status)
			if !bytes.Equal(got, want) {
				t.Errorf("fault\n got % x\nwant % x", got, want)
			}
		})
	}
}

// TestRequestSplit feeds go-smb2's request as three request fragments
// (PFC_FIRST_FRAG, none, PFC_LAST_FRAG), each written one byte at a time,
// and expects the same answer as for the single PDU.
func TestRequestSplit(t *testing.T) {
	whole := readHex(t, "gosmb2_netshareenumall.hex")
	stub := whole[24:]
	p := boundPipe(t, "srvsvc", serverWith(testShares), 4280, 4280)
	mustWrite(t, p, whole)
	want := readPDU(t, p)

	p = boundPipe(t, "srvsvc", serverWith(testShares), 4280, 4280)
	frags := [][]byte{
		requestPDU(0x01020305, pfcFirstFrag, 0, 15, stub[:10]),
		requestPDU(0x01020305, 0, 0, 15, stub[10:33]),
		requestPDU(0x01020305, pfcLastFrag, 0, 15, stub[33:]),
	}
	for i, f := range frags {
		for j := range f {
			mustWrite(t, p, f[j:j+1])
			if i == len(frags)-1 && j == len(f)-1 {
				break // the last byte completes the call
			}
			if p.Buffered() != 0 {
				t.Fatalf("answer after byte %d of fragment %d", j, i)
			}
		}
	}
	if got := readPDU(t, p); !bytes.Equal(got, want) {
		t.Errorf("fragmented request answered\n% x\nwant\n% x", got, want)
	}
}

// TestOrphanedDropsFragments: an orphaned PDU abandons a half-sent call and
// the next call goes through.
func TestOrphanedDropsFragments(t *testing.T) {
	p := boundPipe(t, "srvsvc", serverWith(testShares), 4280, 4280)
	mustWrite(t, p, requestPDU(5, pfcFirstFrag, 0, 21, mustHex("00000000")))
	orphan, start := startPDU(nil, ptypeOrphaned, pfcFirstFrag|pfcLastFrag, 5, 0)
	mustWrite(t, p, finishPDU(orphan, start))
	mustWrite(t, p, requestPDU(6, pfcFirstFrag|pfcLastFrag, 0, 21, mustHex("00000000", "64000000")))
	resp := readPDU(t, p)
	if resp[2] != ptypeResponse || le.Uint32(resp[12:]) != 6 {
		t.Errorf("got % x", resp)
	}
	if b, _ := p.Read(4280); b != nil {
		t.Errorf("orphaned call answered: % x", b)
	}
}

// enumRequest is NetrShareEnum level 1 with a NULL server name and resume
// handle, as impacket and go-smb2 send it.
var enumRequest = mustHex("00000000", "01000000", "01000000", "00000200", "00000000", "00000000", "ffffffff", "00000000")

// TestResponseFragments checks fragments against the negotiated size: a
// client receiving at most 2048 bytes gets fragments of at most 2048 bytes,
// 8-aligned stub pieces, decreasing alloc_hint, first/last flags, and the
// concatenated stub equals what one unbounded fragment would carry.
func TestResponseFragments(t *testing.T) {
	var list []Share
	for i := range 120 {
		list = append(list, Share{Name: "s" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Comment: "comment"})
	}
	p := boundPipe(t, "srvsvc", serverWith(list), 4280, 2048)
	mustWrite(t, p, requestPDU(2, pfcFirstFrag|pfcLastFrag, 0, 15, enumRequest))
	var stub []byte
	var n int
	for {
		pdu, more := p.Read(1 << 16)
		if pdu == nil {
			break
		}
		if more || len(pdu) > 2048 {
			t.Fatalf("fragment %d is %d bytes", n, len(pdu))
		}
		var h header
		if err := h.decode(pdu); err != nil || int(h.FragLength) != len(pdu) || h.PacketType != ptypeResponse {
			t.Fatalf("fragment %d: %v % x", n, err, pdu[:16])
		}
		last := h.Flags&pfcLastFrag != 0
		if first := h.Flags&pfcFirstFrag != 0; first != (n == 0) {
			t.Errorf("fragment %d flags %#x", n, h.Flags)
		}
		piece := pdu[24:]
		if !last && len(piece)%8 != 0 {
			t.Errorf("fragment %d carries %d stub bytes", n, len(piece))
		}
		stub = append(stub, piece...)
		n++
		if last {
			if b, _ := p.Read(1); b != nil {
				t.Error("bytes after the last fragment")
			}
			break
		}
	}
	if n < 3 {
		t.Fatalf("%d fragments, want several", n)
	}
	w := &ndrWriter{}
	netrShareEnum(true)(serverWith(list), &ndrReader{b: enumRequest}, w)
	if !bytes.Equal(stub, w.b) {
		t.Error("reassembled stub differs from the encoded one")
	}
}

// TestReadPieces reads a 2.5 KiB response in 1024-byte pieces, as the SMB
// server does when a client's READ or transceive output is smaller.
func TestReadPieces(t *testing.T) {
	var list []Share
	for i := range 24 {
		list = append(list, Share{Name: "share" + string(rune('A'+i%26)) + string(rune('A'+i/26)), Comment: "a somewhat long comment"})
	}
	p := boundPipe(t, "srvsvc", serverWith(list), 4280, 4280)
	mustWrite(t, p, requestPDU(2, pfcFirstFrag|pfcLastFrag, 0, 15, enumRequest))
	total := p.Buffered()
	if total <= 2048 || total > 4280 {
		t.Fatalf("response is %d bytes; the test wants one fragment of more than 2 KiB", total)
	}
	var got []byte
	for i := 0; ; i++ {
		b, more := p.Read(1024)
		got = append(got, b...)
		if p.Buffered() != total-len(got) {
			t.Errorf("Buffered() = %d after %d bytes", p.Buffered(), len(got))
		}
		if !more {
			break
		}
		if len(b) != 1024 {
			t.Fatalf("piece %d is %d bytes with more to come", i, len(b))
		}
	}
	if len(got) != total || int(le.Uint16(got[8:])) != total {
		t.Fatalf("read %d bytes, frag_length %d, queued %d", len(got), le.Uint16(got[8:]), total)
	}
	shares, complete := decodeShareEnum1(got)
	if !complete || len(shares) != 24 || shares[23].Name != "shareXA" {
		t.Errorf("decoded %d shares, complete %v", len(shares), complete)
	}
	if b, more := p.Read(1024); b != nil || more {
		t.Error("Read after the end returned data")
	}
}

func TestMalformed(t *testing.T) {
	bind := bindPDU(ptypeBind, 1, 4280, 4280, ctx(0, srvsvcSyntax, ndrSyntax))
	short := append([]byte(nil), bind...)
	le.PutUint16(short[8:], 30)
	manyCtx := append([]byte(nil), bind...)
	manyCtx[24] = 9
	badAuth := append([]byte(nil), bind...)
	le.PutUint16(badAuth[10:], 200)
	tests := []struct {
		name string
		pdu  []byte
	}{
		{"rpc_vers 4", mustHex("04000b03100000001000000001000000")},
		{"rpc_vers_minor 2", mustHex("05020b03100000001000000001000000")},
		{"frag_length below header", mustHex("05000b03100000000800000001000000")},
		{"bind body truncated", short[:30]},
		{"more contexts than bytes", manyCtx},
		{"auth_length beyond frag", badAuth},
		{"fragment without first", requestPDU(1, pfcLastFrag, 0, 15, enumRequest)},
		{"request header truncated", mustHex("05000003100000001400000001000000", "00000000")},
		{"response from client", mustHex("05000203100000001800000001000000", "0000000000000000")},
		{"shutdown from client", mustHex("05001103100000001000000001000000")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := Open("srvsvc", serverWith(testShares))
			err := p.Write(tt.pdu)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Write = %v, want ErrMalformed", err)
			}
			if err := p.Write(bind); err == nil {
				t.Error("pipe accepted a bind after a protocol error")
			}
		})
	}
}

func TestWkssvc(t *testing.T) {
	p := boundPipe(t, "wkssvc", serverWith(nil), 4280, 4280)
	mustWrite(t, p, requestPDU(2, pfcFirstFrag|pfcLastFrag, 0, 0, mustHex("00000000", "64000000")))
	got := readPDU(t, p)[24:]
	want := mustHex(
		"64000000", "00000200", // level 100, -> WKSTA_INFO_100
		"f4010000", "04000200", "08000200", "06000000", "01000000", // platform 500, ->name, ->langroup, 6.1
		"06000000", "00000000", "06000000", "5a0053004d0042004400", "0000", // "ZSMBD\0" + pad
		"0a000000", "00000000", "0a000000", "57004f0052004b00470052004f0055005000", "0000", // "WORKGROUP\0"
		"00000000",
	)
	if !bytes.Equal(got, want) {
		t.Errorf("NetrWkstaGetInfo stub\n got % x\nwant % x", got, want)
	}
}

func FuzzPipeWrite(f *testing.F) {
	bind := bindPDU(ptypeBind, 1, 4280, 4280, ctx(0, srvsvcSyntax, ndrSyntax), ctx(1, srvsvcSyntax, featureSyntax(3)))
	f.Add(bind, uint8(0))
	for _, op := range []uint16{0, 8, 9, 12, 15, 16, 21, 23, 28, 36} {
		f.Add(append(append([]byte(nil), bind...), requestPDU(2, pfcFirstFrag|pfcLastFrag, 0, op, enumRequest)...), uint8(7))
	}
	f.Add(append(append([]byte(nil), bind...), requestPDU(2, pfcFirstFrag, 0, 16, mustHex("00000000", "0400000000000000"))...), uint8(3))
	f.Add(mustHex("05000b03100000001000000001000000"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		srv := serverWith(testShares)
		for _, name := range []string{"srvsvc", "wkssvc"} {
			p, _ := Open(name, srv)
			// Deliver in chunks of split+1 bytes, draining after each.
			step := int(split) + 1
			for i := 0; i < len(data); i += step {
				if err := p.Write(data[i:min(i+step, len(data))]); err != nil {
					if !errors.Is(err, ErrMalformed) {
						t.Fatalf("error %v does not wrap ErrMalformed", err)
					}
					break
				}
				for {
					b, _ := p.Read(int(split)*7 + 1)
					if b == nil {
						break
					}
					if p.Buffered() < 0 {
						t.Fatal("negative Buffered")
					}
				}
			}
		}
	})
}
