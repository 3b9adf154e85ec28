package fscc

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestSecurityDescriptorBytes checks the whole descriptor against bytes laid
// out by hand from MS-DTYP 2.4.6 (header), 2.4.5 (ACL) and 2.4.4.2 (ACE).
func TestSecurityDescriptorBytes(t *testing.T) {
	const (
		owner = "0102 000000000016 01000000 e8030000" // S-1-22-1-1000
		group = "0102 000000000016 02000000 64000000" // S-1-22-2-100
	)
	// The DACL of a 0o640 file: owner rw- FILE_GENERIC_READ|WRITE, group r-- FILE_GENERIC_READ, others none.
	const dacl = "02 00 4c00 0300 0000" + // AclRevision, Sbz1, AclSize 76, AceCount 3, Sbz2
		"00 00 1800 9f011200" + owner +
		"00 00 1800 89001200" + group +
		"00 00 1400 00000000 0101 000000000001 00000000"
	tests := []struct {
		info uint32
		want string
	}{
		{7, "01 00 0490 14000000 24000000 00000000 34000000" + owner + group + dacl},
		{1, "01 00 0080 14000000 00000000 00000000 00000000" + owner},
		{2, "01 00 0080 00000000 14000000 00000000 00000000" + group},
		{4, "01 00 0490 00000000 00000000 00000000 14000000" + dacl},
		{8, "01 00 0080 00000000 00000000 00000000 00000000"},
		{0, "01 00 0080 00000000 00000000 00000000 00000000"},
		// Unknown flags (LABEL, ATTRIBUTE, ...) are ignored.
		{0xfffffff0 | 1, "01 00 0080 14000000 00000000 00000000 00000000" + owner},
		{15, "01 00 0490 14000000 24000000 00000000 34000000" + owner + group + dacl},
	}
	for _, tt := range tests {
		got := SecurityDescriptor(1000, 100, 0o640, false, tt.info)
		if want := unhex(t, tt.want); !bytes.Equal(got, want) {
			t.Errorf("info=%#x:\n got %x\nwant %x", tt.info, got, want)
		}
		checkSelfRelative(t, got)
	}
}

// TestModeAccess: each class's bits as smbd 4.17 showed them (impacket against smbd, files and
// directories of every mode below).
func TestModeAccess(t *testing.T) {
	for _, c := range []struct {
		rwx   uint32
		isDir bool
		want  uint32
	}{
		{0, false, 0}, {4, false, 0x120089}, {2, false, 0x120116}, {1, false, 0x1200a0},
		{6, false, 0x12019f}, {5, false, 0x1200a9}, {7, false, 0x1e01ff}, {7, true, 0x1f01ff},
		{5, true, 0x1200a9}, {0o751, false, 0x1200a0}, // only the low three bits count
	} {
		if got := ModeAccess(c.rwx, c.isDir); got != c.want {
			t.Errorf("ModeAccess(%o, dir %v) = %#x, want %#x", c.rwx, c.isDir, got, c.want)
		}
	}
}

// checkSelfRelative parses sd as a self-relative descriptor and checks that
// every offset and size is consistent and that the parts tile the buffer.
func checkSelfRelative(t *testing.T, sd []byte) {
	t.Helper()
	if len(sd) < 20 || sd[0] != 1 || binary.LittleEndian.Uint16(sd[2:])&SE_SELF_RELATIVE == 0 {
		t.Fatalf("bad header %x", sd)
	}
	end := 20
	for i, name := range []string{"owner", "group", "sacl", "dacl"} {
		off := int(binary.LittleEndian.Uint32(sd[4+4*i:]))
		if off == 0 {
			continue
		}
		if off != end || off%4 != 0 {
			t.Fatalf("%s at %d, expected %d", name, off, end)
		}
		switch name {
		case "owner", "group":
			_, n, err := DecodeSID(sd[off:])
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			end += n
		default:
			size := int(binary.LittleEndian.Uint16(sd[off+2:]))
			count := int(binary.LittleEndian.Uint16(sd[off+4:]))
			if off+size > len(sd) || sd[off] != 2 {
				t.Fatalf("%s: size %d revision %d", name, size, sd[off])
			}
			p := off + 8
			for range count {
				aceSize := int(binary.LittleEndian.Uint16(sd[p+2:]))
				if _, n, err := DecodeSID(sd[p+8 : p+aceSize]); err != nil || n != aceSize-8 {
					t.Fatalf("ACE at %d: %v", p, err)
				}
				p += aceSize
			}
			if p != off+size {
				t.Fatalf("%s: ACEs end at %d, AclSize says %d", name, p, off+size)
			}
			end = p
		}
	}
	if end != len(sd) {
		t.Fatalf("descriptor is %d bytes, parts end at %d", len(sd), end)
	}
}

