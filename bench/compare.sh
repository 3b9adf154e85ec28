#!/usr/bin/env bash
# bench/compare.sh: zsmbd against Samba's smbd, side by side on this machine (issue 5, "Targets").
#
#   sudo bench/compare.sh [-n REPS] [-size MIB] [-cc CONGESTION_CONTROL] [-path STRATEGY] [-pin] [-keep]
#
# Builds zsmbd and bench/goclient, generates one random file (default 1 GiB, and a 256 MiB one for the memory rows) in a temporary share,
# reads it once to put it in the page cache, and starts four servers on 127.0.0.1, each with the same
# share and the same smbpasswd file:
#
#   samba  unsigned  :4450   smbd, server signing = disabled, use sendfile = yes, aio read size = 0
#   samba  signed    :4451   the same with server signing = mandatory
#   zsmbd  unsigned  :4460   server signing = disabled, read path = sendfile (or -path's)
#   zsmbd  signed    :4461   server signing = mandatory
#
# Then, REPS times, each case runs against both servers in turn (A B, then B A on the next rep):
#
#   smbclient        smbclient get of the file to /dev/null, unsigned (user logon, no signing)
#   go-smb2 x4       bench/goclient, guest (unsigned), 4 goroutines x 1 MiB READs on one session
#   smbclient 2.1    smbclient -m SMB2_10 --client-protection=sign (HMAC-SHA256)
#   smbclient 3.1.1  smbclient -m SMB3_11 --client-protection=sign (AES-CMAC)
#   go-smb2 2.1/3.1.1 signed: goclient as the user (go-smb2 signs every user session)
#   smbclient encrypted 3.0.2 / 3.1.1: --client-protection=encrypt (AES-128-CCM, AES-128-GCM; both
#                    servers at Samba's default server smb encrypt = if_required; encrypted messages are
#                    not signed). Run against the signed servers, like every copy-path row, so that the
#                    memory rows measure a zsmbd whose buffer pool the copy path never filled. The issue
#                    sets no target for these rows; they show what the copy path costs.
#
# Throughput is smbclient's own printed average (transfer only, KiB = 1024 bytes, shown in MB/s =
# 10^6 bytes/s) or goclient's (first READ to last reply). Server CPU is the usage_usec of a cgroup v2
# the server is started in (Samba's per-connection children inherit it), read before and after the
# client ran; without a writable cgroup2 mount it falls back to utime+stime+cutime+cstime summed over
# the server's process tree from /proc/PID/stat (10 ms ticks; a Samba child's time reaches its parent's
# cutime/cstime once it is reaped, and the script waits for that). CPU s/GiB = server CPU seconds /
# GiB transferred.
#
# -cc NAME runs the whole comparison with net.ipv4.tcp_congestion_control=NAME (cubic, reno, bbr, ...)
# and restores the previous value at exit. Both servers and all clients get the same setting.
#
# Memory: zsmbd's peak RSS (VmHWM, reset through /proc/PID/clear_refs first) while 16 smbclient gets
# of a 256 MiB file run at once, unsigned, so on the sendfile path with 8 MiB READs; and the RSS delta
# of 200 idle go-smb2 guest sessions (each mounted on the share), divided by 200. Samba's figures in
# those rows are the summed PSS of its process tree (its processes share pages; RSS would overcount).
#
# -path STRATEGY sets zsmbd's `read path` (sendfile, splice, copy or mmap) for both zsmbd servers; the
# signed ones copy whatever it is.
#
# -pin runs every server on CPU 0 and every client on CPU 1 (taskset), so a client never competes with
# the server for a core, as a client on another machine would not (the kernel's loopback receive work
# still runs on the sending side's CPU). Go sizes zsmbd's GOMAXPROCS to the one CPU it is given.
#
# ZSMBD_GOMAXPROCS=N in the environment starts both zsmbd servers with GOMAXPROCS=N (the clients keep
# the machine's), to measure what the Go scheduler's extra Ps cost a server that shares its cores with
# the client.
#
# Printed as: case | zsmbd | samba | ratio | ratio range | target | met, where zsmbd and samba are
# medians over REPS and ratio is the median of the per-rep ratios zsmbd/samba (min-max beside it). Raw figures go to
# $WORK/raw.tsv. Needs root (smbd, and a unix user for Samba's logon: "zsbench", created for the run and removed after it unless it was there before).
set -euo pipefail

