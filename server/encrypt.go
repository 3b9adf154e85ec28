package server

import (
	"fmt"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/seal"
	"github.com/zsmbd/zsmbd/zerocopy"
)

// SMB 3.x encryption (MS-SMB2 3.3.4.1.4, 3.3.5.2.1.1). A transform message is decrypted as it is read,
// before anything looks at its requests; a frame whose request came encrypted, or whose session or tree
// asks for encryption (`server smb encrypt`), is answered with one transform message built when the frame
// is complete. Its READ data takes the copy path (counted as the "encrypted" fallback): the bytes are
// rewritten in place in the pooled buffer they were read into.

// decrypt opens a transform message with the key of the session it names. Any failure closes the
// connection, as MS-SMB2 3.3.5.2.1.1 requires: an unknown session, one without keys (guest, anonymous,
// no cipher negotiated), a malformed header or a message that does not authenticate.
func (c *conn) decrypt(frame []byte) ([]byte, *session, error) {
	id, err := seal.SessionID(frame)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	s := c.sessions[id]
	c.mu.Unlock()
	if s == nil {
		return nil, nil, fmt.Errorf("encrypted message for unknown session %#x", id)
	}
	s.mu.Lock()
	sl := s.sealer
	s.mu.Unlock()
	if sl == nil {
		return nil, nil, fmt.Errorf("encrypted message for session %#x, which has no encryption key", id)
	}
	msg, err := sl.Open(frame)
	if err != nil {
		return nil, nil, err
	}
	return msg, s, nil
}

// checkEncryption applies Samba's rules to a request of r.sess: one that came encrypted must name the
// session whose key encrypted it, and a session that requires encryption refuses the rest
// (MS-SMB2 3.3.5.2.9).
func (r *request) checkEncryption() error {
	s := r.sess
	if r.sealedBy != nil {
		if r.sealedBy != s {
			r.c.log.Warn().Uint64("session", s.id).Uint64("sealed_by", r.sealedBy.id).Msg("request encrypted with another session's key")
			return smb.StatusAccessDenied
		}
		return nil
	}
	s.mu.Lock()
	required := s.encryptRequired && s.valid
	s.mu.Unlock()
	if required {
		r.c.log.Warn().Uint64("session", s.id).Stringer("command", r.hdr.Command).Msg("unencrypted request on a session that requires encryption")
		return smb.StatusAccessDenied
	}
	return nil
}

// wantsSeal reports whether the response must be encrypted although the request was not: its session
// or tree was told to encrypt (MS-SMB2 3.3.4.1.4). A SESSION_SETUP response never is: the client
// has no keys before it reads the last one.
func (r *request) wantsSeal() bool {
	if r.sess == nil || r.hdr.Command == smb.SessionSetup {
		return false
	}
	s := r.sess
	s.mu.Lock()
	sealer, data := s.sealer, s.encryptData
	s.mu.Unlock()
	return sealer != nil && (data || r.tree != nil && r.tree.encryptData)
}

// sealFrame encrypts a finished frame with f.seal's key: its messages, followed by the READ data copied
// after them, become one transform message (compounded responses are encrypted together,
// MS-SMB2 3.3.4.1.4). The data is encrypted where it was read; the messages join it in the buffer's
// headroom, or, when a compound's do not fit there, both are copied into one buffer.
func sealFrame(f *outFrame) {
	f.seal.mu.Lock()
	sl := f.seal.sealer
	f.seal.mu.Unlock()
	msgs := f.buf[smb.TransportHeaderSize:]
	if f.data == nil {
		f.buf = append(f.buf, transformRoom[:]...)
		copy(f.buf[smb.TransportHeaderSize+seal.TransformHeaderSize:], f.buf[smb.TransportHeaderSize:])
		hdr := f.buf[smb.TransportHeaderSize : smb.TransportHeaderSize+seal.TransformHeaderSize]
		sl.Seal(hdr, f.buf[smb.TransportHeaderSize+seal.TransformHeaderSize:])
		smb.PutTransportHeader(f.buf, len(f.buf)-smb.TransportHeaderSize)
		return
	}
	if len(msgs) <= zerocopy.Headroom {
		f.front = len(msgs)
		copy(f.data.WithFront(f.front), msgs)
	} else {
		data := f.data.Bytes()
		whole := zerocopy.GetBuffer(len(msgs) + len(data))
		copy(whole.Bytes(), msgs)
		copy(whole.Bytes()[len(msgs):], data)
		f.data.Release()
		f.data, f.front = whole, 0
		if cap(f.buf) > maxPooledFrame {
			// The messages (with a compound's copied READ data) are in whole now: let their buffer go
			// rather than hold the frame's data twice until it is sent.
			f.buf = make([]byte, smb.TransportHeaderSize, smb.TransportHeaderSize+seal.TransformHeaderSize)
		}
	}
	plain := f.data.WithFront(f.front)
	f.buf = append(f.buf[:smb.TransportHeaderSize], transformRoom[:]...)
	sl.Seal(f.buf[smb.TransportHeaderSize:], plain)
	smb.PutTransportHeader(f.buf, seal.TransformHeaderSize+len(plain))
}

// transformRoom is appended to make room for a transform header; it is never written.
var transformRoom [seal.TransformHeaderSize]byte

// encryptLevel is the `server smb encrypt` level of a share's trees: its own, or for IPC$ the global one.
func (sh *share) encryptLevel(global config.Encrypt) config.Encrypt {
	if sh.ipc {
		return global
	}
	return sh.cfg.SMBEncrypt
}
