package seal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// A whole encrypted message and its plaintext. fromClient says which side sealed
// it: the server Opens what the client sent and Seals what it answers.
type messageVector struct {
	name       string
	dialect    uint16
	cipher     Cipher
	sessionKey string
	preauth    string
	sessionID  uint64
	fromClient bool
	plaintext  string
	transform  string
}

// The first four are the sample messages of Microsoft's blog posts "Encryption
// in SMB 3.0: A protocol perspective" (2012) and "SMB 3.1.1 Encryption in Windows
// 10" (2015), as transcribed in pike (emc-isilon/pike, pike/test/
// test_smb3_encryption_vector.py) and, for 3.0, SMBLibrary (TalAloni/SMBLibrary,
// SMBLibrary.Tests/SMB2EncryptionTests.cs). In the 3.0 samples the Nonce field
// is random past AES_CCM_Nonce's 11 bytes; it is additional data all the same.
// The rest were computed independently with Python's cryptography package
// (OpenSSL) from the keys of TestKeys, with Nonce A0 A1 ... and zero padding.
var messageVectors = []messageVector{
	{"3.0 WRITE request", 0x0300, AES128CCM, sessionKey30, "", 0x8E40014000011, true,
		"FE534D4240000100000000000900400008000000000000000400000000000000" +
			"FFFE0000010000001100001400E4080000000000000000000000000000000000" +
			"3100700017000000000000000000000015010000390000020100000039020000" +
			"00000000000000007000000000000000536D623320656E6372797074696F6E20" +
			"74657374696E67",
		"FD534D4281A286535415445DAE393921E44FA42E66E69A111892584FB5ED524A" +
			"744DA3EE87000000000001001100001400E4080025C8FEE16605A437832D1CD5" +
			"2DA9F4645333482A175FE5384563F45FCDAFAEF38BC62BA4D5C62897996625A4" +
			"4C29BE5658DE2E6117585779E7B59FFD971278D08580D7FA899E410E910EABF5" +
			"AA1DB43050B33B49182637759AC15D84BFCDF5B6B238993C0F4CF4D6012023F6" +
			"C627297075D84B7803912D0A9639634453595EF3E33FFE4E7AC2AB"},
	{"3.0 WRITE response", 0x0300, AES128CCM, sessionKey30, "", 0x8E40014000011, false,
		"FE534D4240000100000000000900210009000000000000000400000000000000" +
			"FFFE0000010000001100001400E4080000000000000000000000000000000000" +
			"11000000170000000000000000000000",
		"FD534D42A6015530A18F6D9AFFE22AFAE8E66484860000000000000011000014" +
			"00E4080050000000000001001100001400E40800DBF46435C5F14169293CE079" +
			"E344479BF670227E49873F458672C3098DAC467DD5809F369D67409166515787" +
			"1483E01F7BECD02064EAC3E235F913668BBC2F097980D4B378F1993EFF6E60D1" +
			"77309E5B"},
	{"3.1.1 AES-128-GCM WRITE request", 0x0311, AES128GCM, sessionKey311, preauthHash311, 0x100000000025, true,
		"FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000" +
			"25000000001000000000000000000000000000000000000031007000170000000000000000000000" +
			"0600000004000000010000000400000000000000000000007000000000000000536D623320656E63" +
			"72797074696F6E2074657374696E67",
		"FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48904C664C0000000087000000" +
			"0000010025000000001000006ECDD2A7AFC7B47763057A041B8FD4DAFFE990B70C9E09D36C084E02" +
			"D14EF247F8BDE38ACF6256F8B1D3B56F77FBDEB312FEA5E92CBCC1ED8FB2EBBFAA75E49A4A394BB4" +
			"4576545567C24D4C014D47C9FBDFDAFD2C4F9B72F8D256452620A299F48E29E53D6B61D1C13A19E9" +
			"1AF013F00D17E3ABC2FC3D36C8C1B6B93973253852DBD442E46EE8"},
	{"3.1.1 AES-128-GCM WRITE response", 0x0311, AES128GCM, sessionKey311, preauthHash311, 0x100000000025, false,
		writeResponse311,
		"FD534D42ACBE1CB7ED343ADF1725EF144D90D4B0E06831DD2E8EB7B4000000000000000050000000" +
			"00000100250000000010000026BBBF949983A6C1C796559D0F2C510CB651D1F7B6AC8DED32A2A0B8" +
			"F2D793A815C6F6B848D69767A215841A42D400AE6DDB5F0B44173A014973321FDD7950DA6179159B" +
			"82E03C9E18A050FF0EA1C967"},

	{"3.1.1 AES-256-GCM (OpenSSL)", 0x0311, AES256GCM, sessionKey256, preauthHash311, 0x100000000025, false,
		writeResponse311,
		"fd534d424013a351c62e685c946b062b5460853aa0a1a2a3a4a5a6a7a8a9aaab00000000500000000000010025000000" +
			"00100000f2e9de219b53d100ccfafd82853ec047d42220e14a4fbecf9915c5c30ac6aff1e6f37762209bdce5d05e9d1e" +
			"7367242a22965a0aa3b3319421343e7848762819523ae578f0a719c91a7c06c5a8c54531"},
	{"3.1.1 AES-256-CCM (OpenSSL)", 0x0311, AES256CCM, sessionKey256, preauthHash311, 0x100000000025, false,
		writeResponse311,
		"fd534d426e6b4faaaf4e72529602f5b884b238e9a0a1a2a3a4a5a6a7a8a9aa0000000000500000000000010025000000" +
			"0010000061a649947289f7529b5d6bccd269b48cb6dba88d0baa90e6fcb82be4a8cc68c47f18017d4705c57e07cca0d1" +
			"6f1419f6af3b7c12669bb3f3d900cdeccc76b106253573c627949576daa4ac487a9e1188"},
	{"3.1.1 AES-128-CCM (OpenSSL)", 0x0311, AES128CCM, sessionKey311, preauthHash311, 0x100000000025, false,
		writeResponse311,
		"fd534d421c969101f2b1658ceb3b419510c726eea0a1a2a3a4a5a6a7a8a9aa0000000000500000000000010025000000" +
			"001000005abcf24359da566761263a8af2b0d03d76c306fc44710bf45670a3fbd2eda1864c64bd716ef52616e7f0a8c9" +
			"50df1ec2850f0ea03de609de964d3ea921525b276818a720d248e23f7da5bd8785bf45da"},
}