REPS=5
SIZE_MIB=1024
KEEP=0
CC=
READ_PATH=sendfile
SERVER_PIN=()
CLIENT_PIN=()
while [ $# -gt 0 ]; do
	case "$1" in
	-n) REPS=$2; shift 2 ;;
	-size) SIZE_MIB=$2; shift 2 ;;
	-cc) CC=$2; shift 2 ;;
	-path) READ_PATH=$2; shift 2 ;;
	-pin) SERVER_PIN=(taskset -c 0); CLIENT_PIN=(taskset -c 1); shift ;;
	-keep) KEEP=1; shift ;;
	*) echo "usage: $0 [-n REPS] [-size MIB] [-cc CONGESTION_CONTROL] [-path STRATEGY] [-pin] [-keep]" >&2; exit 2 ;;
	esac
done

case $READ_PATH in
sendfile | splice | copy | mmap) ;;
*) echo "compare.sh: -path takes sendfile, splice, copy or mmap, not $READ_PATH" >&2; exit 2 ;;
esac

if [ "${#SERVER_PIN[@]}" -gt 0 ] && ! taskset -c 1 true 2>/dev/null; then
	echo "compare.sh: -pin needs taskset and CPUs 0 and 1" >&2
	exit 2
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SMBD=${SMBD:-/usr/sbin/smbd}
USER_NAME=zsbench
USER_PASS=zsbench-Pw1
HZ=$(getconf CLK_TCK)
for tool in "$SMBD" smbclient smbpasswd go python3; do
	command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "compare.sh: run as root (smbd and its passdb need it)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/zsmbd-compare.XXXXXX)
chmod 755 "$WORK"
PIDS=()
CREATED_USER=0
OLD_CC=
# CGROOT: a writable cgroup v2 hierarchy for the servers' CPU accounting, if there is one.
CGROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
CGS=()
if [ -n "$CGROOT" ] && ! mkdir "$CGROOT/zsbench-probe-$$" 2>/dev/null; then CGROOT=; fi
[ -n "$CGROOT" ] && rmdir "$CGROOT/zsbench-probe-$$"
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	for g in "${CGS[@]}"; do
		for _ in $(seq 50); do rmdir "$g" 2>/dev/null && break; sleep 0.1; done
	done
	if [ -n "$OLD_CC" ]; then sysctl -qw net.ipv4.tcp_congestion_control="$OLD_CC" || true; fi
	if [ "$KEEP" = 0 ]; then rm -rf "$WORK"; else echo "kept $WORK" >&2; fi
	# A unix user this run created goes with it; one that was already there stays.
	if [ "$CREATED_USER" = 1 ]; then userdel "$USER_NAME" 2>/dev/null || true; fi
}
trap cleanup EXIT

log() { echo "# $*" >&2; }

# --- build -------------------------------------------------------------------------------------
if [ -n "$CC" ]; then
	OLD_CC=$(sysctl -n net.ipv4.tcp_congestion_control)
	modprobe "tcp_$CC" 2>/dev/null || true
	sysctl -qw net.ipv4.tcp_congestion_control="$CC" || { echo "compare.sh: cannot set congestion control $CC" >&2; exit 1; }
	log "congestion control $CC for this run (was $OLD_CC)"
fi
log "building zsmbd and goclient into $WORK"
(cd "$ROOT" && go build -o "$WORK/zsmbd" ./cmd/zsmbd && go build -o "$WORK/goclient" ./bench/goclient)

# --- data: one file, generated once, cached ------------------------------------------------------
SHARE=$WORK/share
mkdir -p "$SHARE"
chmod 755 "$SHARE"
log "writing $SIZE_MIB MiB of random data"
head -c $((SIZE_MIB << 20)) /dev/urandom >"$SHARE/big"
head -c $((256 << 20)) /dev/urandom >"$SHARE/mid"
chmod 644 "$SHARE/big" "$SHARE/mid"
cat "$SHARE/big" "$SHARE/mid" >/dev/null
BIG_BYTES=$(stat -c %s "$SHARE/big")

