package integration

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/seal"
	"github.com/zsmbd/zsmbd/zerocopy"
)

// withEncrypt sets `server smb encrypt` in [global] (sessions) and, where share is not "", on that
// share alone.
func withEncrypt(share string, e config.Encrypt) serverOption {
	return func(cfg *config.Config) {
		if share == "" {
			cfg.Global.ServerSMBEncrypt = e
			for i := range cfg.Shares {
				cfg.Shares[i].SMBEncrypt = e // a [global] setting is every share's default
			}
			return
		}
		for i := range cfg.Shares {
			if cfg.Shares[i].Name == share {
				cfg.Shares[i].SMBEncrypt = e
			}
		}
	}
}

// wireRecorder keeps every byte the client reads from the server.
type wireRecorder struct {
	net.Conn
	mu  sync.Mutex
	got bytes.Buffer
}

func (w *wireRecorder) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	w.mu.Lock()
	w.got.Write(p[:n])
	w.mu.Unlock()
	return n, err
}

// frames splits what the server sent into frames and counts the transform messages and the plain
// SMB2 messages other than NEGOTIATE and SESSION_SETUP, which are never encrypted.
func (w *wireRecorder) frames(t *testing.T) (sealed, plain int, stream []byte) {
	t.Helper()
	w.mu.Lock()
	stream = bytes.Clone(w.got.Bytes())
	w.mu.Unlock()
	for b := stream; len(b) > 0; {
		if len(b) < 4 {
			t.Fatalf("%d stray bytes at the end of the stream", len(b))
		}
		n := int(binary.BigEndian.Uint32(b) & 0xFFFFFF)
		frame := b[4 : 4+n]
		b = b[4+n:]
		if seal.IsTransform(frame) {
			sealed++
			continue
		}
		if cmd := smb.Command(binary.LittleEndian.Uint16(frame[12:])); cmd != smb.Negotiate && cmd != smb.SessionSetup {
			plain++
		}
	}
	return sealed, plain, stream
}

// TestEncryptedReads: with `server smb encrypt = desired`, go-smb2 encrypts at 3.0, 3.0.2 (AES-128-CCM)
// and 3.1.1 (AES-128-GCM, its first choice); every file reads back as it is on disk, every response after
// the logon is a transform message, no 64 bytes of any file cross the wire in the clear, and the READ
// data went by the copy path, counted as the "encrypted" fallback. Guests, whose sessions have no key,
// are not encrypted.
func TestEncryptedReads(t *testing.T) {
	tg := startServer(t, withEncrypt("", config.EncryptDesired))
	for _, d := range dialects[2:] {
		t.Run(d.name, func(t *testing.T) {
			var rec *wireRecorder
			o := userOpts(tg, d.id, false)
			o.wrap = func(c net.Conn) net.Conn { rec = &wireRecorder{Conn: c}; return rec }
			fs := mustMount(t, tg, o, tg.Share)
			before := tg.Server.Stats()
			var reads, total int64
			var files [][]byte
			for _, f := range DataFiles {
				got, err := fs.ReadFile(f.Name)
				if err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
				want, err := os.ReadFile(filepath.Join(tg.Root, filepath.FromSlash(f.Name)))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s: read %d bytes that differ from the %d on disk", f.Name, len(got), len(want))
				}
				if len(want) > 0 {
					reads++ // at least one READ with data
				}
				total += int64(len(want))
				files = append(files, want)
			}
			after := settledStats(tg, before, total)
			if n := after.Fallback(zerocopy.FallbackEncrypted) - before.Fallback(zerocopy.FallbackEncrypted); n < reads {
				t.Errorf("%d encrypted fallbacks for at least %d READs with data", n, reads)
			}
			if n := after.Strategy(zerocopy.Sendfile).FileBytes - before.Strategy(zerocopy.Sendfile).FileBytes; n != 0 {
				t.Errorf("sendfile moved %d bytes of encrypted responses", n)
			}
			sealed, plain, stream := rec.frames(t)
			if sealed == 0 || plain != 0 {
				t.Errorf("the server sent %d encrypted and %d plain frames after the logon", sealed, plain)
			}
			for i, f := range files {
				if len(f) >= 64 && bytes.Contains(stream, f[len(f)/2:len(f)/2+64]) {
					t.Errorf("%s crossed the wire in the clear", DataFiles[i].Name)
				}
			}
		})
	}
	t.Run("guest", func(t *testing.T) {
		var rec *wireRecorder
		o := dialOpts{dialect: smb.Dialect311, wrap: func(c net.Conn) net.Conn { rec = &wireRecorder{Conn: c}; return rec }}
		fs := mustMount(t, tg, o, tg.Share)
		if _, err := fs.ReadFile("one.bin"); err != nil {
			t.Fatal(err)
		}
		if sealed, _, _ := rec.frames(t); sealed != 0 {
			t.Errorf("a guest session got %d encrypted frames; it has no key", sealed)
		}
	})
}