func TestSecurityInfoBufferTooSmall(t *testing.T) {
	full := SecurityDescriptor(0, 0, 0o644, false, 7)
	for _, m := range []int{0, 1, 20, len(full) - 1} {
		got, err := SecurityInfo(0, 0, 0o644, false, 7, m)
		var tooSmall *BufferTooSmallError
		if got != nil || !errors.Is(err, ErrBufferTooSmall) || !errors.As(err, &tooSmall) || tooSmall.Required != uint32(len(full)) {
			t.Errorf("maxLen %d: %x, %v", m, got, err)
		}
	}
	for _, m := range []int{len(full), 4096} {
		if got, err := SecurityInfo(0, 0, 0o644, false, 7, m); err != nil || !bytes.Equal(got, full) {
			t.Errorf("maxLen %d: %x, %v", m, got, err)
		}
	}
	if len(full) != 128 {
		t.Errorf("full descriptor is %d bytes, want 128", len(full))
	}
}

// impacketPython finds a python3 that can import impacket (Debian's
// python3-impacket installs into /usr/bin/python3's path, which another
// python3 earlier in PATH may not see).
func impacketPython() string {
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import impacket.ldap.ldaptypes").Run() == nil {
			return py
		}
	}
	return ""
}

// TestSecurityDescriptorImpacket has an independent parser, impacket's
// SR_SECURITY_DESCRIPTOR, read the descriptors back.
func TestSecurityDescriptorImpacket(t *testing.T) {
	py := impacketPython()
	if py == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-impacket is required in CI")
		}
		t.Skip("python3-impacket not installed")
	}
	const script = `
import sys
from impacket.ldap.ldaptypes import SR_SECURITY_DESCRIPTOR
for line in sys.stdin:
    sd = SR_SECURITY_DESCRIPTOR(data=bytes.fromhex(line.strip()))
    out = ["rev=%d" % ord(sd['Revision']), "control=%#x" % sd['Control']]
    out.append("owner=" + (sd['OwnerSid'].formatCanonical() if sd['OffsetOwner'] else "-"))
    out.append("group=" + (sd['GroupSid'].formatCanonical() if sd['OffsetGroup'] else "-"))
    if sd['OffsetDacl']:
        for ace in sd['Dacl'].aces:
            out.append("ace=%d/%d/%#x/%s" % (ace['AceType'], ace['AceFlags'], ace['Ace']['Mask']['Mask'], ace['Ace']['Sid'].formatCanonical()))
    print(" ".join(out))
`
	cases := []struct {
		uid, gid, perm uint32
		isDir          bool
		info           uint32
		want           string
	}{
		{1000, 100, 0o644, false, 7, "rev=1 control=0x9004 owner=S-1-22-1-1000 group=S-1-22-2-100 ace=0/0/0x12019f/S-1-22-1-1000 ace=0/0/0x120089/S-1-22-2-100 ace=0/0/0x120089/S-1-1-0"},
		{0, 0, 0o755, true, 15, "rev=1 control=0x9004 owner=S-1-22-1-0 group=S-1-22-2-0 ace=0/0/0x1f01ff/S-1-22-1-0 ace=0/0/0x1200a9/S-1-22-2-0 ace=0/0/0x1200a9/S-1-1-0"},
		{65534, 65534, 0o600, false, 1, "rev=1 control=0x8000 owner=S-1-22-1-65534 group=-"},
		{5, 6, 0o700, true, 2, "rev=1 control=0x8000 owner=- group=S-1-22-2-6"},
		{5, 6, 0o751, false, 4, "rev=1 control=0x9004 owner=- group=- ace=0/0/0x1e01ff/S-1-22-1-5 ace=0/0/0x1200a9/S-1-22-2-6 ace=0/0/0x1200a0/S-1-1-0"},
	}
	var in strings.Builder
	for _, c := range cases {
		fmt.Fprintln(&in, hex.EncodeToString(SecurityDescriptor(c.uid, c.gid, c.perm, c.isDir, c.info)))
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("impacket: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("impacket printed %d lines:\n%s", len(lines), out)
	}
	for i, c := range cases {
		if lines[i] != c.want {
			t.Errorf("case %d:\n got %s\nwant %s", i, lines[i], c.want)
		}
	}
}

// TestCheckSelfRelativeOnSamba runs the validator above on the descriptor
// Samba 4.17 returned for hello.txt (OWNER|GROUP|DACL), so the validator
// itself is known to accept a real server's answer laid out the same way.
func TestCheckSelfRelativeOnSamba(t *testing.T) {
	samba := unhex(t, "01000490140000003000000000000000400000000105000000000005150000001ab3eb50c1f23a9969032083e8030000"+
		"010200000000001602000000000000000200580003000000000024009f0112000105000000000005150000001ab3eb50c1f23a99"+
		"69032083e80300000000180089001200010200000000001602000000000000000000140089001200010100000000000100000000")
	checkSelfRelative(t, samba)
}