# --- user: Samba maps an SMB user to a unix account; both servers read the same smbpasswd file ----
if ! id "$USER_NAME" >/dev/null 2>&1; then
	log "creating unix user $USER_NAME (no home, no shell) for Samba's logon"
	useradd -M -s /usr/sbin/nologin "$USER_NAME"
	CREATED_USER=1
fi
printf '%s\n' "$USER_PASS" | "$WORK/zsmbd" passwd -file "$WORK/smbpasswd" "$USER_NAME" >/dev/null

# --- servers ------------------------------------------------------------------------------------
share_section() {
	cat <<EOF
[bench]
	path = $SHARE
	read only = yes
	guest ok = yes
EOF
}

# in_cgroup NAME CMD...: runs CMD (exec, same PID) inside cgroup NAME of CGROOT, when there is one.
in_cgroup() {
	local name=$1
	shift
	if [ -z "$CGROOT" ]; then exec "$@"; fi
	mkdir -p "$CGROOT/zsbench-$$-$name"
	echo "$BASHPID" >"$CGROOT/zsbench-$$-$name/cgroup.procs"
	exec "$@"
}

# start_samba NAME PORT SIGNING
start_samba() {
	local d=$WORK/$1
	mkdir -p "$d"/{private,lock,state,cache,pid,ncalrpc}
	cat >"$d/smb.conf" <<EOF
[global]
	server role = standalone server
	smb ports = $2
	interfaces = 127.0.0.1
	bind interfaces only = yes
	disable netbios = yes
	private dir = $d/private
	lock directory = $d/lock
	state directory = $d/state
	cache directory = $d/cache
	pid directory = $d/pid
	ncalrpc dir = $d/ncalrpc
	log file = $d/log
	log level = 0
	passdb backend = smbpasswd:$WORK/smbpasswd
	map to guest = bad user
	server signing = $3
	use sendfile = yes
	aio read size = 0
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes
$(share_section)
EOF
	# Its own session: smbd with --no-process-group sends SIGTERM to its whole process group when it
	# stops, which would include this script.
	in_cgroup "$1" "${SERVER_PIN[@]}" setsid "$SMBD" --foreground --no-process-group -s "$d/smb.conf" >"$d/stdout" 2>&1 &
	PIDS+=($!)
	[ -n "$CGROOT" ] && CGS+=("$CGROOT/zsbench-$$-$1")
	eval "PID_$1=$!"
}

# start_zsmbd NAME PORT SIGNING
start_zsmbd() {
	local d=$WORK/$1
	mkdir -p "$d"
	cat >"$d/smb.conf" <<EOF
[global]
	smb passwd file = $WORK/smbpasswd
	map to guest = bad user
	server signing = $3
	use sendfile = yes
	read path = $READ_PATH
	log level = 1
$(share_section)
EOF
	if [ -n "${ZSMBD_GOMAXPROCS:-}" ]; then
		in_cgroup "$1" "${SERVER_PIN[@]}" env GOMAXPROCS="$ZSMBD_GOMAXPROCS" "$WORK/zsmbd" -config "$d/smb.conf" -listen "127.0.0.1:$2" >"$d/log" 2>&1 &
	else
		in_cgroup "$1" "${SERVER_PIN[@]}" "$WORK/zsmbd" -config "$d/smb.conf" -listen "127.0.0.1:$2" >"$d/log" 2>&1 &
	fi
	PIDS+=($!)
	[ -n "$CGROOT" ] && CGS+=("$CGROOT/zsbench-$$-$1")
	eval "PID_$1=$!"
}

wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "compare.sh: nothing listening on port $1" >&2
	exit 1
}

for p in 4450 4451 4460 4461; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		echo "compare.sh: port $p is already in use on 127.0.0.1" >&2
		exit 1
	fi
done
start_samba samba_u 4450 disabled
start_samba samba_s 4451 mandatory
start_zsmbd zsmbd_u 4460 disabled
start_zsmbd zsmbd_s 4461 mandatory
for p in 4450 4451 4460 4461; do wait_port "$p"; done
log "servers: samba $("$SMBD" --version) pids $PID_samba_u/$PID_samba_s, zsmbd pids $PID_zsmbd_u/$PID_zsmbd_s${ZSMBD_GOMAXPROCS:+ (GOMAXPROCS=$ZSMBD_GOMAXPROCS)}"

