package integration

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
	"github.com/zsmbd/zsmbd/smb/sign"
)

const notifyNames = smb.NotifyChangeFileName | smb.NotifyChangeDirName

func notifyBody(id smb.FileID, max, filter uint32) func([]byte) []byte {
	return (&smb.ChangeNotifyRequest{FileID: id, OutputBufferLength: max, CompletionFilter: filter}).AppendTo
}

// receive reads the next response frame's first message: a final response that follows its interim one.
func (c *rawClient) receive() (smb.Header, []byte) {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.nc.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err := smb.ReadFrame(c.nc, nil, 1<<24)
	if err != nil {
		c.t.Fatalf("waiting for a response: %v", err)
	}
	h, err := smb.DecodeHeader(resp)
	if err != nil {
		c.t.Fatal(err)
	}
	return h, resp
}

// silent checks that nothing arrives for a while.
func (c *rawClient) silent(what string) {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	defer c.nc.SetReadDeadline(time.Now().Add(60 * time.Second))
	if resp, err := smb.ReadFrame(c.nc, nil, 1<<24); err == nil {
		h, _ := smb.DecodeHeader(resp)
		c.t.Fatalf("%s: got %v %v", what, h.Command, h.Status)
	}
}

// notifyDir makes a fresh directory in the share for one test (a remote server's tree is shared).
func notifyDir(t *testing.T, tg *target) (name, path string) {
	root := localRoot(t, tg)
	var b [4]byte
	rand.Read(b[:])
	name = "notify-" + hex.EncodeToString(b[:])
	path = filepath.Join(root, name)
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(path) })
	return name, path
}

// interim checks an interim response (MS-SMB2 3.3.4.2) and returns its AsyncId.
func interim(t *testing.T, h smb.Header) uint64 {
	t.Helper()
	if h.Status != smb.StatusPending || h.Flags&smb.FlagAsyncCommand == 0 || h.AsyncID == 0 || h.Credits == 0 ||
		h.Flags&smb.FlagSigned != 0 {
		t.Fatalf("interim response: status %v, flags %#x, AsyncId %d, credits %d; want STATUS_PENDING, async, unsigned, credits granted",
			h.Status, h.Flags, h.AsyncID, h.Credits)
	}
	return h.AsyncID
}

