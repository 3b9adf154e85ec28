package fscc

import (
	"encoding/binary"
	"errors"
	"unicode/utf16"
)

// FILE_ACTION values of FILE_NOTIFY_INFORMATION (MS-FSCC 2.7.1).
const (
	ActionAdded          = 0x00000001
	ActionRemoved        = 0x00000002
	ActionModified       = 0x00000003
	ActionRenamedOldName = 0x00000004
	ActionRenamedNewName = 0x00000005
)

// Notification is one FILE_NOTIFY_INFORMATION entry: what happened to a name in the watched directory.
type Notification struct {
	Action uint32
	Name   string
}

// notifyFixed is FILE_NOTIFY_INFORMATION's size before FileName.
const notifyFixed = 12

// AppendNotifications appends ns as chained FILE_NOTIFY_INFORMATION entries, each starting 4-byte
// aligned (MS-FSCC 2.7.1; Windows and Samba pad between entries, not after the last). It reports false,
// leaving b as it was, when the entries take more than maxLen bytes: the server then answers
// STATUS_NOTIFY_ENUM_DIR and the client lists the directory again.
func AppendNotifications(b []byte, ns []Notification, maxLen int) ([]byte, bool) {
	start, prev := len(b), -1
	for _, n := range ns {
		if prev >= 0 {
			for (len(b)-start)%4 != 0 {
				b = append(b, 0)
			}
			binary.LittleEndian.PutUint32(b[prev:], uint32(len(b)-prev))
		}
		if len(b)-start+notifyFixed+utf16Len(n.Name) > maxLen {
			return b[:start], false
		}
		prev = len(b)
		b = le32(b, 0) // NextEntryOffset: set when another entry follows
		b = le32(b, n.Action)
		b = le32(b, uint32(utf16Len(n.Name)))
		b = appendUTF16(b, n.Name)
	}
	return b, true
}

// ParseNotifications decodes chained FILE_NOTIFY_INFORMATION entries.
func ParseNotifications(b []byte) ([]Notification, error) {
	var ns []Notification
	for off := 0; len(b) > 0; {
		if len(b)-off < notifyFixed {
			return nil, errors.New("fscc: FILE_NOTIFY_INFORMATION truncated")
		}
		e := b[off:]
		next := binary.LittleEndian.Uint32(e)
		nameLen := binary.LittleEndian.Uint32(e[8:])
		if uint64(nameLen) > uint64(len(e)-notifyFixed) || nameLen%2 != 0 {
			return nil, errors.New("fscc: FILE_NOTIFY_INFORMATION name out of bounds")
		}
		u := make([]uint16, nameLen/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(e[notifyFixed+2*i:])
		}
		ns = append(ns, Notification{Action: binary.LittleEndian.Uint32(e[4:]), Name: string(utf16.Decode(u))})
		if next == 0 {
			break
		}
		if next%4 != 0 || uint64(next) >= uint64(len(e)) {
			return nil, errors.New("fscc: FILE_NOTIFY_INFORMATION bad NextEntryOffset")
		}
		off += int(next)
	}
	return ns, nil
}
