package sign

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"sync"
)

// cmacSigner is AES-128-CMAC (RFC 4493) computed over a message given in parts.
// No maintained Go module provides CMAC, so it is built here on crypto/aes.
// The block cipher and subkeys are read-only after New, so Sign may run on many
// goroutines; the per-call state comes from a pool so Sign does not allocate.
type cmacSigner struct {
	block  cipher.Block
	k1, k2 [aes.BlockSize]byte
	states sync.Pool // *cmacState
}

type cmacState struct {
	x   [aes.BlockSize]byte // the CBC-MAC chaining value
	buf [aes.BlockSize]byte // bytes not yet chained
	n   int                 // bytes in buf
}

func newCMAC(key []byte) (*cmacSigner, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	c := &cmacSigner{block: block}
	// Generate_Subkey: L = AES(K, 0); K1 = L<<1 ^ Rb if msb(L); K2 likewise from K1. RFC 4493 2.3
	var l [aes.BlockSize]byte
	block.Encrypt(l[:], l[:])
	c.k1 = dbl(l)
	c.k2 = dbl(c.k1)
	c.states.New = func() any { return new(cmacState) }
	return c, nil
}

// dbl doubles b in GF(2^128) with Rb = 0x87. RFC 4493 2.3
func dbl(b [aes.BlockSize]byte) [aes.BlockSize]byte {
	var out [aes.BlockSize]byte
	carry := b[0] >> 7
	for i := 0; i < aes.BlockSize-1; i++ {
		out[i] = b[i]<<1 | b[i+1]>>7
	}
	out[aes.BlockSize-1] = b[aes.BlockSize-1] << 1
	out[aes.BlockSize-1] ^= 0x87 & -carry // constant time
	return out
}

// Sign returns AES-CMAC over the concatenation of parts. RFC 4493 2.4
func (c *cmacSigner) Sign(parts ...[]byte) [16]byte {
	st := c.states.Get().(*cmacState)
	*st = cmacState{}
	for _, p := range parts {
		// The final block gets special treatment, so a full buffer is chained
		// only once more input is known to follow it.
		if st.n < aes.BlockSize && len(p) > 0 {
			k := copy(st.buf[st.n:], p)
			st.n += k
			p = p[k:]
		}
		if len(p) == 0 {
			continue
		}
		// buf is full and more follows.
		subtle.XORBytes(st.x[:], st.x[:], st.buf[:])
		c.block.Encrypt(st.x[:], st.x[:])
		for len(p) > aes.BlockSize {
			subtle.XORBytes(st.x[:], st.x[:], p[:aes.BlockSize])
			c.block.Encrypt(st.x[:], st.x[:])
			p = p[aes.BlockSize:]
		}
		st.n = copy(st.buf[:], p)
	}
	// M_last: a complete block XOR K1, or the padded block (10^i) XOR K2.
	if st.n == aes.BlockSize {
		subtle.XORBytes(st.buf[:], st.buf[:], c.k1[:])
	} else {
		st.buf[st.n] = 0x80
		clear(st.buf[st.n+1:])
		subtle.XORBytes(st.buf[:], st.buf[:], c.k2[:])
	}
	subtle.XORBytes(st.x[:], st.x[:], st.buf[:])
	c.block.Encrypt(st.x[:], st.x[:])
	out := st.x
	c.states.Put(st)
	return out
}