const writeResponse311 = "FE534D4240000100000000000900010001000000000000000500000000000000FFFE000001000000" +
	"25000000001000000000000000000000000000000000000011000000170000000000000000000000"

// sealers returns the server's Sealer for v and its mirror, the client's: the
// same keys the other way round.
func (v messageVector) sealers(t testing.TB) (server, client *Sealer) {
	t.Helper()
	enc, dec := Keys(v.dialect, v.cipher, unhex(t, v.sessionKey), unhex(t, v.preauth))
	server, err := NewSealer(v.cipher, v.sessionID, enc, dec)
	if err != nil {
		t.Fatal(err)
	}
	client, err = NewSealer(v.cipher, v.sessionID, dec, enc)
	if err != nil {
		t.Fatal(err)
	}
	return server, client
}

func TestMessageVectors(t *testing.T) {
	for _, v := range messageVectors {
		t.Run(v.name, func(t *testing.T) {
			server, client := v.sealers(t)
			sender, receiver := server, client
			if v.fromClient {
				sender, receiver = client, server
			}
			pt, want := unhex(t, v.plaintext), unhex(t, v.transform)

			msg := bytes.Clone(want)
			got, err := receiver.Open(msg)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, pt) {
				t.Errorf("Open\n got %x\nwant %x", got, pt)
			}
			if &got[0] != &msg[TransformHeaderSize] {
				t.Error("Open did not decrypt in place")
			}

			// Sealing the plaintext with the sample's nonce reproduces it.
			hdr := make([]byte, TransformHeaderSize)
			copy(hdr[offNonce:offOriginalSize], want[offNonce:offOriginalSize])
			body := bytes.Clone(pt)
			sender.seal(hdr, body)
			if sealed := append(hdr, body...); !bytes.Equal(sealed, want) {
				t.Errorf("seal\n got %x\nwant %x", sealed, want)
			}

			// The receiver's own keys cannot open it: the two directions differ.
			if _, err := sender.Open(bytes.Clone(want)); !errors.Is(err, errOpen) {
				t.Errorf("the sender opened its own message: %v", err)
			}
		})
	}
}