// final checks the final response of an asynchronous request and returns its notifications.
func final(t *testing.T, h, of smb.Header, resp []byte, status smb.Status) []fscc.Notification {
	t.Helper()
	if h.Command != smb.ChangeNotify || h.MessageID != of.MessageID || h.Flags&smb.FlagAsyncCommand == 0 ||
		h.AsyncID != of.AsyncID || h.Credits != 0 || h.Status != status {
		t.Fatalf("final response: %v #%d status %v flags %#x AsyncId %d credits %d; want CHANGE_NOTIFY #%d %v async AsyncId %d, no credits",
			h.Command, h.MessageID, h.Status, h.Flags, h.AsyncID, h.Credits, of.MessageID, status, of.AsyncID)
	}
	if status != smb.StatusSuccess {
		return nil
	}
	var r smb.ChangeNotifyResponse
	if err := r.Decode(resp); err != nil {
		t.Fatal(err)
	}
	ns, err := fscc.ParseNotifications(r.Buffer)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// TestChangeNotify: CHANGE_NOTIFY on a directory goes asynchronous and is answered when a file appears in
// it, changes made between requests are kept for the next one, and a pending request ends with
// STATUS_CANCELLED on CANCEL (from its own session only) and with STATUS_NOTIFY_CLEANUP when its
// directory is closed.
func TestChangeNotify(t *testing.T) {
	tg := startServer(t)
	c, a := rawShare(t, tg)
	name, dir := notifyDir(t, tg)
	id := c.mustCreate(a, name)

	h, _ := c.call(c.header(a, smb.ChangeNotify), notifyBody(id, 4096, notifyNames))
	interim(t, h)
	if err := os.WriteFile(filepath.Join(dir, "new.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	fh, resp := c.receive()
	got := final(t, fh, h, resp, smb.StatusSuccess)
	if want := []fscc.Notification{{Action: fscc.ActionAdded, Name: "new.txt"}}; !slices.Equal(got, want) {
		t.Fatalf("notifications %+v, want %+v", got, want)
	}

	t.Run("changes between requests are kept", func(t *testing.T) {
		os.Rename(filepath.Join(dir, "new.txt"), filepath.Join(dir, "renamed.txt"))
		os.Mkdir(filepath.Join(dir, "sub"), 0o755)
		want := []fscc.Notification{{Action: fscc.ActionRenamedOldName, Name: "new.txt"},
			{Action: fscc.ActionRenamedNewName, Name: "renamed.txt"}, {Action: fscc.ActionAdded, Name: "sub"}}
		var got []fscc.Notification
		for len(got) < len(want) {
			h, resp := c.call(c.header(a, smb.ChangeNotify), notifyBody(id, 4096, notifyNames))
			if h.Status == smb.StatusPending { // the kernel had not told the server yet
				h.AsyncID = interim(t, h)
				fh, resp := c.receive()
				got = append(got, final(t, fh, h, resp, smb.StatusSuccess)...)
				continue
			}
			var r smb.ChangeNotifyResponse
			if h.Status != smb.StatusSuccess || r.Decode(resp) != nil {
				t.Fatalf("CHANGE_NOTIFY with changes kept: %v", h.Status)
			}
			ns, err := fscc.ParseNotifications(r.Buffer)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ns...)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("notifications %+v, want %+v", got, want)
		}
	})

	t.Run("too many changes for the buffer", func(t *testing.T) {
		h, _ := c.call(c.header(a, smb.ChangeNotify), notifyBody(id, 8, notifyNames))
		interim(t, h)
		os.WriteFile(filepath.Join(dir, "long-name-that-does-not-fit.txt"), nil, 0o644)
		fh, resp := c.receive()
		final(t, fh, h, resp, smb.StatusNotifyEnumDir)
	})

	t.Run("cancel", func(t *testing.T) {
		h, _ := c.call(c.header(a, smb.ChangeNotify), notifyBody(id, 4096, notifyNames))
		h.AsyncID = interim(t, h)
		cancel := func(sess uint64) {
			msg := (&smb.Header{Command: smb.Cancel, Flags: smb.FlagAsyncCommand, MessageID: h.MessageID,
				AsyncID: h.AsyncID, SessionID: sess}).AppendTo(nil)
			if _, err := c.nc.Write(framed(append(msg, 4, 0, 0, 0))); err != nil {
				t.Fatal(err)
			}
		}
		other := c.logonGuest()
		cancel(other)
		c.silent("CANCEL from another session")
		cancel(a.sess)
		fh, resp := c.receive()
		final(t, fh, h, resp, smb.StatusCancelled)
	})

	t.Run("close", func(t *testing.T) {
		h, _ := c.call(c.header(a, smb.ChangeNotify), notifyBody(id, 4096, notifyNames))
		h.AsyncID = interim(t, h)
		msg := c.message(c.header(a, smb.Close), (&smb.CloseRequest{FileID: id}).AppendTo, nil)
		if _, err := c.nc.Write(framed(msg)); err != nil {
			t.Fatal(err)
		}
		var closed, cleaned bool
		for !closed || !cleaned {
			fh, resp := c.receive()
			switch fh.Command {
			case smb.Close:
				if fh.Status != smb.StatusSuccess {
					t.Fatalf("CLOSE: %v", fh.Status)
				}
				closed = true
			default:
				final(t, fh, h, resp, smb.StatusNotifyCleanup)
				cleaned = true
			}
		}
	})

	t.Run("refused", func(t *testing.T) {
		file := c.mustCreate(a, "one.bin")
		if h, _ := c.call(c.header(a, smb.ChangeNotify), notifyBody(file, 4096, notifyNames)); h.Status != smb.StatusInvalidParameter {
			t.Errorf("CHANGE_NOTIFY on a file: %v, want STATUS_INVALID_PARAMETER", h.Status)
		}
		dir := c.mustCreate(a, name)
		if h, _ := c.call(c.header(a, smb.ChangeNotify), notifyBody(dir, 16<<20, notifyNames)); h.Status != smb.StatusInvalidParameter {
			t.Errorf("OutputBufferLength past MaxTransactSize: %v, want STATUS_INVALID_PARAMETER", h.Status)
		}
		c.close(a, dir)
		if h, _ := c.call(c.header(a, smb.ChangeNotify), notifyBody(dir, 4096, notifyNames)); h.Status != smb.StatusFileClosed {
			t.Errorf("CHANGE_NOTIFY on a closed directory: %v, want STATUS_FILE_CLOSED", h.Status)
		}
	})
}

// TestChangeNotifyOff: `change notify = no` refuses CHANGE_NOTIFY as Samba does.
func TestChangeNotifyOff(t *testing.T) {
	tg := startServer(t, func(c *config.Config) { c.Shares[0].NoChangeNotify = true })
	c, a := rawShare(t, tg)
	id := c.mustCreate(a, "dir")
	if h, _ := c.call(c.header(a, smb.ChangeNotify), notifyBody(id, 4096, notifyNames)); h.Status != smb.StatusNotImplemented {
		t.Fatalf("CHANGE_NOTIFY with change notify = no: %v, want STATUS_NOT_IMPLEMENTED", h.Status)
	}
}

// TestChangeNotifySigned: on a session that signs, the interim response is not signed (MS-SMB2 3.3.4.2)
// and the final one is, with the session's key.
func TestChangeNotifySigned(t *testing.T) {
	tg := startServer(t, func(c *config.Config) { c.Global.ServerSigning = config.SigningMandatory })
	c := dialRawClient(t, tg)
	a, s := c.signedShare(tg)
	name, dir := notifyDir(t, tg)
	id := c.signedCreate(a, name, s)
	h, _ := c.callSigned(c.header(a, smb.ChangeNotify), notifyBody(id, 4096, notifyNames), s)
	h.AsyncID = interim(t, h)
	os.WriteFile(filepath.Join(dir, "signed.txt"), nil, 0o644)
	fh, resp := c.receive()
	final(t, fh, h, resp, smb.StatusSuccess)
	if fh.Flags&smb.FlagSigned == 0 || !sign.VerifyMessage(s, resp) {
		t.Fatal("final response not signed with the session's key")
	}
}

// TestSmbclientNotify: smbclient's notify command, signed and encrypted at 3.1.1, prints the changes
// made on disk to the directory it watches, as it does against smbd (whose lines for the same steps
// are the ones expected here).
func TestSmbclientNotify(t *testing.T) {
	tg := startServer(t)
	bin := requireTool(t, "smbclient", "smbclient")
	stdbuf := requireTool(t, "stdbuf", "coreutils") // smbclient buffers its output in a pipe
	host, port, err := net.SplitHostPort(tg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, protection := range []string{"sign", "encrypt"} {
		t.Run(protection, func(t *testing.T) {
			name, dir := notifyDir(t, tg)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conf := t.TempDir() + "/smb.conf"
			os.WriteFile(conf, []byte("[global]\n"), 0o644)
			cmd := exec.CommandContext(ctx, stdbuf, "-oL", bin, "-s", conf, "//"+host+"/"+tg.Share, "-p", port,
				"-U", tg.User+"%"+tg.Password, "--client-protection="+protection, "-c", "notify "+name)
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = cmd.Stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()
			defer cmd.Process.Kill()
			lines := make(chan string, 64)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			// The watch starts with smbclient's first CHANGE_NOTIFY: make files until one is reported.
			var first string
			for i := 0; first == ""; i++ {
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("probe%d", i)), nil, 0o644); err != nil {
					t.Fatal(err)
				}
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatal("smbclient exited")
					}
					first = l
				case <-time.After(200 * time.Millisecond):
				case <-ctx.Done():
					t.Fatal("smbclient reported nothing")
				}
			}
			if !strings.HasPrefix(first, "0001 probe") {
				t.Fatalf("first line %q, want 0001 probeN", first)
			}
			for len(lines) > 0 {
				<-lines // the other probes
			}
			os.Rename(filepath.Join(dir, "probe0"), filepath.Join(dir, "renamed"))
			os.Mkdir(filepath.Join(dir, "sub"), 0o755)
			for _, want := range []string{"0004 probe0", "0005 renamed", "0001 sub"} {
				select {
				case l := <-lines:
					for strings.HasPrefix(l, "0001 probe") || strings.HasPrefix(l, "0003 probe") {
						l = <-lines // a late probe
					}
					if l != want {
						t.Fatalf("line %q, want %q", l, want)
					}
				case <-ctx.Done():
					t.Fatalf("no line for %q", want)
				}
			}
		})
	}
}

