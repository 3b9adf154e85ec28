package smb

import "fmt"

//go:generate go run ./internal/statusgen

// Status is an NTSTATUS code. It implements error so a handler can return the status that answers a request.
type Status uint32

// Error returns the status name, as Samba and Wireshark print it.
func (s Status) Error() string { return s.String() }

// String returns the NT_STATUS name, or the hexadecimal value for codes outside the table.
func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("NTSTATUS(0x%08X)", uint32(s))
}

// IsError reports whether the severity bits say error (0xC...) rather than success, information or warning.
func (s Status) IsError() bool { return s>>30 == 3 }