var allCiphers = []Cipher{AES128CCM, AES128GCM, AES256CCM, AES256GCM}

// pair returns a server Sealer and its client mirror with keys made from seed.
func pair(t testing.TB, c Cipher, sessionID uint64) (server, client *Sealer) {
	t.Helper()
	enc, dec := Keys(0x0311, c, pattern(32, 3, int(c)), pattern(64, 5, 1))
	server, err := NewSealer(c, sessionID, enc, dec)
	if err != nil {
		t.Fatal(err)
	}
	client, err = NewSealer(c, sessionID, dec, enc)
	if err != nil {
		t.Fatal(err)
	}
	return server, client
}

// smb2Message returns an n-byte stand-in for an SMB2 message.
func smb2Message(n int) []byte {
	m := pattern(n, 11, 0x40)
	copy(m, "\xfeSMB")
	return m
}

func TestRoundTrip(t *testing.T) {
	for _, c := range allCiphers {
		for _, n := range []int{64, 65, 79, 80, 1000, 64 << 10, 1<<20 + 3} {
			t.Run(fmt.Sprintf("%v/%d", c, n), func(t *testing.T) {
				server, client := pair(t, c, 0x1122334455667788)
				if server.Cipher() != c || server.Overhead() != TransformHeaderSize {
					t.Errorf("Cipher() = %v, Overhead() = %d", server.Cipher(), server.Overhead())
				}
				want := smb2Message(n)
				// hdr and msg side by side in one buffer, as the server sends them.
				// The header buffer starts dirty: Seal must set every byte.
				buf := make([]byte, TransformHeaderSize+n)
				for i := range TransformHeaderSize {
					buf[i] = 0xFF
				}
				copy(buf[TransformHeaderSize:], want)
				server.Seal(buf[:TransformHeaderSize], buf[TransformHeaderSize:])

				hdr := buf[:TransformHeaderSize]
				if !IsTransform(hdr) {
					t.Errorf("ProtocolId = %x", hdr[:4])
				}
				if got := binary.LittleEndian.Uint32(hdr[offOriginalSize:]); got != uint32(n) {
					t.Errorf("OriginalMessageSize = %d, want %d", got, n)
				}
				if got := binary.LittleEndian.Uint16(hdr[offReserved:]); got != 0 {
					t.Errorf("Reserved = %#x", got)
				}
				if got := binary.LittleEndian.Uint16(hdr[offFlags:]); got != flagEncrypted {
					t.Errorf("Flags = %#x", got)
				}
				if id, err := SessionID(buf); err != nil || id != 0x1122334455667788 {
					t.Errorf("SessionID = %#x, %v", id, err)
				}
				if pad := hdr[offNonce+c.nonceSize() : offOriginalSize]; !bytes.Equal(pad, make([]byte, len(pad))) {
					t.Errorf("Nonce padding = %x, want zeros", pad)
				}
				if bytes.Equal(buf[TransformHeaderSize:TransformHeaderSize+64], want[:64]) {
					t.Error("the message was not encrypted in place")
				}

				got, err := client.Open(buf)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				if !bytes.Equal(got, want) {
					t.Error("Open did not return the sealed message")
				}
			})
		}
	}
}

// Every bit of the transform header from Nonce on is additional data, even the
// ones Open does not otherwise look at, and the tag and ciphertext are
// authenticated: flipping any of them fails, and the plaintext is not released.
func TestTamper(t *testing.T) {
	for _, c := range allCiphers {
		server, client := pair(t, c, 7)
		orig := make([]byte, TransformHeaderSize+200)
		copy(orig[TransformHeaderSize:], smb2Message(200))
		server.Seal(orig[:TransformHeaderSize], orig[TransformHeaderSize:])
		for _, tc := range []struct {
			what string
			i    int
		}{
			{"Signature first byte", offSignature},
			{"Signature last byte", offNonce - 1},
			{"Nonce first byte", offNonce},
			{"Nonce last byte used", offNonce + c.nonceSize() - 1},
			{"Nonce padding", offOriginalSize - 1},
			{"Reserved", offReserved},
			{"Reserved high byte", offReserved + 1},
			{"ciphertext first byte", TransformHeaderSize},
			{"ciphertext last byte", len(orig) - 1},
		} {
			msg := bytes.Clone(orig)
			msg[tc.i] ^= 0x10
			got, err := client.Open(msg)
			if !errors.Is(err, errOpen) || got != nil {
				t.Errorf("%v, %s flipped: Open = %v", c, tc.what, err)
			}
			if body := msg[TransformHeaderSize:]; !bytes.Equal(body, make([]byte, len(body))) {
				t.Errorf("%v, %s flipped: the body was not zeroed", c, tc.what)
			}
		}
		// SessionId is additional data too: a message moved to another session
		// with the same keys does not open.
		moved, _ := pair(t, c, 8)
		msg := make([]byte, TransformHeaderSize+200)
		server.Seal(msg[:TransformHeaderSize], msg[TransformHeaderSize:])
		binary.LittleEndian.PutUint64(msg[offSessionID:], 8)
		if _, err := moved.Open(msg); !errors.Is(err, errOpen) {
			t.Errorf("%v: SessionId rewritten: Open = %v", c, err)
		}
	}
}