# --- process-tree accounting --------------------------------------------------------------------
# tree PID: PID and all its descendants.
tree() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ kids[$2] = kids[$2] " " $1 }
		END { q[1] = root; n = 1; for (i = 1; i <= n; i++) { print q[i]; m = split(kids[q[i]], k, " "); for (j = 1; j <= m; j++) q[++n] = k[j] } }'
}
# tree_cpu_ticks PID: utime+stime+cutime+cstime over the tree (fields 14-17 of /proc/PID/stat).
tree_cpu_ticks() {
	local t=0 p f
	for p in $(tree "$1"); do
		f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		f=${f##*) }
		set -- $f
		t=$((t + ${12} + ${13} + ${14} + ${15}))
	done
	echo "$t"
}
tree_count() { tree "$1" | wc -l; }
# cpu_us NAME PID: CPU microseconds the server NAME has used: its cgroup's usage_usec, or its process
# tree's ticks.
cpu_us() {
	if [ -n "$CGROOT" ]; then
		awk '$1 == "usage_usec" { print $2 }' "$CGROOT/zsbench-$$-$1/cpu.stat"
	else
		echo $(($(tree_cpu_ticks "$2") * 1000000 / HZ))
	fi
}
# tree_pss_kib PID: summed Pss of the tree.
tree_pss_kib() {
	local t=0 p v
	for p in $(tree "$1"); do
		v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null) || continue
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

RAW=$WORK/raw.tsv
printf 'case\tserver\trep\tmbps\tcpu_s\tcpu_s_per_gib\n' >"$RAW"

# measure CASE NAME PID REP CMD...: runs CMD against server NAME (samba_u, zsmbd_s, ...), takes its
# throughput (smbclient's "average N KiloBytes/sec" or goclient's "mbps=N") and the server's CPU over
# the run.
measure() {
	local case=$1 name=$2 pid=$3 rep=$4 server=${2%_*}
	shift 4
	local base before after out mbps
	# The target's premise is a cached file, but the kernel may page out what was not read for a while
	# (this machine runs DAMON with a pageout scheme for pages idle 60 s): read it back first, so every
	# run starts from the page cache whatever ran before it.
	cat "$SHARE/big" >/dev/null
	base=$(tree_count "$pid")
	before=$(cpu_us "$name" "$pid")
	out=$("${CLIENT_PIN[@]}" "$@" 2>&1) || { echo "compare.sh: $case on $server failed: $out" >&2; exit 1; }
	# Samba's per-connection child must exit and be reaped for its time to reach the parent.
	for _ in $(seq 100); do [ "$(tree_count "$pid")" -le "$base" ] && break; sleep 0.05; done
	after=$(cpu_us "$name" "$pid")
	mbps=$(printf '%s\n' "$out" | python3 -c '
import re, sys
s = sys.stdin.read()
m = re.search(r"average ([0-9.]+) KiloBytes/sec", s)
if m: print("%.1f" % (float(m.group(1)) * 1024 / 1e6)); sys.exit()
m = re.search(r"mbps=([0-9.]+)", s)
if m: print(m.group(1)); sys.exit()
sys.exit("no rate in: " + s)')
	python3 -c "
cpu = ($after - $before) / 1e6
print('$case\t$server\t$rep\t$mbps\t%.3f\t%.3f' % (cpu, cpu / ($BIG_BYTES / 2**30)))" >>"$RAW"
	log "$case $server rep $rep: $mbps MB/s, cpu $(((after - before) / 1000)) ms"
}

run_case() { # run_case CASE REP SAMBA_NAME ZSMBD_NAME CMD-with-@PORT@...
	local case=$1 rep=$2 s=$3 z=$4
	shift 4
	local order=("$s" "$z")
	[ $((rep % 2)) = 0 ] && order=("$z" "$s")
	local name port pid args
	for name in "${order[@]}"; do
		case $name in
		samba_u) port=4450 ;; samba_s) port=4451 ;; zsmbd_u) port=4460 ;; zsmbd_s) port=4461 ;;
		esac
		eval "pid=\$PID_$name"
		args=("${@//@PORT@/$port}")
		measure "$case" "$name" "$pid" "$rep" "${args[@]}"
	done
}

