package smb

import "bytes"

// smb1ComNegotiate is SMB_COM_NEGOTIATE (MS-CIFS 2.2.4.52).
const smb1ComNegotiate = 0x72

// smb1HeaderSize is the size of the SMB1 header (MS-CIFS 2.2.3.1).
const smb1HeaderSize = 32

// IsSMB1 reports whether msg starts with the SMB1 protocol identifier "\xffSMB". A client that does not
// know the server speaks SMB2 opens with an SMB1 NEGOTIATE (MS-SMB2 3.3.5.3).
func IsSMB1(msg []byte) bool {
	return len(msg) >= 4 && msg[0] == 0xFF && msg[1] == 'S' && msg[2] == 'M' && msg[3] == 'B'
}

// ParseSMB1Negotiate returns the dialect strings of an SMB1 SMB_COM_NEGOTIATE request (MS-CIFS
// 2.2.4.52.1): after the 32-byte header, WordCount 0, ByteCount, then a list of BufferFormat 0x02 and a
// NUL-terminated OEM string each. The server looks for "SMB 2.002" and "SMB 2.???" (MS-SMB2 3.3.5.3.1).
func ParseSMB1Negotiate(msg []byte) (dialects []string, err error) {
	if !IsSMB1(msg) || len(msg) < smb1HeaderSize+3 || msg[4] != smb1ComNegotiate {
		return nil, malformed("smb1: not a NEGOTIATE")
	}
	wc := int(msg[smb1HeaderSize])
	p := smb1HeaderSize + 1 + 2*wc
	if p+2 > len(msg) {
		return nil, malformed("smb1: WordCount")
	}
	bc := int(msg[p]) | int(msg[p+1])<<8
	p += 2
	if bc > len(msg)-p {
		return nil, malformed("smb1: ByteCount")
	}
	buf := msg[p : p+bc]
	for len(buf) > 0 {
		if buf[0] != 0x02 {
			return nil, malformed("smb1: dialect BufferFormat")
		}
		end := bytes.IndexByte(buf[1:], 0)
		if end < 0 {
			return nil, malformed("smb1: unterminated dialect")
		}
		dialects = append(dialects, string(buf[1:1+end]))
		buf = buf[1+end+1:]
	}
	return dialects, nil
}
