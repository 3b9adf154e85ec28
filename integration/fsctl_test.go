package integration

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/zsmbd/zsmbd/smb"
)

// TestFsctlStatuses: the FSCTLs zsmbd answers from the open alone, and the statuses of those it refuses,
// are smbd 4.17.12's, measured with impacket against both servers on a file and a directory with an
// empty and a 64-byte input. An FSCTL zsmbd does not know is STATUS_INVALID_DEVICE_REQUEST (MS-FSA
// 2.1.5.9, and smbd's answer). Server-side copy (SRV_REQUEST_RESUME_KEY, SRV_COPYCHUNK) is not offered:
// a read-only server has nowhere to copy to.
func TestFsctlStatuses(t *testing.T) {
	tg := startServer(t)
	c, on := rawShare(t, tg)
	for _, name := range []string{"one.bin", "dir"} {
		id := c.mustCreate(on, name)
		for _, tc := range []struct {
			ctl  string
			code uint32
			want smb.Status
		}{
			{"an unknown FSCTL", 0x00091234, smb.StatusInvalidDeviceRequest},
			{"GET_OBJECT_ID", smb.FsctlGetObjectID, smb.StatusInvalidDeviceRequest},
			{"SRV_ENUMERATE_SNAPSHOTS", smb.FsctlSrvEnumerateSnapshots, smb.StatusInvalidDeviceRequest},
			{"FILE_LEVEL_TRIM", smb.FsctlFileLevelTrim, smb.StatusInvalidDeviceRequest},
			{"DUPLICATE_EXTENTS_TO_FILE", smb.FsctlDuplicateExtentsToFile, smb.StatusInvalidDeviceRequest},
			{"PIPE_PEEK", smb.FsctlPipePeek, smb.StatusInvalidDeviceRequest},
			{"SRV_COPYCHUNK", smb.FsctlSrvCopychunk, smb.StatusInvalidDeviceRequest},
			{"SET_COMPRESSION", smb.FsctlSetCompression, smb.StatusAccessDenied},
			{"SET_ZERO_DATA", smb.FsctlSetZeroData, smb.StatusAccessDenied},
			{"SET_SPARSE", smb.FsctlSetSparse, smb.StatusMediaWriteProtected},
			{"SET_REPARSE_POINT", smb.FsctlSetReparsePoint, smb.StatusNotAReparsePoint},
			{"DELETE_REPARSE_POINT", smb.FsctlDeleteReparsePoint, smb.StatusNotAReparsePoint},
			{"GET_REPARSE_POINT", smb.FsctlGetReparsePoint, smb.StatusNotAReparsePoint},
			{"PIPE_TRANSCEIVE", smb.FsctlPipeTransceive, smb.StatusNotSupported},
			{"PIPE_WAIT", smb.FsctlPipeWait, smb.StatusInvalidParameter},
			{"IS_VOLUME_DIRTY", smb.FsctlIsVolumeDirty, smb.StatusInvalidParameter},
		} {
			for _, in := range [][]byte{nil, make([]byte, 64)} {
				if h, _ := c.ioctl(on, id, tc.code, in, 4096); h.Status != tc.want {
					t.Errorf("%s on %s with %d input bytes: %v, want %v", tc.ctl, name, len(in), h.Status, tc.want)
				}
			}
		}

		// GET_COMPRESSION: COMPRESSION_FORMAT_NONE.
		if out, st := c.ioctlOut(on, id, smb.FsctlGetCompression, 4096); st != smb.StatusSuccess || !bytes.Equal(out, []byte{0, 0}) {
			t.Errorf("GET_COMPRESSION on %s: %v, % x", name, st, out)
		}
		if _, st := c.ioctlOut(on, id, smb.FsctlGetCompression, 1); st != smb.StatusBufferTooSmall {
			t.Errorf("GET_COMPRESSION on %s into 1 byte: %v, want STATUS_BUFFER_TOO_SMALL", name, st)
		}
		// CREATE_OR_GET_OBJECT_ID: the file's device and inode, the same for every open.
		out, st := c.ioctlOut(on, id, smb.FsctlCreateOrGetObjectID, 4096)
		if st != smb.StatusSuccess || len(out) != 64 || !bytes.Equal(out[:16], out[32:48]) || !bytes.Equal(out[48:], make([]byte, 16)) {
			t.Fatalf("CREATE_OR_GET_OBJECT_ID on %s: %v, % x", name, st, out)
		}
		if tg.Root != "" {
			var sys syscall.Stat_t
			if err := syscall.Stat(filepath.Join(tg.Root, name), &sys); err != nil {
				t.Fatal(err)
			}
			// In Docker the test's container sees the server's volume with the same inodes; its device
			// number is only compared in-process.
			dev, ino := binary.LittleEndian.Uint64(out), binary.LittleEndian.Uint64(out[8:])
			if ino != sys.Ino || dev != uint64(sys.Dev) && !remote() {
				t.Errorf("object id of %s: device %d inode %d, want %d %d", name, dev, ino, sys.Dev, sys.Ino)
			}
		}
		again := c.mustCreate(on, name)
		if out2, _ := c.ioctlOut(on, again, smb.FsctlCreateOrGetObjectID, 4096); !bytes.Equal(out2, out) {
			t.Errorf("a second open of %s has another object id", name)
		}
		c.close(on, again)
		c.close(on, id)
	}
}

// ioctl sends an FSCTL on id.
func (c *rawClient) ioctl(on handle, id smb.FileID, code uint32, input []byte, max uint32) (smb.Header, []byte) {
	c.t.Helper()
	req := smb.IoctlRequest{CtlCode: code, FileID: id, MaxOutputResponse: max, Flags: smb.IoctlIsFsctl, Input: input}
	return c.call(c.header(on, smb.Ioctl), req.AppendTo)
}

// ioctlOut sends an FSCTL with no input on id and returns its output and status.
func (c *rawClient) ioctlOut(on handle, id smb.FileID, code uint32, max uint32) ([]byte, smb.Status) {
	c.t.Helper()
	h, resp := c.ioctl(on, id, code, nil, max)
	if h.Status != smb.StatusSuccess {
		return nil, h.Status
	}
	var ir smb.IoctlResponse
	if err := ir.Decode(resp); err != nil {
		c.t.Fatal(err)
	}
	return ir.Output, h.Status
}