SC=(smbclient //127.0.0.1/bench -p @PORT@ -U "$USER_NAME%$USER_PASS")
GC=("$WORK/goclient" read -addr 127.0.0.1:@PORT@ -share bench -file big)
# warm-up: one of each kind, not counted
for p in 4450 4460; do "${CLIENT_PIN[@]}" "${SC[@]//@PORT@/$p}" -c 'get big /dev/null' >/dev/null 2>&1; done
for rep in $(seq "$REPS"); do
	run_case "smbclient unsigned" "$rep" samba_u zsmbd_u "${SC[@]}" -c 'get big /dev/null'
	run_case "go-smb2 x4 unsigned" "$rep" samba_u zsmbd_u "${GC[@]}" -inflight 4
	run_case "smbclient signed 2.1" "$rep" samba_s zsmbd_s "${SC[@]}" -m SMB2_10 --client-protection=sign -c 'get big /dev/null'
	run_case "smbclient signed 3.1.1" "$rep" samba_s zsmbd_s "${SC[@]}" -m SMB3_11 --client-protection=sign -c 'get big /dev/null'
	run_case "go-smb2 x4 signed 2.1" "$rep" samba_s zsmbd_s "${GC[@]}" -inflight 4 -user "$USER_NAME" -pass "$USER_PASS" -dialect 2.1
	run_case "go-smb2 x4 signed 3.1.1" "$rep" samba_s zsmbd_s "${GC[@]}" -inflight 4 -user "$USER_NAME" -pass "$USER_PASS" -dialect 3.1.1
	run_case "smbclient encrypted 3.0.2" "$rep" samba_s zsmbd_s "${SC[@]}" -m SMB3_02 --client-protection=encrypt -c 'get big /dev/null'
	run_case "smbclient encrypted 3.1.1" "$rep" samba_s zsmbd_s "${SC[@]}" -m SMB3_11 --client-protection=encrypt -c 'get big /dev/null'
done

# --- memory ---------------------------------------------------------------------------------------
MEM=$WORK/mem.tsv
: >"$MEM"
# stream16 PID PORT NAME: 16 parallel smbclient gets of the 256 MiB file; peak memory while they run.
stream16() {
	local pid=$1 port=$2 name=$3 i peak=0 cur
	[ "$name" = zsmbd ] && echo 5 >"/proc/$pid/clear_refs"
	local kids=()
	for i in $(seq 16); do
		"${CLIENT_PIN[@]}" smbclient //127.0.0.1/bench -p "$port" -U "$USER_NAME%$USER_PASS" -c 'get mid /dev/null' >"$WORK/stream.$name.$i" 2>&1 &
		kids+=($!)
	done
	alive() { local k; for k in "${kids[@]}"; do kill -0 "$k" 2>/dev/null && return 0; done; return 1; }
	while alive; do
		if [ "$name" = zsmbd ]; then cur=$(status_kib "$pid" VmRSS); else cur=$(tree_pss_kib "$pid"); fi
		[ "$cur" -gt "$peak" ] && peak=$cur
		sleep 0.1
	done
	for i in "${kids[@]}"; do wait "$i" || { echo "compare.sh: a stream16 smbclient failed" >&2; cat "$WORK"/stream."$name".*; exit 1; }; done
	if [ "$name" = zsmbd ]; then cur=$(status_kib "$pid" VmHWM); [ "$cur" -gt "$peak" ] && peak=$cur; fi
	printf 'stream16\t%s\t%s\n' "$name" "$peak" >>"$MEM"
	log "16 streams on $name: peak $peak KiB"
}
# idle200 PID PORT NAME: memory delta of 200 idle go-smb2 sessions.
idle200() {
	local pid=$1 port=$2 name=$3 before after
	mem() { if [ "$name" = zsmbd ]; then status_kib "$pid" VmRSS; else tree_pss_kib "$pid"; fi; }
	sleep 1
	before=$(mem)
	coproc IDLE { "${CLIENT_PIN[@]}" "$WORK/goclient" idle -addr "127.0.0.1:$port" -share bench -n 200; }
	local line
	read -r line <&"${IDLE[0]}" || true
	[ "$line" = ready ] || { echo "compare.sh: idle sessions on $name failed" >&2; exit 1; }
	sleep 2
	after=$(mem)
	eval "exec ${IDLE[1]}>&-"
	wait "$IDLE_PID" || true
	printf 'idle200\t%s\t%s\n' "$name" "$(((after - before) * 1024 / 200))" >>"$MEM"
	log "200 idle sessions on $name: $before -> $after KiB"
}
stream16 "$PID_samba_u" 4450 samba
stream16 "$PID_zsmbd_u" 4460 zsmbd
idle200 "$PID_samba_u" 4450 samba
idle200 "$PID_zsmbd_u" 4460 zsmbd

# --- zsmbd's own counters: which path moved the bytes -------------------------------------------
for z in zsmbd_u zsmbd_s; do
	eval "pid=\$PID_$z"
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
	log "$z read path counters: $(grep 'read path counters' "$WORK/$z/log" || echo none)"
done
cp "$WORK/zsmbd_u/log" "$WORK/zsmbd_u.log"

# --- table --------------------------------------------------------------------------------------
CPU_FROM="cgroup usage_usec"
[ -n "$CGROOT" ] || CPU_FROM="/proc/PID/stat ticks"
python3 - "$RAW" "$MEM" "$REPS" "$(sysctl -n net.ipv4.tcp_congestion_control)" "$CPU_FROM" "$READ_PATH" "${#SERVER_PIN[@]}" <<'EOF'
import csv, statistics, sys
raw, mem, reps, cc, cpu_from, read_path, pinned = sys.argv[1:8]
rows = list(csv.DictReader(open(raw), delimiter="\t"))
def fig(case, server, field):
    return {r["rep"]: float(r[field]) for r in rows if r["case"] == case and r["server"] == server}
out = []
def row(name, field, case, target, ok, fmt):
    z, s = fig(case, "zsmbd", field), fig(case, "samba", field)
    # The ratio is taken rep by rep (the two runs of a rep are adjacent), then the median of those:
    # drift in the machine's speed between reps cancels out.
    ratios = sorted(z[k] / s[k] for k in z if k in s and s[k] > 0)
    r = statistics.median(ratios)
    out.append((name, fmt % statistics.median(z.values()), fmt % statistics.median(s.values()),
                "%.2f" % r, "%.2f-%.2f" % (ratios[0], ratios[-1]), target, ("yes" if ok(r) else "NO") if target != "-" else ""))
cases = []
for r in rows:
    if r["case"] not in cases:
        cases.append(r["case"])
for c in cases:
    target = "-" if "encrypted" in c else ">= 1.0"  # the issue sets no target for encrypted reads
    row(c + ", MB/s", "mbps", c, target, lambda r: r >= 1.0, "%.0f")
for c in cases:
    target = "<= 0.8" if c == "smbclient unsigned" else "-"
    row(c + ", server CPU s/GiB", "cpu_s_per_gib", c, target, lambda r: r <= 0.8, "%.2f")
m = {}
for line in open(mem):
    k, srv, v = line.split()
    m[(k, srv)] = int(v)
z, s = m[("stream16", "zsmbd")], m[("stream16", "samba")]
out.append(("16 smbclient gets at once (8 MiB READs), peak MiB", "%.1f" % (z / 1024), "%.1f PSS" % (s / 1024), "%.2f" % (z / s), "", "zsmbd < 64", "yes" if z < 64 * 1024 else "NO"))
z, s = m[("idle200", "zsmbd")], m[("idle200", "samba")]
out.append(("idle go-smb2 session (of 200), KiB each", "%.1f" % (z / 1024), "%.1f PSS" % (s / 1024), "%.3f" % (z / s) if s else "-", "", "zsmbd < 64", "yes" if z < 64 * 1024 else "NO"))
hdr = ("case", "zsmbd", "samba", "ratio", "ratio range", "target", "met")
w = [max(len(str(r[i])) for r in out + [hdr]) for i in range(len(hdr))]
print(f"{reps} interleaved reps; zsmbd and samba columns are medians; ratio = median over reps of zsmbd/samba")
where = "; servers on CPU 0, clients on CPU 1" if pinned != "0" else ""
print(f"congestion control {cc}; zsmbd read path {read_path}; server CPU from {cpu_from}{where}")
for r in [hdr] + out:
    print(" | ".join(str(x).ljust(w[i]) for i, x in enumerate(r)).rstrip())
EOF
echo "raw figures: $RAW (kept only with -keep)" >&2
