package zerocopy

import (
	"fmt"
	"strings"
)

// Strategy selects how a Sender moves file data into the socket.
type Strategy int

// The strategies, in the order the read-path study lists them.
const (
	Sendfile Strategy = iota // sendfile(2)
	Splice                   // splice(2) through a pipe
	Copy                     // pread(2) + writev(2)
	Mmap                     // mmap(2) + writev(2)

	numStrategies = iota
)

var strategyNames = [numStrategies]string{"sendfile", "splice", "copy", "mmap"}

// ParseStrategy parses the configuration names "sendfile", "splice", "copy"
// and "mmap" (case-insensitive).
func ParseStrategy(s string) (Strategy, error) {
	for i, name := range strategyNames {
		if strings.EqualFold(s, name) {
			return Strategy(i), nil
		}
	}
	return 0, fmt.Errorf("zerocopy: unknown strategy %q (want sendfile, splice, copy or mmap)", s)
}

// String returns the configuration name of s.
func (s Strategy) String() string {
	if s.valid() {
		return strategyNames[s]
	}
	return fmt.Sprintf("Strategy(%d)", int(s))
}

func (s Strategy) valid() bool { return s >= 0 && s < numStrategies }

// Reason says why a READ response did not take the configured zero-copy path.
type Reason int

// The fallback reasons. The server reports signed, compound, small and
// encrypted itself (it knows about signing, compounding, its size threshold
// and encryption); a Sender reports error and not_regular when it has to
// abandon its strategy in the middle of a response.
const (
	FallbackSigned     Reason = iota // the response is signed: its bytes must be seen
	FallbackCompound                 // the response is part of a compound chain
	FallbackSmall                    // the read is below the zero-copy threshold
	FallbackError                    // the zero-copy system call failed on the file side
	FallbackNotRegular               // the file is not a regular file
	FallbackEncrypted                // the response is encrypted: its bytes must be rewritten

	numReasons = iota
)

var reasonNames = [numReasons]string{"signed", "compound", "small", "error", "not_regular", "encrypted"}

// String returns a short name of r for logs.
func (r Reason) String() string {
	if r >= 0 && r < numReasons {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}
