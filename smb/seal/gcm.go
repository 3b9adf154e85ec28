package seal

import (
	"crypto/cipher"
	"sync"
)

// detached is an AEAD that keeps the tag apart from the ciphertext, as the
// transform header does in its Signature field. dst may be the plaintext (or
// ciphertext) itself.
type detached interface {
	sealDetached(dst, tag, nonce, plaintext, aad []byte)
	openDetached(dst, ciphertext, tag, nonce, aad []byte) error
}

// gcm gives the standard library's AES-GCM a detached tag. Its Seal and Open want
// the tag right after the ciphertext, where an SMB message has no room, so they
// run in a pooled scratch buffer and the result is copied back: one memmove, a
// few percent of the cost of GCM itself, and no allocation once the pool is warm.
// The scratch only ever holds ciphertext. NIST SP 800-38D
type gcm struct {
	aead    cipher.AEAD
	scratch sync.Pool // *[]byte
}

// maxPooled is the largest scratch buffer kept for reuse: an 8 MiB READ, the
// most any client asks for, and its headers.
const maxPooled = 8<<20 + 4096

func (g *gcm) sealDetached(dst, tag, nonce, plaintext, aad []byte) {
	if n := len(plaintext); n > 0 && &dst[0] == &plaintext[0] && cap(plaintext)-n >= 16 &&
		!anyOverlap(plaintext[n:n+16], tag) && !anyOverlap(plaintext[n:n+16], nonce) && !anyOverlap(plaintext[n:n+16], aad) {
		// In place, the tag appended in the room after the message and moved to the header: no scratch
		// buffer and no copy (the server's READ buffers keep that room, zerocopy.Tailroom).
		out := g.aead.Seal(plaintext[:0], nonce, plaintext, aad)
		copy(tag, out[n:])
		return
	}
	buf := g.get(len(plaintext) + 16)
	out := g.aead.Seal((*buf)[:0], nonce, plaintext, aad)
	copy(dst, out[:len(plaintext)])
	copy(tag, out[len(plaintext):])
	g.put(buf)
}

func (g *gcm) openDetached(dst, ciphertext, tag, nonce, aad []byte) error {
	buf := g.get(len(ciphertext) + 16)
	in := append(append((*buf)[:0], ciphertext...), tag[:16]...)
	_, err := g.aead.Open(dst[:0], nonce, in, aad) // zeroes dst if it fails
	g.put(buf)
	if err != nil {
		return errOpen
	}
	return nil
}

func (g *gcm) get(n int) *[]byte {
	if p, ok := g.scratch.Get().(*[]byte); ok && cap(*p) >= n {
		return p
	}
	b := make([]byte, n)
	return &b
}

func (g *gcm) put(p *[]byte) {
	if cap(*p) <= maxPooled {
		g.scratch.Put(p)
	}
}
