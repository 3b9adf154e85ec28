package vfs

import "strings"

const (
	// maxComponent is NAME_MAX on Linux file systems; a longer component
	// could never exist, and Windows answers it with
	// STATUS_OBJECT_NAME_INVALID.
	maxComponent = 255
	// maxName bounds the whole name: MS-SMB2 2.2.13 NameLength is 16 bits
	// of UTF-16, i.e. at most 32767 code units, which is at most about
	// 3*32767 bytes of UTF-8.
	maxName = 3 * 32767
)

// parseName turns an SMB name into cleaned, share-relative components.
//
// '\' separates components ('/' too: a Linux name cannot contain it, so
// treating it as a separator loses nothing). Empty components (leading,
// trailing or doubled separators) and "." are dropped, ".." removes the
// previous component lexically and fails with ErrAboveRoot at the root. The
// final component may carry the unnamed-stream suffix "::$DATA", which is
// removed; a named stream gives ErrStream.
func parseName(name string) ([]string, error) {
	if len(name) > maxName || strings.IndexByte(name, 0) >= 0 {
		return nil, ErrNameInvalid
	}
	raw := strings.FieldsFunc(name, isSeparator)
	if len(raw) == 0 {
		return nil, nil
	}
	if last := raw[len(raw)-1]; strings.IndexByte(last, ':') >= 0 {
		base, err := stripStream(last)
		if err != nil {
			return nil, err
		}
		if base == "" {
			// "dir\::$DATA": the unnamed stream of the directory itself.
			raw = raw[:len(raw)-1]
		} else {
			raw[len(raw)-1] = base
		}
	}
	comps := raw[:0]
	for _, c := range raw {
		switch c {
		case ".":
			continue
		case "..":
			if len(comps) == 0 {
				return nil, ErrAboveRoot
			}
			comps = comps[:len(comps)-1]
			continue
		}
		if err := checkComponent(c); err != nil {
			return nil, err
		}
		comps = append(comps, c)
	}
	return comps, nil
}

func isSeparator(r rune) bool { return r == '\\' || r == '/' }

// stripStream splits "base:stream:type" (MS-FSCC 2.1.5.1 stream names) and
// returns base when it names the unnamed data stream.
func stripStream(c string) (string, error) {
	i := strings.IndexByte(c, ':')
	base, rest := c[:i], c[i+1:]
	stream, typ, hasType := strings.Cut(rest, ":")
	switch {
	case strings.IndexByte(typ, ':') >= 0:
		return "", ErrNameInvalid // more than two colons
	case hasType && !strings.EqualFold(typ, "$DATA"):
		// Only $DATA streams exist on a Linux file system.
		return "", ErrNameInvalid
	case stream != "":
		return "", ErrStream
	case !hasType:
		return "", ErrNameInvalid // "name:" with nothing after it
	}
	return base, nil // "name::$DATA"
}

// checkComponent rejects characters that MS-FSCC 2.1.5.2 does not allow in
// a file name, and names longer than the file system allows.
func checkComponent(c string) error {
	if len(c) > maxComponent {
		return ErrNameInvalid
	}
	for i := 0; i < len(c); i++ {
		switch b := c[i]; {
		case b < 0x20: // includes NUL
			return ErrNameInvalid
		case b == '"', b == '*', b == '<', b == '>', b == '?', b == '|', b == ':':
			return ErrNameInvalid
		}
	}
	return nil
}
