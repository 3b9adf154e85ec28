package seal

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"math"
	"sync"
)

// ccm is AES-CCM (counter with CBC-MAC): a CBC-MAC over a block that encodes the
// nonce and lengths, the associated data and the plaintext, then counter-mode
// encryption of the plaintext and of the MAC, which becomes the tag. Neither the
// standard library nor golang.org/x/crypto has it. NIST SP 800-38C, RFC 3610
//
// The block cipher is read-only after newCCM, so one ccm may be used by many
// goroutines at once; each call takes its blocks from a pool.
type ccm struct {
	b         cipher.Block
	nonceSize int    // n, 7..13 bytes
	tagSize   int    // t, 4..16 bytes and even
	maxLen    uint64 // the largest payload the q = 15-n byte length field holds
	states    sync.Pool
}

// ccmState holds the blocks of one call. They go through the cipher.Block
// interface, so on the stack they would escape to the heap on every call.
type ccmState struct {
	x   [16]byte // the CBC-MAC chaining value
	ctr [16]byte // the counter block
	ks  [16]byte // the key stream of one counter block
	s0  [16]byte // counter block 0, encrypted: the MAC's mask
}

var errOpen = errors.New("seal: message authentication failed")

// newCCM returns AES-CCM over block, which must have a 16-byte block size, with
// nonceSize-byte nonces (7 to 13) and tagSize-byte tags (4 to 16, even). SMB uses
// 11 and 16. Seal and Open work in place (dst = plaintext[:0] or ciphertext[:0]).
// NIST SP 800-38C A.1
func newCCM(block cipher.Block, nonceSize, tagSize int) (cipher.AEAD, error) {
	if block.BlockSize() != 16 {
		return nil, errors.New("seal: CCM needs a 128-bit block cipher")
	}
	if nonceSize < 7 || nonceSize > 13 {
		return nil, errors.New("seal: CCM nonce size must be 7 to 13 bytes")
	}
	if tagSize < 4 || tagSize > 16 || tagSize%2 != 0 {
		return nil, errors.New("seal: CCM tag size must be 4, 6, ..., 16 bytes")
	}
	c := &ccm{b: block, nonceSize: nonceSize, tagSize: tagSize, maxLen: math.MaxUint64}
	c.states.New = func() any { return new(ccmState) }
	if q := 15 - nonceSize; q < 8 {
		c.maxLen = 1<<(8*q) - 1
	}
	return c, nil
}

func (c *ccm) NonceSize() int { return c.nonceSize }
func (c *ccm) Overhead() int  { return c.tagSize }

// Seal appends the encrypted plaintext and the tag to dst. It panics, as the
// standard library's AEADs do, on a nonce of the wrong size, a plaintext too
// long for the length field, or a dst that overlaps plaintext other than exactly.
func (c *ccm) Seal(dst, nonce, plaintext, additionalData []byte) []byte {
	if len(nonce) != c.nonceSize {
		panic("seal: incorrect nonce length given to CCM")
	}
	if uint64(len(plaintext)) > c.maxLen {
		panic("seal: message too large for CCM")
	}
	ret, out := sliceForAppend(dst, len(plaintext)+c.tagSize)
	if inexactOverlap(out, plaintext) || anyOverlap(out, additionalData) {
		panic("seal: invalid buffer overlap")
	}
	c.sealDetached(out[:len(plaintext)], out[len(plaintext):], nonce, plaintext, additionalData)
	return ret
}

// Open appends the decrypted ciphertext to dst if the tag at its end is
// authentic; if not, it zeroes the bytes it wrote and returns an error.
func (c *ccm) Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error) {
	if len(nonce) != c.nonceSize {
		panic("seal: incorrect nonce length given to CCM")
	}
	if len(ciphertext) < c.tagSize || uint64(len(ciphertext)-c.tagSize) > c.maxLen {
		return nil, errOpen
	}
	n := len(ciphertext) - c.tagSize
	ret, out := sliceForAppend(dst, n)
	if inexactOverlap(out, ciphertext) || anyOverlap(out, additionalData) {
		panic("seal: invalid buffer overlap")
	}
	if err := c.openDetached(out, ciphertext[:n], ciphertext[n:], nonce, additionalData); err != nil {
		return nil, err
	}
	return ret, nil
}

// sealDetached encrypts plaintext into dst (the same length; dst may be
// plaintext itself) and writes the tag to tag[:c.tagSize].
func (c *ccm) sealDetached(dst, tag, nonce, plaintext, aad []byte) {
	mac := c.crypt(dst, plaintext, nonce, aad, true)
	copy(tag[:c.tagSize], mac[:])
}

// openDetached decrypts ciphertext into dst (the same length; dst may be
// ciphertext itself) and checks tag, zeroing dst if it does not match.
func (c *ccm) openDetached(dst, ciphertext, tag, nonce, aad []byte) error {
	var want [16]byte
	copy(want[:], tag) // before dst is written: tag might follow ciphertext in one buffer
	mac := c.crypt(dst, ciphertext, nonce, aad, false)
	if subtle.ConstantTimeCompare(mac[:c.tagSize], want[:c.tagSize]) != 1 {
		clear(dst)
		return errOpen
	}
	return nil
}