func TestOpenRejects(t *testing.T) {
	_, client := pair(t, AES128GCM, 7)
	server, _ := pair(t, AES128GCM, 7)
	good := make([]byte, TransformHeaderSize+64)
	server.Seal(good[:TransformHeaderSize], good[TransformHeaderSize:])
	if _, err := client.Open(bytes.Clone(good)); err != nil {
		t.Fatalf("the unmodified message does not open: %v", err)
	}
	setU16 := func(off int, v uint16) func([]byte) []byte {
		return func(b []byte) []byte { binary.LittleEndian.PutUint16(b[off:], v); return b }
	}
	setU32 := func(off int, v uint32) func([]byte) []byte {
		return func(b []byte) []byte { binary.LittleEndian.PutUint32(b[off:], v); return b }
	}
	short := make([]byte, TransformHeaderSize+63)
	server.Seal(short[:TransformHeaderSize], short[TransformHeaderSize:])
	for _, tc := range []struct {
		name string
		edit func([]byte) []byte
		want error
	}{
		{"empty", func([]byte) []byte { return nil }, errShort},
		{"51 bytes", func(b []byte) []byte { return b[:TransformHeaderSize-1] }, errShort},
		{"SMB2 ProtocolId", func(b []byte) []byte { b[0] = 0xFE; return b }, errNotTransform},
		{"compression ProtocolId", func(b []byte) []byte { b[0] = 0xFC; return b }, errNotTransform},
		{"Flags 0", setU16(offFlags, 0), errFlags},
		{"Flags 2", setU16(offFlags, 2), errFlags},
		{"Flags 0x0101", setU16(offFlags, 0x0101), errFlags},
		{"OriginalMessageSize too big", setU32(offOriginalSize, 65), errSize},
		{"OriginalMessageSize too small", setU32(offOriginalSize, 63), errSize},
		{"OriginalMessageSize 2^32-1", setU32(offOriginalSize, 0xFFFFFFFF), errSize},
		{"a byte appended", func(b []byte) []byte { return append(b, 0) }, errSize},
		{"a byte cut", func(b []byte) []byte { return b[:len(b)-1] }, errSize},
		{"header only", func(b []byte) []byte {
			b = b[:TransformHeaderSize]
			binary.LittleEndian.PutUint32(b[offOriginalSize:], 0)
			return b
		}, errSize},
		{"less than an SMB2 header", func([]byte) []byte { return bytes.Clone(short) }, errSize},
		{"another SessionId", func(b []byte) []byte { b[offSessionID+7] ^= 0x80; return b }, errSession},
		{"tag", func(b []byte) []byte { b[offSignature] ^= 1; return b }, errOpen},
	} {
		msg := tc.edit(bytes.Clone(good))
		if got, err := client.Open(msg); !errors.Is(err, tc.want) || got != nil {
			t.Errorf("%s: Open = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestSessionID(t *testing.T) {
	hdr := make([]byte, TransformHeaderSize)
	copy(hdr, protocolID[:])
	binary.LittleEndian.PutUint64(hdr[offSessionID:], 0x0102030405060708)
	for _, tc := range []struct {
		name string
		b    []byte
		id   uint64
		err  error
	}{
		{"header", hdr, 0x0102030405060708, nil},
		{"header and body", append(bytes.Clone(hdr), 1, 2, 3), 0x0102030405060708, nil},
		{"short", hdr[:TransformHeaderSize-1], 0, errShort},
		{"empty", nil, 0, errShort},
		{"SMB2 header", append([]byte("\xfeSMB"), hdr[4:]...), 0, errNotTransform},
	} {
		id, err := SessionID(tc.b)
		if id != tc.id || !errors.Is(err, tc.err) {
			t.Errorf("%s: SessionID = %#x, %v; want %#x, %v", tc.name, id, err, tc.id, tc.err)
		}
	}
	for _, tc := range []struct {
		b    []byte
		want bool
	}{
		{[]byte("\xfdSMB"), true},
		{hdr, true},
		{[]byte("\xfdSM"), false},
		{[]byte("\xfeSMB"), false},
		{[]byte("\xfcSMB"), false},
		{[]byte("\xfdSMC"), false},
		{nil, false},
	} {
		if got := IsTransform(tc.b); got != tc.want {
			t.Errorf("IsTransform(%x) = %v", tc.b, got)
		}
	}
}

func TestNewSealerErrors(t *testing.T) {
	k16, k32 := make([]byte, 16), make([]byte, 32)
	for _, tc := range []struct {
		name     string
		c        Cipher
		enc, dec []byte
	}{
		{"cipher 0", 0, k16, k16},
		{"cipher 5", 5, k16, k16},
		{"AES-128 with a 32-byte key", AES128GCM, k32, k16},
		{"AES-128-CCM with a 32-byte decryption key", AES128CCM, k16, k32},
		{"AES-256 with 16-byte keys", AES256GCM, k16, k16},
		{"AES-256-CCM with a 24-byte key", AES256CCM, k32, make([]byte, 24)},
		{"nil keys", AES128CCM, nil, nil},
	} {
		if s, err := NewSealer(tc.c, 1, tc.enc, tc.dec); err == nil || s != nil {
			t.Errorf("%s: NewSealer succeeded", tc.name)
		}
	}
}

func TestSealPanics(t *testing.T) {
	s, _ := pair(t, AES128CCM, 1)
	buf := make([]byte, 200)
	mustPanic(t, "Seal with a 51-byte header", func() { s.Seal(buf[:51], buf[100:]) })
	mustPanic(t, "Seal with a 53-byte header", func() { s.Seal(buf[:53], buf[100:]) })
	mustPanic(t, "Seal with the header over the message", func() { s.Seal(buf[:52], buf[40:]) })
}

// Nonces never repeat, even with Seal on many goroutines at once, and use only
// the cipher's part of the Nonce field.
func TestNonces(t *testing.T) {
	for _, c := range allCiphers {
		s, _ := pair(t, c, 1)
		const goroutines, each = 8, 500
		nonces := make([][]byte, goroutines*each)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range each {
					hdr, msg := make([]byte, TransformHeaderSize), smb2Message(64)
					s.Seal(hdr, msg)
					nonces[g*each+i] = hdr[offNonce:offOriginalSize]
				}
			})
		}
		wg.Wait()
		seen := make(map[string]bool, len(nonces))
		for _, n := range nonces {
			if seen[string(n)] {
				t.Fatalf("%v: nonce %x repeated", c, n)
			}
			seen[string(n)] = true
			if pad := n[c.nonceSize():]; !bytes.Equal(pad, make([]byte, len(pad))) {
				t.Fatalf("%v: nonce %x has non-zero padding", c, n)
			}
		}
		// Two Sealers with the same keys start from different random points.
		a, _ := pair(t, c, 1)
		b, _ := pair(t, c, 1)
		ha, hb := make([]byte, TransformHeaderSize), make([]byte, TransformHeaderSize)
		a.Seal(ha, smb2Message(64))
		b.Seal(hb, smb2Message(64))
		if bytes.Equal(ha[offNonce:offOriginalSize], hb[offNonce:offOriginalSize]) {
			t.Errorf("%v: two Sealers chose the same first nonce", c)
		}
	}
}

