package smb

import "github.com/zsmbd/zsmbd/internal/le"

// QUERY_DIRECTORY, CHANGE_NOTIFY and QUERY_INFO responses share one body (MS-SMB2 2.2.34, 2.2.36,
// 2.2.38): StructureSize 9, OutputBufferOffset, OutputBufferLength, then the buffer.
const outputBufferResponseSize = 9

// appendOutputBuffer appends that body. The buffer starts at 0x48 (64+8); an empty buffer is sent with
// offset 0x48 and length 0 and no padding byte, as Samba does.
func appendOutputBuffer(b, buf []byte) []byte {
	b = le.AppendU16(b, outputBufferResponseSize)
	b = le.AppendU16(b, HeaderSize+8)
	b = le.AppendU32(b, uint32(len(buf)))
	return append(b, buf...)
}

// decodeOutputBuffer decodes that body and returns the buffer, aliasing msg.
func decodeOutputBuffer(msg []byte, cmd string) ([]byte, error) {
	rd, err := body(msg, outputBufferResponseSize, cmd)
	if err != nil {
		return nil, err
	}
	off := rd.U16()
	n := rd.U32()
	return buffer(msg, uint32(off), n, 8, cmd+": output buffer")
}
