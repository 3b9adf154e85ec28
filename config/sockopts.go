package config

import (
	"fmt"
	"strconv"
	"strings"
)

// SocketOption is one entry of `socket options`, set on every accepted connection: Samba's name
// (upper-case) and the value given after '=', or 1 when none was.
type SocketOption struct {
	Name  string
	Value int
}

func (o SocketOption) String() string { return o.Name + "=" + strconv.Itoa(o.Value) }

// sambaSocketOptions are the names smbd's set_socket_options knows. The value says whether zsmbd sets
// the option on its connections; the others are options of a listening socket (SO_REUSEADDR,
// TCP_DEFER_ACCEPT), of systems other than Linux (TCP_FASTACK, TCP_NODELAYACK, the KEEPALIVE
// thresholds), one Linux does not let a program set (SO_SNDLOWAT), or timeouts of blocking calls,
// which a server on non-blocking sockets does not make (SO_SNDTIMEO, SO_RCVTIMEO).
var sambaSocketOptions = map[string]bool{
	"SO_KEEPALIVE": true, "TCP_NODELAY": true, "TCP_KEEPCNT": true, "TCP_KEEPIDLE": true,
	"TCP_KEEPINTVL": true, "IPTOS_LOWDELAY": true, "IPTOS_THROUGHPUT": true, "SO_SNDBUF": true,
	"SO_RCVBUF": true, "SO_RCVLOWAT": true, "TCP_QUICKACK": true, "TCP_USER_TIMEOUT": true,
	"SO_REUSEADDR": false, "SO_REUSEPORT": false, "SO_BROADCAST": false, "SO_SNDLOWAT": false,
	"SO_SNDTIMEO": false, "SO_RCVTIMEO": false, "TCP_FASTACK": false, "TCP_NODELAYACK": false,
	"TCP_KEEPALIVE_THRESHOLD": false, "TCP_KEEPALIVE_ABORT_THRESHOLD": false, "TCP_DEFER_ACCEPT": false,
}

// AppliedSocketOptions lists the `socket options` names zsmbd sets on a connection.
func AppliedSocketOptions() []string {
	var names []string
	for n, applied := range sambaSocketOptions {
		if applied {
			names = append(names, n)
		}
	}
	return names
}

// parseSocketOptions reads `socket options` as smbd does: entries separated by blanks or commas, each
// NAME or NAME=VALUE, names in any case. An entry smbd does not know, or one zsmbd does not set, is a
// warning and is left out, as smbd logs and skips an unknown one; a value that is not a number is an
// error (smbd would read it as 0).
func (p *parser) parseSocketOptions(where, value string) ([]SocketOption, error) {
	var opts []SocketOption
	for _, tok := range strings.FieldsFunc(value, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' }) {
		name, v, hasValue := strings.Cut(tok, "=")
		name = strings.ToUpper(name)
		applied, known := sambaSocketOptions[name]
		switch {
		case !known:
			p.warn(where, fmt.Sprintf("socket options: unknown socket option %q; ignored", tok))
			continue
		case !applied:
			p.warn(where, fmt.Sprintf("socket options: %s is not set on zsmbd's connections; ignored", name))
			continue
		}
		o := SocketOption{Name: name, Value: 1}
		if hasValue {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("%s: bad number %q", name, v)
			}
			o.Value = n
		}
		opts = append(opts, o)
	}
	return opts, nil
}
