package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Hosts is `hosts allow` or `hosts deny` (Samba's synonyms: `allow hosts`, `deny hosts`): a list of
// client addresses in Samba's hosts_access(5) forms, compared with the client's IP address:
//
//	150.203.5.6                 one address (IPv6 too; "::ffff:" before an IPv4 address is ignored)
//	150.203.                    a prefix of the written address: 150.203.*.*
//	150.203.0.0/255.255.0.0     a network with its mask, or its prefix length: 150.203.0.0/16, [fe80::]/10
//	150.203.*.?                 a wildcard over the written address
//	ALL                         every client
//	A B EXCEPT C D              A or B, unless C or D
//
// zsmbd does not look client names up (Samba's default, `hostname lookups = no`), so names, .domain
// suffixes, @netgroups and LOCAL match no client; parsing warns about them.
type Hosts struct {
	words []string // as written, separators removed; nil: not set
}

// IsSet reports whether the list was given (an empty value clears it).
func (h Hosts) IsSet() bool { return len(h.words) > 0 }

// String returns the list as testparm prints it.
func (h Hosts) String() string { return strings.Join(h.words, ", ") }

// ParseHosts reads a list as written in smb.conf, returning a warning for each entry that can match
// no client.
func ParseHosts(value string) (Hosts, []string, error) {
	words := splitList(value)
	var warnings []string
	for _, w := range words {
		switch {
		case strings.EqualFold(w, "EXCEPT"), strings.EqualFold(w, "ALL"), strings.EqualFold(w, "FAIL"):
		case strings.Contains(w, "/"):
			if _, err := parseNet(w); err != nil {
				return Hosts{}, nil, err
			}
		case isAddressPattern(w):
		default:
			warnings = append(warnings, fmt.Sprintf("%q matches no client: zsmbd compares addresses and does not look client names up", w))
		}
	}
	return Hosts{words: words}, warnings, nil
}

// isAddressPattern reports whether w can only be an address, an address prefix or a wildcard over
// one: digits, dots, colons, hex digits (IPv6) and * or ?.
func isAddressPattern(w string) bool {
	if _, err := netip.ParseAddr(strings.Trim(w, "[]")); err == nil {
		return true
	}
	digit := false
	for _, r := range w {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r == '.' || r == ':' || r == '*' || r == '?':
		case r >= 'a' && r <= 'f', r >= 'A' && r <= 'F':
			if !strings.Contains(w, ":") {
				return false // letters without a colon make a name
			}
		default:
			return false
		}
	}
	return digit || strings.ContainsAny(w, "*?:")
}

// parseNet reads "address/mask" or "address/length"; an IPv6 address may be in brackets.
func parseNet(w string) (netip.Prefix, error) {
	a, m, _ := strings.Cut(w, "/")
	addr, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(a, "["), "]"))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad network %q", w)
	}
	addr = addr.Unmap()
	bits, err := strconv.Atoi(m)
	if err != nil {
		mask, merr := netip.ParseAddr(m)
		if merr != nil || mask.BitLen() != addr.BitLen() {
			return netip.Prefix{}, fmt.Errorf("bad mask in %q", w)
		}
		if bits = maskBits(mask.AsSlice()); bits < 0 {
			return netip.Prefix{}, fmt.Errorf("mask in %q is not contiguous", w)
		}
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad prefix length in %q", w)
	}
	return p, nil
}

// maskBits returns the number of leading one bits of a netmask, or -1 if ones follow a zero.
func maskBits(b []byte) int {
	n, zero := 0, false
	for _, x := range b {
		for i := 7; i >= 0; i-- {
			switch one := x>>i&1 == 1; {
			case one && zero:
				return -1
			case one:
				n++
			default:
				zero = true
			}
		}
	}
	return n
}

// HostAllowed reports whether a client at addr passes a pair of lists, by Samba's rules: with
// neither list every client passes; with only an allow list, the clients on it; with only a deny
// list, those not on it; with both, a client on the allow list passes, and one on neither too. The
// local host (127.0.0.1 or ::1) passes unless the deny list names it and the allow list does not.
func HostAllowed(allow, deny Hosts, addr netip.Addr) bool {
	addr = addr.Unmap()
	if addr == netip.AddrFrom4([4]byte{127, 0, 0, 1}) || addr == netip.IPv6Loopback() {
		return !deny.matches(addr) || allow.matches(addr)
	}
	switch {
	case !allow.IsSet() && !deny.IsSet():
		return true
	case !deny.IsSet():
		return allow.matches(addr)
	case !allow.IsSet():
		return !deny.matches(addr)
	}
	return allow.matches(addr) || !deny.matches(addr)
}

// matches reports whether addr is on the list: an entry before the first EXCEPT matches it and none
// after that EXCEPT does.
func (h Hosts) matches(addr netip.Addr) bool {
	s := addr.String()
	for i, w := range h.words {
		if strings.EqualFold(w, "EXCEPT") {
			return false
		}
		if !entryMatches(w, addr, s) {
			continue
		}
		except := false
		for _, e := range h.words[i+1:] {
			if strings.EqualFold(e, "EXCEPT") {
				except = true
			} else if except && entryMatches(e, addr, s) {
				return false
			}
		}
		return true
	}
	return false
}

// entryMatches compares one entry with the client's address (s is its written form).
func entryMatches(w string, addr netip.Addr, s string) bool {
	if len(w) > 7 && strings.EqualFold(w[:7], "::ffff:") {
		w = w[7:]
	}
	switch {
	case strings.EqualFold(w, "ALL"), strings.EqualFold(w, "FAIL"):
		return true
	case strings.EqualFold(w, s):
		return true
	case strings.HasSuffix(w, "."):
		return strings.HasPrefix(s, w)
	case strings.Contains(w, "/"):
		p, err := parseNet(w)
		return err == nil && p.Contains(addr)
	case strings.ContainsAny(w, "*?"):
		return wildMatch(strings.ToLower(w), strings.ToLower(s))
	}
	if a, err := netip.ParseAddr(w); err == nil {
		return a.Unmap() == addr // the same address written another way (IPv6 zeros)
	}
	return false
}

// wildMatch matches s against a pattern of literal characters, * (any run) and ? (any one character).
func wildMatch(pattern, s string) bool {
	pr, sr := []rune(pattern), []rune(s)
	star, mark := -1, 0
	p, i := 0, 0
	for i < len(sr) {
		switch {
		case p < len(pr) && (pr[p] == '?' || pr[p] == sr[i]):
			p++
			i++
		case p < len(pr) && pr[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p, mark = star+1, mark+1
			i = mark
		default:
			return false
		}
	}
	for p < len(pr) && pr[p] == '*' {
		p++
	}
	return p == len(pr)
}
