#!/bin/sh
# Refreshes samba-4.17.pcap: real SMB2/3 traffic between Samba's smbclient / go-smb2 and Samba's smbd
# on 127.0.0.1:4455, which the golden tests in ../golden_test.go decode and re-encode.
# Needs smbd, smbclient, tshark, pdbedit (apt-get install samba smbclient tshark). Run from smb/testdata.
set -eu
out=$(pwd)/samba-4.17.pcap
dir=$(mktemp -d)
mkdir -p "$dir/share" "$dir/priv" "$dir/lock" "$dir/state" "$dir/cache" "$dir/pid" "$dir/log"
echo hello > "$dir/share/hello.txt"
echo "put data" > "$dir/up.txt"
cat > "$dir/smb.conf" <<CONF
[global]
  smb ports = 4455
  interfaces = lo
  bind interfaces only = yes
  private dir = $dir/priv
  lock directory = $dir/lock
  state directory = $dir/state
  cache directory = $dir/cache
  pid directory = $dir/pid
  log file = $dir/log/%m.log
  ncalrpc dir = $dir/ncalrpc
  map to guest = Bad User
  server min protocol = SMB2_02
  disable netbios = yes
  passdb backend = tdbsam:$dir/priv/passdb.tdb
  server role = standalone server
[share]
  path = $dir/share
  read only = no
  guest ok = yes
  force user = root
CONF
printf 'secret\nsecret\n' | pdbedit -s "$dir/smb.conf" -a -t -u root >/dev/null
# smbd signals its whole process group when it stops: give it its own session.
setsid smbd -s "$dir/smb.conf" -F --no-process-group -d 0 & smbd=$!
tshark -q -i lo -f 'tcp port 4455' -F pcap -w "$dir/cap.pcap" 2>/dev/null & ts=$!
sleep 3
sc() { smbclient //127.0.0.1/share -p 4455 -N "$@" >/dev/null 2>&1; }
# 1: SMB 3.1.1 with the usual file operations.
sc -m SMB3_11 --option='client min protocol=SMB3_11' \
  -c "ls; get hello.txt $dir/out.txt; put $dir/up.txt up.txt; allinfo hello.txt; mkdir d; rmdir d; rm up.txt"
# 2: an SMB1 NEGOTIATE first, answered with the 0x02FF wildcard dialect.
sc -m SMB3 --option='client min protocol=NT1' -c ls
# 3: SMB 2.0.2.
sc -m SMB2_02 --option='client max protocol=SMB2_02' -c 'open hello.txt; close 1'
# 4: SMB 3.0.2 with ECHO.
sc -m SMB3_02 --option='client max protocol=SMB3_02' -c 'echo 1 hi'
# 5: go-smb2, signed NTLM session.
(cd "$(dirname "$0")/../.." && go run ./smb/testdata/capture 127.0.0.1:4455 root secret share)
sleep 2
kill "$ts" "$smbd"
wait "$ts" 2>/dev/null || true
cp "$dir/cap.pcap" "$out"
rm -rf "$dir"
echo "wrote $out"