// TestEncryptionRequired: `server smb encrypt = required` in [global] refuses logons that cannot encrypt
// (guests, dialects below 3.0) with STATUS_ACCESS_DENIED, as Samba does; on a share alone it refuses
// their tree connects to that share, while the other shares still serve them.
func TestEncryptionRequired(t *testing.T) {
	if remote() {
		t.Skip("needs in-process servers with their own configuration")
	}
	t.Run("global", func(t *testing.T) {
		tg := startServer(t, withEncrypt("", config.EncryptRequired))
		_, err := dial(t, tg, dialOpts{dialect: smb.Dialect311})
		wantStatus(t, err, smb.StatusAccessDenied)
		_, err = dial(t, tg, userOpts(tg, smb.Dialect210, false))
		wantStatus(t, err, smb.StatusAccessDenied)
		fs := mustMount(t, tg, userOpts(tg, smb.Dialect302, true), tg.Share)
		if _, err := fs.Stat("one.bin"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("share", func(t *testing.T) {
		tg := startServer(t, withEncrypt("data", config.EncryptRequired))
		s, err := dial(t, tg, dialOpts{dialect: smb.Dialect311})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Mount(`\\` + tg.Addr + `\data`)
		wantStatus(t, err, smb.StatusAccessDenied)
		if fs, err := s.Mount(`\\` + tg.Addr + `\public`); err != nil {
			t.Errorf("guest on a share without encryption: %v", err)
		} else {
			fs.Umount()
		}
		s, err = dial(t, tg, userOpts(tg, smb.Dialect210, false))
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Mount(`\\` + tg.Addr + `\data`)
		wantStatus(t, err, smb.StatusAccessDenied)

		var rec *wireRecorder
		o := userOpts(tg, smb.Dialect311, false)
		o.wrap = func(c net.Conn) net.Conn { rec = &wireRecorder{Conn: c}; return rec }
		fs := mustMount(t, tg, o, "data")
		want, _ := os.ReadFile(filepath.Join(tg.Root, "64k+1.bin"))
		if got, err := fs.ReadFile("64k+1.bin"); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("read %d bytes, %v; want the %d on disk", len(got), err, len(want))
		}
		if sealed, _, stream := rec.frames(t); sealed == 0 || bytes.Contains(stream, want[1000:1064]) {
			t.Errorf("the share that requires encryption answered in the clear (%d encrypted frames)", sealed)
		}

		// A raw client that ignores SMB2_SHAREFLAG_ENCRYPT_DATA is refused on that tree, in an encrypted
		// response, and served on another.
		c := dialEncrypting(t, tg)
		h, resp := c.call(smb.Header{Command: smb.TreeConnect, SessionID: c.sid}, treeConnectBody(tg, "data"))
		var tr smb.TreeConnectResponse
		if h.Status != smb.StatusSuccess || tr.Decode(resp) != nil || tr.ShareFlags&smb.ShareFlagEncryptData == 0 {
			t.Fatalf("TREE_CONNECT: %v, share flags %#x", h.Status, tr.ShareFlags)
		}
		req := openForReading("one.bin")
		msg := c.message(smb.Header{Command: smb.Create, SessionID: c.sid, TreeID: h.TreeID}, req.AppendTo, nil)
		if h, _ := c.sealedCall(nil, msg); h.Status != smb.StatusAccessDenied {
			t.Errorf("unencrypted CREATE on a share that requires encryption: %v, want STATUS_ACCESS_DENIED", h.Status)
		}
		h, _ = c.call(smb.Header{Command: smb.TreeConnect, SessionID: c.sid}, treeConnectBody(tg, "public"))
		if h.Status != smb.StatusSuccess {
			t.Fatalf("TREE_CONNECT public: %v", h.Status)
		}
		if _, st := c.create(handle{sess: c.sid, tree: h.TreeID}, "hello.txt"); st != smb.StatusSuccess {
			t.Errorf("unencrypted CREATE on a share without encryption: %v", st)
		}
	})
}

// encryptingClient is a raw client logged on as the test user at 3.0.2 with encryption agreed
// (SMB2_GLOBAL_CAP_ENCRYPTION), holding the client's side of the session's keys.
type encryptingClient struct {
	*rawClient
	sid    uint64
	sealer *seal.Sealer // the client's: seals with the server's decryption key, opens with its encryption key
}

func dialEncrypting(t *testing.T, tg *target) *encryptingClient {
	t.Helper()
	nc, err := net.DialTimeout("tcp", tg.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(60 * time.Second))
	c := &rawClient{t: t, nc: nc, tg: tg}
	neg := smb.NegotiateRequest{SecurityMode: smb.SecurityModeSigningEnabled, Capabilities: smb.CapEncryption,
		Dialects: []uint16{smb.Dialect302}}
	h, resp := c.call(smb.Header{Command: smb.Negotiate}, neg.AppendTo)
	var nr smb.NegotiateResponse
	if h.Status != smb.StatusSuccess || nr.Decode(resp) != nil || nr.Capabilities&smb.CapEncryption == 0 {
		t.Fatalf("NEGOTIATE: %v, capabilities %#x", h.Status, nr.Capabilities)
	}
	sid, st, key := c.logonUser(0, tg.User, tg.Password, smb.SecurityModeSigningEnabled)
	if st != smb.StatusSuccess {
		t.Fatalf("logon: %v", st)
	}
	return &encryptingClient{rawClient: c, sid: sid, sealer: clientSealer(t, sid, key)}
}

func clientSealer(t *testing.T, sid uint64, sessionKey []byte) *seal.Sealer {
	enc, dec := seal.Keys(smb.Dialect302, seal.AES128CCM, sessionKey, nil)
	s, err := seal.NewSealer(seal.AES128CCM, sid, dec, enc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sealedCall sends msg encrypted with s (in the clear when s is nil) and returns the response, which
// must come encrypted with the same session's key (the client's own when s is nil), opened.
func (c *encryptingClient) sealedCall(s *seal.Sealer, msg []byte) (smb.Header, []byte) {
	c.t.Helper()
	out := msg
	if s != nil {
		out = append(make([]byte, seal.TransformHeaderSize), msg...)
		s.Seal(out[:seal.TransformHeaderSize], out[seal.TransformHeaderSize:])
	}
	if _, err := c.nc.Write(framed(out)); err != nil {
		c.t.Fatal(err)
	}
	resp, err := smb.ReadFrame(c.nc, nil, 1<<24)
	if err != nil {
		c.t.Fatalf("reading the response: %v", err)
	}
	if !seal.IsTransform(resp) {
		c.t.Fatalf("the response came in the clear")
	}
	if s == nil {
		s = c.sealer
	}
	plain, err := s.Open(resp)
	if err != nil {
		c.t.Fatalf("opening the response: %v", err)
	}
	h, err := smb.DecodeHeader(plain)
	if err != nil {
		c.t.Fatal(err)
	}
	return h, plain
}

// TestEncryptionRules checks, with a raw client, what go-smb2 always gets right: on a session that requires
// encryption an unencrypted request, an ECHO that names it too, is refused with STATUS_ACCESS_DENIED
// (the refusal encrypted, as Samba sends it); a request encrypted with one session's key that names another session is refused the
// same way; and a message that does not decrypt, or names an unknown session, closes the connection
// (MS-SMB2 3.3.5.2.1.1).
func TestEncryptionRules(t *testing.T) {
	tg := startServer(t, withEncrypt("", config.EncryptRequired))
	c := dialEncrypting(t, tg)
	tcon := c.message(smb.Header{Command: smb.TreeConnect, SessionID: c.sid}, treeConnectBody(tg, tg.Share), nil)
	if h, _ := c.sealedCall(nil, tcon); h.Status != smb.StatusAccessDenied {
		t.Errorf("unencrypted TREE_CONNECT: %v, want STATUS_ACCESS_DENIED", h.Status)
	}
	if h, _ := c.sealedCall(nil, c.message(smb.Header{Command: smb.Echo, SessionID: c.sid}, echoBody, nil)); h.Status != smb.StatusAccessDenied {
		t.Errorf("unencrypted ECHO naming the session: %v, want STATUS_ACCESS_DENIED", h.Status)
	}
	tcon = c.message(smb.Header{Command: smb.TreeConnect, SessionID: c.sid}, treeConnectBody(tg, tg.Share), nil)
	h, _ := c.sealedCall(c.sealer, tcon)
	if h.Status != smb.StatusSuccess {
		t.Fatalf("encrypted TREE_CONNECT: %v", h.Status)
	}
	tree := h.TreeID

	// A second session's request sealed with the first session's key.
	bob, st, bobKey := c.logonUser(0, otherUser, otherPass, smb.SecurityModeSigningEnabled)
	if st != smb.StatusSuccess {
		t.Fatalf("second logon: %v", st)
	}
	bobTcon := c.message(smb.Header{Command: smb.TreeConnect, SessionID: bob}, treeConnectBody(tg, tg.Share), nil)
	out := append(make([]byte, seal.TransformHeaderSize), bobTcon...)
	c.sealer.Seal(out[:seal.TransformHeaderSize], out[seal.TransformHeaderSize:])
	c.nc.Write(framed(out))
	resp, err := smb.ReadFrame(c.nc, nil, 1<<24)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := c.sealer.Open(resp); err != nil {
		t.Fatalf("the answer to a request sealed by another session: %v", err)
	} else if h, _ := smb.DecodeHeader(plain); h.Status != smb.StatusAccessDenied {
		t.Errorf("a request of session %d sealed with session %d's key: %v, want STATUS_ACCESS_DENIED", bob, c.sid, h.Status)
	}
	if h, _ := c.sealedCall(clientSealer(t, bob, bobKey), c.message(smb.Header{Command: smb.TreeConnect, SessionID: bob}, treeConnectBody(tg, tg.Share), nil)); h.Status != smb.StatusSuccess {
		t.Errorf("the second session's own encrypted TREE_CONNECT: %v", h.Status)
	}

	// READ through the encrypted session: the data is as on disk, sent by the copy path.
	id := c.createEncrypted(tree, "64k+1.bin")
	before := tg.Server.Stats()
	read := smb.ReadRequest{Length: 65536, FileID: id}
	h, plain := c.sealedCall(c.sealer, c.message(smb.Header{Command: smb.Read, SessionID: c.sid, TreeID: tree}, read.AppendTo, nil))
	var rr smb.ReadResponse
	want, _ := os.ReadFile(filepath.Join(tg.Root, "64k+1.bin"))
	want = want[:65536]
	if h.Status != smb.StatusSuccess || rr.Decode(plain) != nil || !bytes.Equal(plain[rr.DataOffset:], want) {
		t.Fatalf("encrypted READ: %v, %d bytes; want the %d on disk", h.Status, len(plain)-int(rr.DataOffset), len(want))
	}
	if n := settledStats(tg, before, int64(len(want))).Fallback(zerocopy.FallbackEncrypted) - before.Fallback(zerocopy.FallbackEncrypted); n != 1 {
		t.Errorf("%d encrypted fallbacks for one READ", n)
	}

	for name, spoil := range map[string]func(frame []byte){
		"a flipped ciphertext bit": func(f []byte) { f[len(f)-1] ^= 1 },
		"an unknown session":       func(f []byte) { binary.LittleEndian.PutUint64(f[44:], 0xdead) },
	} {
		t.Run(name, func(t *testing.T) {
			c := dialEncrypting(t, tg)
			out := append(make([]byte, seal.TransformHeaderSize), c.message(smb.Header{Command: smb.Echo, SessionID: c.sid}, echoBody, nil)...)
			c.sealer.Seal(out[:seal.TransformHeaderSize], out[seal.TransformHeaderSize:])
			spoil(out)
			c.nc.Write(framed(out))
			if _, err := smb.ReadFrame(c.nc, nil, 1<<24); err != io.EOF {
				t.Errorf("the server answered (%v) instead of closing the connection", err)
			}
		})
	}
}

// TestEncryptedCompound: on a session that wants encryption (`desired`), an unencrypted compound whose
// first message needs no session (ECHO) still gets its READ's data encrypted: any message of a frame
// turns encryption on for the whole response, and an ECHO that names the session is encrypted as Samba
// encrypts it. A compound whose responses would need two sessions' keys closes the connection.
func TestEncryptedCompound(t *testing.T) {
	tg := startServer(t, withEncrypt("", config.EncryptDesired))
	c := dialEncrypting(t, tg)
	h, _ := c.sealedCall(c.sealer, c.message(smb.Header{Command: smb.TreeConnect, SessionID: c.sid}, treeConnectBody(tg, tg.Share), nil))
	if h.Status != smb.StatusSuccess {
		t.Fatalf("TREE_CONNECT: %v", h.Status)
	}
	tree := h.TreeID
	id := c.createEncrypted(tree, "64k+1.bin")
	want, _ := os.ReadFile(filepath.Join(tg.Root, "64k+1.bin"))
	want = want[:65536]

	read := smb.ReadRequest{Length: uint32(len(want)), FileID: id}
	frame := compound(c.message(smb.Header{Command: smb.Echo}, echoBody, nil),
		c.message(smb.Header{Command: smb.Read, SessionID: c.sid, TreeID: tree}, read.AppendTo, nil))
	if _, err := c.nc.Write(frame); err != nil {
		t.Fatal(err)
	}
	resp, err := smb.ReadFrame(c.nc, nil, 1<<24)
	if err != nil {
		t.Fatal(err)
	}
	if !seal.IsTransform(resp) {
		t.Fatalf("[ECHO, READ] answered in the clear; file data visible: %v", bytes.Contains(resp, want[1000:1064]))
	}
	plain, err := c.sealer.Open(resp)
	if err != nil {
		t.Fatalf("opening the response: %v", err)
	}
	parts, err := smb.SplitCompound(nil, plain)
	if err != nil || len(parts) != 2 {
		t.Fatalf("%d responses, %v; want 2", len(parts), err)
	}
	var rr smb.ReadResponse
	if h, _ := smb.DecodeHeader(parts[1]); h.Status != smb.StatusSuccess || h.Flags&smb.FlagSigned != 0 ||
		rr.Decode(parts[1]) != nil || !bytes.Equal(parts[1][rr.DataOffset:], want) {
		t.Fatalf("READ: %v, flags %#x; want the %d bytes on disk, unsigned inside the encryption", h.Status, h.Flags, len(want))
	}

	// [READ, READ]: the first READ's data sits between the messages, too much for the data buffer's
	// headroom, so messages and data are encrypted together in one buffer.
	frame = compound(c.message(smb.Header{Command: smb.Read, SessionID: c.sid, TreeID: tree}, read.AppendTo, nil),
		c.message(smb.Header{Command: smb.Read, SessionID: c.sid, TreeID: tree}, read.AppendTo, nil))
	if _, err := c.nc.Write(frame); err != nil {
		t.Fatal(err)
	}
	if resp, err = smb.ReadFrame(c.nc, nil, 1<<24); err != nil || !seal.IsTransform(resp) {
		t.Fatalf("[READ, READ]: %v, encrypted %v", err, err == nil && seal.IsTransform(resp))
	}
	if plain, err = c.sealer.Open(resp); err != nil {
		t.Fatalf("opening the response: %v", err)
	}
	if parts, err = smb.SplitCompound(nil, plain); err != nil || len(parts) != 2 {
		t.Fatalf("%d responses, %v; want 2", len(parts), err)
	}
	for i, p := range parts {
		var rr smb.ReadResponse
		if rr.Decode(p) != nil || !bytes.Equal(rr.Data, want) {
			t.Fatalf("[READ, READ]: READ %d did not return the %d bytes on disk", i, len(want))
		}
	}

	// An ECHO naming the session is answered encrypted too; one naming no session, in the clear.
	if h, _ := c.sealedCall(nil, c.message(smb.Header{Command: smb.Echo, SessionID: c.sid}, echoBody, nil)); h.Status != smb.StatusSuccess {
		t.Errorf("ECHO naming the session: %v", h.Status)
	}
	if h, _ := c.call(smb.Header{Command: smb.Echo, SessionID: 0xdead}, echoBody); h.Status != smb.StatusSuccess {
		t.Errorf("ECHO naming an unknown session: %v", h.Status)
	}

	bob, st, _ := c.logonUser(0, otherUser, otherPass, smb.SecurityModeSigningEnabled)
	if st != smb.StatusSuccess {
		t.Fatalf("second logon: %v", st)
	}
	frame = compound(c.message(smb.Header{Command: smb.TreeConnect, SessionID: c.sid}, treeConnectBody(tg, tg.Share), nil),
		c.message(smb.Header{Command: smb.TreeConnect, SessionID: bob}, treeConnectBody(tg, tg.Share), nil))
	if _, err := c.nc.Write(frame); err != nil {
		t.Fatal(err)
	}
	if _, err := smb.ReadFrame(c.nc, nil, 1<<24); err != io.EOF {
		t.Errorf("a compound of two encrypting sessions was answered (%v); want the connection closed", err)
	}
}

// createEncrypted opens name for reading on the tree with an encrypted CREATE.
func (c *encryptingClient) createEncrypted(tree uint32, name string) smb.FileID {
	c.t.Helper()
	req := openForReading(name)
	h, plain := c.sealedCall(c.sealer, c.message(smb.Header{Command: smb.Create, SessionID: c.sid, TreeID: tree}, req.AppendTo, nil))
	var cr smb.CreateResponse
	if h.Status != smb.StatusSuccess || cr.Decode(plain) != nil {
		c.t.Fatalf("CREATE %s: %v", name, h.Status)
	}
	return cr.FileID
}

// TestSmbclientEncrypted: smbclient with --client-protection=encrypt gets every READ-path file with the
// sha256 on disk at 3.0, 3.0.2 and 3.1.1 from a server with Samba's default (`if_required`), and cannot
// log on where `server smb encrypt = off`.
func TestSmbclientEncrypted(t *testing.T) {
	requireTool(t, "smbclient", "smbclient")
	tg := startServer(t)
	for _, d := range dialects[2:] {
		t.Run(d.name, func(t *testing.T) {
			dir := t.TempDir()
			var cmds []string
			for i, f := range DataFiles {
				cmds = append(cmds, fmt.Sprintf(`get "%s" "%s/%d"`, f.Name, dir, i))
			}
			before := tg.Server.Stats()
			out, err := smbclient(t, tg, tg.Share, "-U", tg.User+"%"+tg.Password,
				"--option=clientmaxprotocol="+d.name, "--option=clientminprotocol="+d.name,
				"--client-protection=encrypt", "-c", strings.Join(cmds, "; "))
			if err != nil {
				t.Fatalf("smbclient: %v\n%s", err, out)
			}
			var total int64
			for i, f := range DataFiles {
				got, err := os.ReadFile(filepath.Join(dir, fmt.Sprint(i)))
				if err != nil {
					t.Fatalf("%s: %v\n%s", f.Name, err, out)
				}
				want, _ := os.ReadFile(filepath.Join(tg.Root, filepath.FromSlash(f.Name)))
				if sha256.Sum256(got) != sha256.Sum256(want) {
					t.Errorf("%s: %d bytes with another sha256 than the %d on disk", f.Name, len(got), len(want))
				}
				total += int64(len(got))
			}
			if tg.Server != nil {
				after := settledStats(tg, before, total)
				if after.Fallback(zerocopy.FallbackEncrypted) == before.Fallback(zerocopy.FallbackEncrypted) {
					t.Errorf("no READ took the encrypted path")
				}
			}
		})
	}
	t.Run("off", func(t *testing.T) {
		tg := startServer(t, withEncrypt("", config.EncryptOff))
		out, err := smbclient(t, tg, tg.Share, "-U", tg.User+"%"+tg.Password, "--client-protection=encrypt", "-c", "ls")
		if err == nil {
			t.Errorf("smbclient encrypted against a server with encryption off:\n%s", out)
		}
	})
}
