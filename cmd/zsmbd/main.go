// Command zsmbd is a Samba-like SMB2/3 file server for read-only shares, built around a zero-copy READ
// path.
//
//	zsmbd [-config FILE] [-listen HOST:PORT] [-share NAME=PATH]... [-log-level LEVEL] [-read-path STRATEGY]
//	zsmbd passwd [-file F] [-config C] USER
//
// With no configuration and no -share it serves the current directory as the read-only share "share",
// guests allowed, on 127.0.0.1:445.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/passdb"
	"github.com/zsmbd/zsmbd/server"
)

// shutdownGrace bounds how long responses in flight may take after SIGINT or SIGTERM.
const shutdownGrace = 10 * time.Second

func main() {
	if len(os.Args) > 1 && os.Args[1] == "passwd" {
		os.Exit(runPasswd(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stderr))
}

// shareFlags collects repeated -share NAME=PATH flags.
type shareFlags []string

func (s *shareFlags) String() string     { return strings.Join(*s, ",") }
func (s *shareFlags) Set(v string) error { *s = append(*s, v); return nil }

// options are the command line, resolved into what the server needs.
type options struct {
	configFile string
	listen     string
	shares     shareFlags
	logLevel   string
	readPath   string
	// defaultShare is set when neither -config nor -share was given: the current directory is served.
	defaultShare bool
}

func run(args []string, stderr io.Writer) int {
	var opt options
	fs := flag.NewFlagSet("zsmbd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&opt.configFile, "config", "", "smb.conf-syntax configuration `file`")
	fs.StringVar(&opt.listen, "listen", "", "listen on `host:port`, overriding smb ports and interfaces")
	fs.Var(&opt.shares, "share", "serve `NAME=PATH` read-only, guests allowed (repeatable)")
	fs.StringVar(&opt.logLevel, "log-level", "", "debug, info, warn or error (default from `log level`, else info)")
	fs.StringVar(&opt.readPath, "read-path", "", "READ strategy: sendfile, splice, copy or mmap (overrides `read path`)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zsmbd: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg, err := loadConfig(&opt)
	if err != nil {
		fmt.Fprintf(stderr, "zsmbd: %v\n", err)
		return 1
	}
	log := newLogger(stderr, opt.logLevel, cfg.Global.LogLevel)
	for _, w := range cfg.Warnings {
		log.Warn().Msg(w)
	}
	users, err := loadUsers(cfg, log)
	if err != nil {
		log.Error().Err(err).Msg("users")
		return 1
	}
	srv, err := server.New(cfg, users, log)
	if err != nil {
		log.Error().Err(err).Msg("configuration")
		return 1
	}
	// Signals are caught before the server says it is listening: a SIGTERM or SIGHUP (a service
	// manager's reload) sent as soon as it is up must not kill it with the default action.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	addrs, err := listenAddrs(cfg, opt.listen)
	if err != nil {
		log.Error().Err(err).Msg("listen")
		return 1
	}
	var listeners []net.Listener
	for _, a := range addrs {
		l, err := net.Listen("tcp", a)
		if err != nil {
			log.Error().Err(err).Msg("listen")
			for _, l := range listeners {
				l.Close()
			}
			return 1
		}
		listeners = append(listeners, l)
	}
	for _, l := range listeners {
		// The number of Ps decides whether a connection's READs can be answered concurrently
		// (server/conn.go, readInline).
		log.Info().Str("addr", l.Addr().String()).Int("gomaxprocs", runtime.GOMAXPROCS(0)).Msg("listening")
		go func() {
			if err := srv.Serve(l); err != nil && !errors.Is(err, server.ErrServerClosed) {
				log.Error().Err(err).Msg("serve")
			}
		}()
	}
	if opt.defaultShare {
		fmt.Fprintln(stderr, howToReach(listeners[0].Addr(), cfg.Shares[0].Name))
	}

	for sig := range sigs {
		if sig == syscall.SIGHUP {
			reload(srv, &opt, log)
			continue
		}
		log.Info().Stringer("signal", sig).Msg("shutting down")
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		err := srv.Shutdown(ctx)
		cancel()
		if err != nil {
			log.Warn().Err(err).Msg("connections cut at the end of the grace period")
		}
		log.Info().Object("read_path", srv.Stats()).Int64("panics", srv.Panics()).Msg("read path counters")
		return 0
	}
	return 0
}

// loadConfig reads -config (if any), adds -share shares and, with neither, the default share.
func loadConfig(opt *options) (*config.Config, error) {
	cfg := config.Default()
	if opt.configFile != "" {
		c, err := config.Load(opt.configFile)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	if opt.configFile == "" && len(opt.shares) == 0 {
		opt.defaultShare = true
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		opt.shares = shareFlags{"share=" + wd}
		if opt.listen == "" {
			opt.listen = "127.0.0.1:445"
		}
	}
	for _, s := range opt.shares {
		name, path, ok := strings.Cut(s, "=")
		if !ok || name == "" || path == "" {
			return nil, fmt.Errorf("-share %q: want NAME=PATH", s)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, err
		}
		cfg.Shares = append(cfg.Shares, config.Share{
			Name: name, Path: abs, ReadOnly: true, GuestOK: true, Browseable: true, File: "-share", Line: 0,
		})
	}
	if opt.configFile == "" {
		// Shares from the command line let anyone in as guest, like Samba's `map to guest = bad user`.
		cfg.Global.MapToGuest = config.MapToGuestBadUser
	}
	if opt.readPath != "" {
		cfg.Global.ReadPath = opt.readPath
	}
	return cfg, nil
}

// loadUsers reads `smb passwd file`. A missing file is not an error: guests and anonymous may still
// connect, and `zsmbd passwd` creates it.
func loadUsers(cfg *config.Config, log zerolog.Logger) (*passdb.DB, error) {
	path := cfg.Global.SMBPasswdFile
	if path == "" {
		return nil, nil
	}
	db, err := passdb.Load(path)
	if errors.Is(err, os.ErrNotExist) {
		log.Info().Str("file", path).Msg("no smbpasswd file: only guest and anonymous logons (add users with `zsmbd passwd`)")
		return nil, nil
	}
	return db, err
}

func reload(srv *server.Server, opt *options, log zerolog.Logger) {
	cfg, err := loadConfig(opt)
	if err == nil {
		var users *passdb.DB
		if users, err = loadUsers(cfg, log); err == nil {
			err = srv.Reload(cfg, users)
		}
	}
	if err != nil {
		log.Error().Err(err).Msg("reload failed; keeping the running configuration")
		return
	}
	log.Info().Msg("configuration and users reloaded")
}

// listenAddrs applies -listen, or Samba's `smb ports`, `interfaces` and `bind interfaces only`.
func listenAddrs(cfg *config.Config, listen string) ([]string, error) {
	if listen != "" {
		return []string{listen}, nil
	}
	ports := cfg.Global.SMBPorts
	if len(ports) == 0 {
		ports = []int{445}
	}
	hosts := []string{""}
	if cfg.Global.BindInterfacesOnly && len(cfg.Global.Interfaces) > 0 {
		var err error
		if hosts, err = interfaceHosts(cfg.Global.Interfaces); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, h := range hosts {
		for _, p := range ports {
			out = append(out, net.JoinHostPort(h, strconv.Itoa(p)))
		}
	}
	return out, nil
}

// interfaceHosts resolves `interfaces` entries (addresses, CIDR networks, interface names) to the
// addresses to bind, as Samba does. Like smbd, it binds only what is listed: loopback is not added
// (smb.conf(5) under "bind interfaces only": list 127.0.0.1 for local clients to connect).
func interfaceHosts(entries []string) ([]string, error) {
	seen := map[string]bool{}
	var hosts []string
	add := func(ip net.IP) {
		if s := ip.String(); !seen[s] {
			seen[s] = true
			hosts = append(hosts, s)
		}
	}
	for _, e := range entries {
		if ip := net.ParseIP(e); ip != nil {
			add(ip)
			continue
		}
		if ip, _, err := net.ParseCIDR(e); err == nil {
			add(ip)
			continue
		}
		ifc, err := net.InterfaceByName(e)
		if err != nil {
			return nil, fmt.Errorf("interfaces: %q is not an address, network or interface", e)
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				add(n.IP)
			}
		}
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("interfaces: no address to bind in %q", entries)
	}
	return hosts, nil
}

// howToReach is the one line printed for the default share.
func howToReach(addr net.Addr, share string) string {
	host, port, _ := net.SplitHostPort(addr.String())
	portFlag := ""
	if port != "445" {
		portFlag = " -p " + port
	}
	return fmt.Sprintf("zsmbd: serving the current directory as //%s/%s; try: smbclient //%s/%s%s -U guest%% -c ls", host, share, host, share, portFlag)
}

func newLogger(w io.Writer, flagLevel string, sambaLevel int) zerolog.Logger {
	level := zerolog.InfoLevel
	switch {
	case flagLevel != "":
		if l, err := zerolog.ParseLevel(flagLevel); err == nil {
			level = l
		}
	case sambaLevel >= 3:
		level = zerolog.DebugLevel
	case sambaLevel == 0:
		level = zerolog.WarnLevel
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}
