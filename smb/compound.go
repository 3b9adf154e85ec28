package smb

import "github.com/zsmbd/zsmbd/internal/le"

// SplitCompound splits a transport frame into its SMB2 messages by the headers' NextCommand fields
// (MS-SMB2 3.3.5.2.7). Each NextCommand must be a multiple of 8, at least HeaderSize, and leave the next
// header inside the frame; the last message has NextCommand 0 and runs to the end of the frame. The
// messages are appended to msgs (which may be nil) and alias msg.
func SplitCompound(msgs [][]byte, msg []byte) ([][]byte, error) {
	for {
		if len(msg) < HeaderSize {
			return nil, malformed("compound: message shorter than a header")
		}
		next := le.NewReader(msg[OffNextCommand:]).U32()
		if next == 0 {
			return append(msgs, msg), nil
		}
		if next%8 != 0 || next < HeaderSize || uint64(next) >= uint64(len(msg)) {
			return nil, malformed("compound: NextCommand")
		}
		msgs = append(msgs, msg[:next])
		msg = msg[next:]
	}
}