// crypt runs CCM over src into dst in one pass. On seal the MAC reads each
// plaintext chunk before it is encrypted over; on open after it is decrypted.
// It returns the encrypted MAC, whose first tagSize bytes are the tag.
func (c *ccm) crypt(dst, src, nonce, aad []byte, seal bool) [16]byte {
	st := c.states.Get().(*ccmState)
	x, ctr, s0 := st.x[:], st.ctr[:], st.s0[:]
	q := 15 - len(nonce)

	// B0: flags (Adata, (t-2)/2, q-1), the nonce, the payload length in q bytes.
	// SP 800-38C A.2.1
	clear(x)
	x[0] = byte((c.tagSize-2)/2)<<3 | byte(q-1)
	if len(aad) > 0 {
		x[0] |= 1 << 6
	}
	copy(x[1:], nonce)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(src)))
	copy(x[16-q:], n[8-q:])
	c.b.Encrypt(x, x)

	if len(aad) > 0 {
		c.macAAD(st, aad)
	}

	// Counter blocks: flags q-1, the nonce, the block index in q bytes. Block 0
	// encrypts the MAC; the payload starts at block 1. SP 800-38C A.3
	clear(ctr)
	ctr[0] = byte(q - 1)
	copy(ctr[1:], nonce)
	c.b.Encrypt(s0, ctr)

	// The payload goes in chunks, each MACed and encrypted while in cache. A long
	// one takes its key stream from crypto/cipher's CTR, which runs many blocks
	// at once in assembly, nearly doubling throughput, but allocates (it copies
	// the key schedule, and has no way to be reset for reuse): 512 bytes per
	// call, under 1% of the message. A short one encrypts counter block by
	// counter block and allocates nothing.
	incCounter(&st.ctr, q)
	var stream cipher.Stream
	if len(src) >= ctrStreamMin {
		stream = cipher.NewCTR(c.b, ctr)
	}
	for len(src) > 0 {
		k := min(len(src), ccmChunk)
		if seal {
			c.macBlocks(st, src[:k])
		}
		if stream != nil {
			stream.XORKeyStream(dst[:k], src[:k])
		} else {
			c.ctrBlocks(st, q, dst[:k], src[:k])
		}
		if !seal {
			c.macBlocks(st, dst[:k])
		}
		src, dst = src[k:], dst[k:]
	}

	subtle.XORBytes(x, x, s0)
	mac := st.x
	c.states.Put(st)
	return mac
}

// macAAD chains the associated data into the CBC-MAC st.x: its length in 2, 6
// or 10 bytes, the data, zero padding to a block boundary. SP 800-38C A.2.2
func (c *ccm) macAAD(st *ccmState, aad []byte) {
	x, first := st.x[:], st.ks[:] // ks is free until the payload
	clear(first)
	var h int
	switch a := uint64(len(aad)); {
	case a < 1<<16-1<<8:
		binary.BigEndian.PutUint16(first, uint16(a))
		h = 2
	case a <= math.MaxUint32:
		first[0], first[1] = 0xFF, 0xFE
		binary.BigEndian.PutUint32(first[2:], uint32(a))
		h = 6
	default:
		first[0], first[1] = 0xFF, 0xFF
		binary.BigEndian.PutUint64(first[2:], a)
		h = 10
	}
	k := copy(first[h:], aad)
	aad = aad[k:]
	xorBlock(&st.x, first)
	c.b.Encrypt(x, x)
	c.macBlocks(st, aad)
}

// Payload sizes: from ctrStreamMin bytes on, crypt uses cipher.NewCTR; it works
// on ccmChunk bytes, a whole number of blocks, at a time.
const (
	ctrStreamMin = 1024
	ccmChunk     = 512
)

// macBlocks chains p into the CBC-MAC st.x, zero-padding a partial last block.
func (c *ccm) macBlocks(st *ccmState, p []byte) {
	x := st.x[:]
	for len(p) >= 16 {
		xorBlock(&st.x, p)
		c.b.Encrypt(x, x)
		p = p[16:]
	}
	if len(p) > 0 {
		subtle.XORBytes(x, x[:len(p)], p)
		c.b.Encrypt(x, x)
	}
}

// ctrBlocks encrypts src into dst with the counter blocks from st.ctr on,
// leaving st.ctr at the next one.
func (c *ccm) ctrBlocks(st *ccmState, q int, dst, src []byte) {
	ctr, ks := st.ctr[:], st.ks[:]
	for len(src) >= 16 {
		c.b.Encrypt(ks, ctr)
		xor16(dst, src, ks)
		incCounter(&st.ctr, q)
		src, dst = src[16:], dst[16:]
	}
	if len(src) > 0 {
		c.b.Encrypt(ks, ctr)
		subtle.XORBytes(dst, src, ks)
		incCounter(&st.ctr, q)
	}
}

// incCounter adds one to the last q bytes of ctr, big-endian. The payload limit
// keeps the count below 2^(8q), so it never carries into the nonce.
func incCounter(ctr *[16]byte, q int) {
	for i := 15; i >= 16-q; i-- {
		ctr[i]++
		if ctr[i] != 0 {
			return
		}
	}
}

// xorBlock XORs the first 16 bytes of p into x.
func xorBlock(x *[16]byte, p []byte) {
	_ = p[15]
	binary.LittleEndian.PutUint64(x[0:], binary.LittleEndian.Uint64(x[0:])^binary.LittleEndian.Uint64(p[0:]))
	binary.LittleEndian.PutUint64(x[8:], binary.LittleEndian.Uint64(x[8:])^binary.LittleEndian.Uint64(p[8:]))
}

// xor16 sets dst[:16] to a[:16] XOR b[:16]; dst may be a.
func xor16(dst, a, b []byte) {
	_, _, _ = dst[15], a[15], b[15]
	binary.LittleEndian.PutUint64(dst[0:], binary.LittleEndian.Uint64(a[0:])^binary.LittleEndian.Uint64(b[0:]))
	binary.LittleEndian.PutUint64(dst[8:], binary.LittleEndian.Uint64(a[8:])^binary.LittleEndian.Uint64(b[8:]))
}