// Seal and Open allocate nothing once warm, except CCM's one cipher.NewCTR for
// a message of ctrStreamMin bytes or more.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	for _, c := range allCiphers {
		for _, n := range []int{64, ctrStreamMin - 1, ctrStreamMin, 64 << 10} {
			server, client := pair(t, c, 1)
			buf := make([]byte, TransformHeaderSize+n)
			got := testing.AllocsPerRun(20, func() {
				server.Seal(buf[:TransformHeaderSize], buf[TransformHeaderSize:])
				if _, err := client.Open(buf); err != nil {
					t.Fatal(err)
				}
			})
			want := 0.0
			if c.nonceSize() == 11 && n >= ctrStreamMin {
				want = 2
			}
			if got != want {
				t.Errorf("%v, %d bytes: %v allocations per Seal and Open, want %v", c, n, got, want)
			}
		}
	}
}

func FuzzOpen(f *testing.F) {
	for _, v := range messageVectors {
		f.Add(unhex(f, v.transform))
	}
	server, client := pair(f, AES128GCM, 0x100000000025)
	sealed := make([]byte, TransformHeaderSize+100)
	server.Seal(sealed[:TransformHeaderSize], sealed[TransformHeaderSize:])
	f.Add(sealed)
	ccmServer, ccmClient := pair(f, AES128CCM, 0x100000000025)
	sealed = make([]byte, TransformHeaderSize+100)
	ccmServer.Seal(sealed[:TransformHeaderSize], sealed[TransformHeaderSize:])
	f.Add(sealed)
	f.Fuzz(func(t *testing.T, b []byte) {
		SessionID(b)
		for _, s := range []*Sealer{client, ccmClient} {
			if pt, err := s.Open(bytes.Clone(b)); err == nil && len(pt) != len(b)-TransformHeaderSize {
				t.Errorf("Open returned %d bytes of %d", len(pt), len(b))
			}
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	for _, c := range allCiphers {
		for _, n := range []int{64 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("%v/%dKiB", c, n>>10), func(b *testing.B) {
				s, _ := pair(b, c, 1)
				buf := make([]byte, TransformHeaderSize+n)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					s.Seal(buf[:TransformHeaderSize], buf[TransformHeaderSize:])
				}
			})
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	for _, c := range allCiphers {
		for _, n := range []int{64 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("%v/%dKiB", c, n>>10), func(b *testing.B) {
				server, client := pair(b, c, 1)
				sealed := make([]byte, TransformHeaderSize+n)
				server.Seal(sealed[:TransformHeaderSize], sealed[TransformHeaderSize:])
				buf := make([]byte, len(sealed))
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					copy(buf, sealed) // Open decrypts in place
					if _, err := client.Open(buf); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestSealInPlaceRoom: with 16 bytes of spare capacity after the message, AES-GCM seals in place (the
// tag goes through that room), and the result is the same as without the room; a header that sits in
// that room is never written through it.
func TestSealInPlaceRoom(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 16)
	msg := bytes.Repeat([]byte("an SMB2 message "), 64)
	for _, c := range []Cipher{AES128GCM, AES128CCM} {
		server, err := NewSealer(c, 9, key, key)
		if err != nil {
			t.Fatal(err)
		}
		open := func(hdr, body []byte) []byte {
			t.Helper()
			got, err := server.Open(append(bytes.Clone(hdr), body...))
			if err != nil {
				t.Fatalf("%v: %v", c, err)
			}
			return got
		}
		roomy := make([]byte, len(msg), len(msg)+16)
		copy(roomy, msg)
		hdr := make([]byte, TransformHeaderSize)
		server.Seal(hdr, roomy)
		if got := open(hdr, roomy); !bytes.Equal(got, msg) {
			t.Errorf("%v: sealed with room after it, opened to other bytes", c)
		}
		if c == AES128GCM && testing.AllocsPerRun(10, func() { copy(roomy, msg); server.Seal(hdr, roomy) }) != 0 && !raceEnabled {
			t.Errorf("%v: sealing in place allocates", c)
		}
		// The header right after the message, inside its capacity.
		buf := make([]byte, len(msg)+TransformHeaderSize)
		copy(buf, msg)
		body, hdr2 := buf[:len(msg)], buf[len(msg):]
		server.Seal(hdr2, body)
		if !IsTransform(hdr2) {
			t.Fatalf("%v: the header after the message was overwritten", c)
		}
		if got := open(hdr2, body); !bytes.Equal(got, msg) {
			t.Errorf("%v: sealed with its header after it, opened to other bytes", c)
		}
	}
}