// TestChangeNotifyBounded: a connection may have 256 CHANGE_NOTIFY requests pending; the next gets
// STATUS_INSUFFICIENT_RESOURCES, and closing the directory answers all 256.
func TestChangeNotifyBounded(t *testing.T) {
	tg := startServer(t)
	c, a := rawShare(t, tg)
	name, _ := notifyDir(t, tg)
	id := c.mustCreate(a, name)
	for i := 0; i < 256; i++ {
		if h, _ := c.call(c.header(a, smb.ChangeNotify), notifyBody(id, 4096, notifyNames)); h.Status != smb.StatusPending {
			t.Fatalf("request %d: %v, want STATUS_PENDING", i, h.Status)
		}
	}
	if h, _ := c.call(c.header(a, smb.ChangeNotify), notifyBody(id, 4096, notifyNames)); h.Status != smb.StatusInsufficientResources {
		t.Fatalf("request 257: %v, want STATUS_INSUFFICIENT_RESOURCES", h.Status)
	}
	msg := c.message(c.header(a, smb.Close), (&smb.CloseRequest{FileID: id}).AppendTo, nil)
	if _, err := c.nc.Write(framed(msg)); err != nil {
		t.Fatal(err)
	}
	cleaned := 0
	for closed := false; !closed || cleaned < 256; {
		h, _ := c.receive()
		switch {
		case h.Command == smb.Close:
			closed = true
		case h.Status == smb.StatusNotifyCleanup && h.Flags&smb.FlagAsyncCommand != 0:
			cleaned++
		default:
			t.Fatalf("%v %v after CLOSE", h.Command, h.Status)
		}
	}
	// The slots are free again.
	id = c.mustCreate(a, name)
	if h, _ := c.call(c.header(a, smb.ChangeNotify), notifyBody(id, 4096, notifyNames)); h.Status != smb.StatusPending {
		t.Fatalf("after the cleanup: %v, want STATUS_PENDING", h.Status)
	}
}
