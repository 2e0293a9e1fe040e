#!/usr/bin/env bash
# A one-node Ceph cluster with its S3 gateway (RGW) on loopback: a real S3 implementation
# for the tests, beside moto. One monitor, one OSD on the in-memory memstore backend, one
# RGW with the beast frontend; auth "none" inside the cluster, S3 keys made by
# radosgw-admin. Everything lives under DIR (config, pid files, logs): `stop` kills the
# daemons by their pid files and removes DIR.
#
#   scripts/ceph-s3.sh start DIR   -> prints CEPH_DIR=DIR and S3_ENDPOINT=http://127.0.0.1:PORT
#                                     (keys: test / test, as the test helpers sign)
#   scripts/ceph-s3.sh stop DIR
#
# Needs Debian's ceph-mon, ceph-osd, radosgw and ceph-common (Ceph 16.2). Measured here:
# up in 12-19 s, ~110 MB RSS. Bucket names need 3+ characters.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
D=$2

# A port nothing listens on, below the kernel's ephemeral range: a port above it can be
# the local end of some outgoing connection, and then the daemon's bind fails although
# nothing listens (seen here: the monitor gave up with "Address already in use").
free_port() {
  local low=10000 high port
  high=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  for _ in $(seq 50); do
    port=$((low + RANDOM % (high - low)))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || {
      echo "$port"
      return
    }
  done
  echo "ceph-s3: no free port found" >&2
  exit 1
}

stop() {
  # Only the daemons this DIR started: their pid files, never a process name. SIGKILL:
  # the data lives in memory and is thrown away, and a clean shutdown takes ~10 s. All
  # at once, then wait: each takes 1-2 s to release its memory.
  local pids=()
  for pidfile in "$D"/run/*.pid; do
    [ -f "$pidfile" ] && pids+=("$(cat "$pidfile")")
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$D"
}

start() {
  for tool in monmaptool ceph-mon ceph-osd radosgw radosgw-admin ceph; do
    command -v "$tool" >/dev/null || {
      echo "ceph-s3: $tool not found; apt-get install ceph-mon ceph-osd radosgw ceph-common" >&2
      exit 1
    }
  done
  [ -e "$D" ] && [ -n "$(ls -A "$D")" ] && {
    echo "ceph-s3: $D is not empty; give a new directory" >&2
    exit 1
  }
  mkdir -p "$D/mon" "$D/osd0" "$D/run" "$D/log" "$D/rgw"
  trap 'fail "a start-up step failed (line $LINENO)"' ERR
  local s3_port mon_port fsid ouuid
  s3_port=$(free_port)
  mon_port=$(free_port)
  fsid=$(cat /proc/sys/kernel/random/uuid)
  cat >"$D/ceph.conf" <<CONF
[global]
fsid = $fsid
mon initial members = a
mon host = v1:127.0.0.1:$mon_port
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd objectstore = memstore
memstore device bytes = 3221225472
osd max object size = 134217728
run dir = $D/run
log file = $D/log/\$name.log
admin socket = $D/run/\$name.asok
pid file = $D/run/\$name.pid
ms bind ipv6 = false
[mon.a]
mon data = $D/mon
[osd.0]
osd data = $D/osd0
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$s3_port
rgw data = $D/rgw
CONF
  local C=(-c "$D/ceph.conf")
  # The monitor must be addressed as v1 in both the monmap and "mon host", or clients hang.
  monmaptool --create --addv a "[v1:127.0.0.1:$mon_port]" --fsid "$fsid" "$D/monmap" >/dev/null
  ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" >>"$D/log/start.log" 2>&1
  ceph-mon "${C[@]}" -i a >>"$D/log/start.log" 2>&1
  # The OSD's uuid must be the one registered with the monitor ("wrong fsid" otherwise);
  # it adds itself to the CRUSH map when it starts.
  ouuid=$(cat /proc/sys/kernel/random/uuid)
  for i in $(seq 30); do # the monitor takes a moment to form its quorum
    timeout 10 ceph "${C[@]}" osd create "$ouuid" >/dev/null 2>&1 && break
    [ "$i" = 30 ] && fail "the monitor did not answer"
    sleep 1
  done
  # Daemons write to their log file, and a little to the terminal after forking: keep
  # this script's output to the lines it prints. Now and then (1 start in ~5 here) the
  # new OSD comes up without the cluster's fsid ("wrong fsid" in its log) and exits;
  # a fresh mkfs then starts.
  for i in 1 2 3; do
    rm -rf "$D/osd0" && mkdir "$D/osd0"
    ceph-osd "${C[@]}" -i 0 --mkfs --osd-uuid "$ouuid" >>"$D/log/start.log" 2>&1 &&
      ceph-osd "${C[@]}" -i 0 >>"$D/log/start.log" 2>&1 && break
    [ "$i" = 3 ] && fail "the OSD did not start"
    sleep 1
  done
  radosgw "${C[@]}" -n client.rgw.a >>"$D/log/start.log" 2>&1
  # The dummy keys every test helper signs with (test/test): the cluster listens on
  # loopback only, holds nothing but test data and dies with DIR.
  local key=test secret=test
  for i in $(seq 60); do
    timeout 60 radosgw-admin "${C[@]}" user create --uid=test --display-name=test \
      --access-key="$key" --secret="$secret" >/dev/null 2>&1 && break
    [ "$i" = 60 ] && fail "radosgw-admin could not create the S3 user"
    sleep 1
  done
  for i in $(seq 60); do
    (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null && break
    kill -0 "$(cat "$D/run/client.rgw.a.pid" 2>/dev/null || echo 0)" 2>/dev/null ||
      fail "the S3 gateway exited"
    [ "$i" = 60 ] && fail "the S3 gateway did not open port $s3_port"
    sleep 1
  done
  echo "CEPH_DIR=$D"
  echo "S3_ENDPOINT=http://127.0.0.1:$s3_port"
}

fail() {
  echo "ceph-s3: $1; logs in $D/log" >&2
  tail -n 5 "$D"/log/*.log >&2 2>/dev/null || true
  stop # nothing half-started stays behind
  exit 1
}

case "$cmd" in
  start)
    # A start that fails (a port taken between the check and the bind, a daemon that
    # did not come up) stops what it began and removes DIR: try twice more, fresh.
    for attempt in 1 2 3; do
      "$0" start-once "$D" && exit 0
      [ "$attempt" = 3 ] || echo "ceph-s3: retrying the start ($attempt of 3 failed)" >&2
    done
    exit 1
    ;;
  start-once) start ;;
  stop) stop ;;
  *) usage ;;
esac
