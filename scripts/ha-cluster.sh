# shellcheck shell=bash
# The high-availability topology on one machine, behind ./run.sh --ha (and the HA tests): all on loopback, all from
# Debian's packages. Sourcing this file defines functions and constants; nothing runs until a function is called.
#
#   ha_start     installs etcd-server, patroni, haproxy and pgbackrest if missing (as root), then starts
#                etcd (one member), two PostgreSQL 15 nodes under Patroni (a primary and a streaming standby, WAL
#                archived by pgBackRest), and HAProxy: writes on HA_WRITE_PORT go to Patroni's leader, reads on
#                HA_READ_PORT to a standby (Patroni's REST checks, /primary and /replica with a lag bound); the
#                database `facilities` is made on the leader. Exports ConnectionStrings__Facilities (the write port)
#                and ConnectionStrings__FacilitiesReads (the read port, the write port as its fallback).
#   ha_serve URL replica URLS...   HAProxy's HTTP frontend on URL, balancing over the API replicas' URLS
#   ha_stop      stops everything ha_start and ha_serve started, in reverse order
#   ha_psql NODE ARGS...           psql as postgres on node 1 or 2
#   ha_start_node NODE             starts node 1's or 2's Patroni again, detached (for the checks)
#
# Ports (all 127.0.0.1), from FACILITIES_HA_PORT_BASE (61620) up, clear of the private clusters' 554xx and 555xx
# and above Linux's ephemeral range (32768-60999), so that no outgoing connection can hold one when a listener that
# starts late (the restored copy) binds it:
# etcd +0 (peer +1), PostgreSQL +2 and +3, Patroni REST +4 and +5, HAProxy writes +6, reads +7, stats +8, the API
# replicas +10 and +11, a restored copy (scripts/ha-check.sh) +12. State under .data/ha (git-ignored); delete it to
# start afresh.

HA_REPO="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
HA_BASE="$HA_REPO/.data/ha"
HA_PG_BIN=/usr/lib/postgresql/15/bin
HA_PORT_BASE="${FACILITIES_HA_PORT_BASE:-61620}"
HA_ETCD_PORT=$((HA_PORT_BASE))
HA_ETCD_PEER_PORT=$((HA_PORT_BASE + 1))
HA_PG_PORTS=($((HA_PORT_BASE + 2)) $((HA_PORT_BASE + 3)))
HA_REST_PORTS=($((HA_PORT_BASE + 4)) $((HA_PORT_BASE + 5)))
HA_WRITE_PORT=$((HA_PORT_BASE + 6))
HA_READ_PORT=$((HA_PORT_BASE + 7))
HA_STATS_PORT=$((HA_PORT_BASE + 8))
HA_API_URLS=("http://127.0.0.1:$((HA_PORT_BASE + 10))" "http://127.0.0.1:$((HA_PORT_BASE + 11))")
HA_RESTORE_PORT=$((HA_PORT_BASE + 12))
# A standby further behind than this (bytes of WAL) gets no reads from HAProxy.
HA_MAX_LAG=16MB
HA_STANZA=facilities

_ha_say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
_ha_die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

_ha_pids=()

# Runs a command as the user that owns the cluster files: postgres when this script runs as root (initdb and
# postgres refuse root), the current user otherwise.
_ha_as_owner() {
  if (( EUID == 0 )); then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

ha_psql() {
  local node="$1"; shift
  "$HA_PG_BIN/psql" -X -h 127.0.0.1 -p "${HA_PG_PORTS[$((node - 1))]}" -U postgres -v ON_ERROR_STOP=1 "$@"
}

_ha_install() {
  # shellcheck source=scripts/pg-cluster.sh
  source "$HA_REPO/scripts/pg-cluster.sh"
  pg_cluster_ensure_postgis
  require_debian_package etcd-server /usr/bin/etcd "etcd (Patroni's configuration store)"
  require_debian_package patroni /usr/bin/patroni "Patroni (PostgreSQL failover)"
  require_debian_package haproxy /usr/sbin/haproxy "HAProxy (routing to the primary, the standby and the API replicas)"
  require_debian_package pgbackrest /usr/bin/pgbackrest "pgBackRest (WAL archive and backups)"
}

_ha_port_free() {
  local port
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      _ha_die "port $port on 127.0.0.1 is taken (another ./run.sh --ha?); stop it first"
    fi
  done
}

# _ha_start_process LOG [--as-owner] COMMAND...: in the background, its pid (runuser's, which passes SIGTERM on) kept
# for ha_stop.
_ha_start_process() {
  local log="$1"; shift
  local -a prefix=()
  if [[ "${1:-}" == --as-owner ]]; then
    shift
    (( EUID == 0 )) && prefix=(runuser -u postgres --)
  fi
  (cd / && exec "${prefix[@]}" "$@") >>"$log" 2>&1 &
  _ha_pids+=("$!")
}

_ha_wait_http() {
  local url="$1" what="$2" seconds="${3:-90}" deadline
  deadline=$((SECONDS + seconds))
  until curl -sf -o /dev/null "$url"; do
    (( SECONDS < deadline )) || _ha_die "$what did not answer at $url within $seconds s (logs: $HA_BASE/*.log)"
    sleep 0.5
  done
}

_ha_write_pgbackrest_conf() {
  cat >"$HA_BASE/pgbackrest.conf" <<CONF
# pgBackRest for the HA topology: one repository on this machine, both nodes listed, the primary found by
# pgBackRest itself. Full backups are kept twice; WAL from the oldest kept backup on, so any time since can be restored.
[global]
repo1-path=$HA_BASE/backups
repo1-retention-full=2
log-path=$HA_BASE
lock-path=$HA_BASE/pgbackrest-lock
spool-path=$HA_BASE/pgbackrest-spool
start-fast=y
archive-async=n

[$HA_STANZA]
pg1-path=$HA_BASE/node1
pg1-port=${HA_PG_PORTS[0]}
pg1-host-user=postgres
pg1-socket-path=$HA_BASE/sock1
pg2-path=$HA_BASE/node2
pg2-port=${HA_PG_PORTS[1]}
pg2-socket-path=$HA_BASE/sock2
CONF
}

_ha_write_patroni_conf() {
  local n="$1" pg_port="${HA_PG_PORTS[$(($1 - 1))]}" rest_port="${HA_REST_PORTS[$(($1 - 1))]}"
  cat >"$HA_BASE/patroni$n.yml" <<CONF
# Patroni for node $n of the HA topology (scripts/ha-cluster.sh). Loopback only, trust authentication: never expose it.
scope: facilities
name: node$n
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:$rest_port
  connect_address: 127.0.0.1:$rest_port
etcd3:
  hosts: 127.0.0.1:$HA_ETCD_PORT
bootstrap:
  dcs:
    # A dead leader's key expires after ttl; the standby then promotes. Short, for a machine without network partitions.
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 16777216
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 200
        archive_mode: "on"
        archive_command: "pgbackrest --config=$HA_BASE/pgbackrest.conf --stanza=$HA_STANZA archive-push %p"
        archive_timeout: 60
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums
  pg_hba:
    - local all all trust
    - host replication all 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$pg_port
  connect_address: 127.0.0.1:$pg_port
  data_dir: $HA_BASE/node$n
  bin_dir: $HA_PG_BIN
  pgpass: $HA_BASE/pgpass$n
  authentication:
    superuser:
      username: postgres
      password: postgres
    replication:
      username: postgres
      password: postgres
  parameters:
    unix_socket_directories: '$HA_BASE/sock$n'
    shared_buffers: 128MB
    jit: "off"
  create_replica_methods:
    - basebackup
  basebackup:
    - checkpoint: fast
CONF
}

_ha_write_haproxy_conf() {
  local frontend="${1:-}" servers="${2:-}"
  {
    cat <<CONF
# HAProxy for the HA topology (scripts/ha-cluster.sh): PostgreSQL writes to Patroni's leader, reads to a streaming
# standby within $HA_MAX_LAG of WAL, and, with ./run.sh --ha, HTTP over the API replicas. Every check is every
# second; two failures take a server out, two successes bring it back, and its connections are cut when it goes.
global
  maxconn 2000
  pidfile $HA_BASE/haproxy.pid

defaults
  timeout connect 2s
  timeout check 2s
  timeout client 30m
  timeout server 30m
  default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions

listen stats
  mode http
  bind 127.0.0.1:$HA_STATS_PORT
  stats enable
  stats uri /

listen postgres_primary
  mode tcp
  bind 127.0.0.1:$HA_WRITE_PORT
  option httpchk
  http-check send meth GET uri /primary
  http-check expect status 200
  server node1 127.0.0.1:${HA_PG_PORTS[0]} check port ${HA_REST_PORTS[0]}
  server node2 127.0.0.1:${HA_PG_PORTS[1]} check port ${HA_REST_PORTS[1]}

listen postgres_standbys
  mode tcp
  bind 127.0.0.1:$HA_READ_PORT
  balance leastconn
  option httpchk
  http-check send meth GET uri /replica?lag=$HA_MAX_LAG
  http-check expect status 200
  server node1 127.0.0.1:${HA_PG_PORTS[0]} check port ${HA_REST_PORTS[0]}
  server node2 127.0.0.1:${HA_PG_PORTS[1]} check port ${HA_REST_PORTS[1]}
CONF
    if [[ -n "$frontend" ]]; then
      cat <<CONF

# The map and the API over the replicas. A replica whose readiness fails (stopping, database away) gets no new
# requests; a connection refused (a replica killed) is retried on the other, which is safe: nothing was sent.
frontend map
  mode http
  bind $frontend
  timeout client 5m
  option forwardfor
  default_backend api_replicas

backend api_replicas
  mode http
  balance roundrobin
  timeout server 5m
  option httpchk
  http-check send meth GET uri /healthz/ready
  http-check expect status 200
  retries 3
  retry-on conn-failure
  option redispatch 1
$servers
CONF
    fi
  } >"$HA_BASE/haproxy.cfg"
}

# ha_start: see the top of this file.
ha_start() {
  _ha_install
  _ha_port_free "$HA_ETCD_PORT" "$HA_ETCD_PEER_PORT" "${HA_PG_PORTS[@]}" "${HA_REST_PORTS[@]}" "$HA_WRITE_PORT" "$HA_READ_PORT" "$HA_STATS_PORT"
  mkdir -p "$HA_BASE/etcd" "$HA_BASE/backups" "$HA_BASE/sock1" "$HA_BASE/sock2" "$HA_BASE/pgbackrest-lock" "$HA_BASE/pgbackrest-spool"
  chmod 700 "$HA_BASE/sock1" "$HA_BASE/sock2"
  if (( EUID == 0 )); then
    chown -R postgres: "$HA_BASE" || _ha_die "cannot hand $HA_BASE to the postgres user"
  fi
  _ha_write_pgbackrest_conf
  _ha_write_patroni_conf 1
  _ha_write_patroni_conf 2

  _ha_say "starting etcd on 127.0.0.1:$HA_ETCD_PORT"
  _ha_start_process "$HA_BASE/etcd.log" --as-owner /usr/bin/etcd --name facilities --data-dir "$HA_BASE/etcd" \
    --listen-client-urls "http://127.0.0.1:$HA_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$HA_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$HA_ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$HA_ETCD_PEER_PORT" \
    --initial-cluster "facilities=http://127.0.0.1:$HA_ETCD_PEER_PORT"
  _ha_wait_http "http://127.0.0.1:$HA_ETCD_PORT/health" etcd 60

  local n
  for n in 1 2; do
    _ha_say "starting PostgreSQL node $n under Patroni (127.0.0.1:${HA_PG_PORTS[$((n - 1))]}, REST ${HA_REST_PORTS[$((n - 1))]})"
    _ha_start_process "$HA_BASE/patroni$n.log" --as-owner env PGBACKREST_CONFIG="$HA_BASE/pgbackrest.conf" /usr/bin/patroni "$HA_BASE/patroni$n.yml"
    # The first node bootstraps and leads; the second clones it with pg_basebackup once it leads.
    if (( n == 1 )); then
      _ha_wait_http "http://127.0.0.1:${HA_REST_PORTS[0]}/primary" "Patroni's leader" 180
    fi
  done

  _ha_say "starting HAProxy (PostgreSQL writes 127.0.0.1:$HA_WRITE_PORT, reads 127.0.0.1:$HA_READ_PORT, stats :$HA_STATS_PORT)"
  _ha_write_haproxy_conf
  _ha_start_process "$HA_BASE/haproxy.log" /usr/sbin/haproxy -W -db -f "$HA_BASE/haproxy.cfg"
  _ha_wait_leader_through_haproxy

  if [[ -z "$(_ha_psql_write -d postgres -Atc "select 1 from pg_database where datname = 'facilities'")" ]]; then
    _ha_psql_write -d postgres -qc 'create database facilities' || _ha_die "cannot create the database facilities"
  fi
  _ha_ensure_stanza
  _ha_wait_standby

  export ConnectionStrings__Facilities="Host=127.0.0.1;Port=$HA_WRITE_PORT;Username=postgres;Database=facilities"
  # The read port first; when no standby is fit to read from, HAProxy refuses, and Npgsql takes the next host.
  export ConnectionStrings__FacilitiesReads="Host=127.0.0.1:$HA_READ_PORT,127.0.0.1:$HA_WRITE_PORT;Target Session Attributes=prefer-standby;Username=postgres;Database=facilities"
  _ha_say "PostgreSQL HA ready: writes $ConnectionStrings__Facilities"
}

_ha_psql_write() { "$HA_PG_BIN/psql" -X -h 127.0.0.1 -p "$HA_WRITE_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }

_ha_wait_leader_through_haproxy() {
  local deadline=$((SECONDS + 60))
  until "$HA_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$HA_WRITE_PORT" -U postgres -d postgres; do
    (( SECONDS < deadline )) || _ha_die "no PostgreSQL leader behind HAProxy within 60 s (logs: $HA_BASE/*.log)"
    sleep 0.5
  done
}

# The standby clones the leader and streams; until HAProxy sees it, reads fall back to the primary.
_ha_wait_standby() {
  local deadline=$((SECONDS + 120))
  until "$HA_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$HA_READ_PORT" -U postgres -d postgres; do
    if (( SECONDS >= deadline )); then
      _ha_say "no streaming standby behind HAProxy's read port within 120 s; reads go to the primary meanwhile"
      return 0
    fi
    sleep 0.5
  done
}

# The pgBackRest stanza, once: it checks the archive_command works too.
_ha_ensure_stanza() {
  [[ -e "$HA_BASE/backups/backup/$HA_STANZA/backup.info" ]] && return 0
  _ha_say "creating the pgBackRest stanza $HA_STANZA (repository $HA_BASE/backups)"
  _ha_as_owner pgbackrest --config="$HA_BASE/pgbackrest.conf" --stanza="$HA_STANZA" stanza-create >>"$HA_BASE/pgbackrest-setup.log" 2>&1 \
    || _ha_say "pgbackrest stanza-create failed; backups are off (see $HA_BASE/pgbackrest-setup.log)"
}

# ha_serve BIND URL...: HAProxy's HTTP frontend on BIND (host:port) over the replicas at URL... (http://host:port).
ha_serve() {
  local bind="$1"; shift
  local servers="" i=1 url
  for url in "$@"; do
    servers+="  server api$i ${url#http://} check"$'\n'
    i=$((i + 1))
  done
  _ha_write_haproxy_conf "$bind" "$servers"
  # Reloaded in place (-W master mode): SIGUSR2 makes the master read the configuration again.
  kill -USR2 "${_ha_pids[-1]}" 2>/dev/null || _ha_die "HAProxy is not running"
}

# ha_start_node N: node N's Patroni again (after a check stopped it), in a session of its own: the caller is not the
# shell that ran ha_start, so ha_stop does not know it; scripts/ha-test.sh stops it.
ha_start_node() {
  local n="$1"
  local -a prefix=()
  (( EUID == 0 )) && prefix=(runuser -u postgres --)
  (cd / && exec setsid "${prefix[@]}" env PGBACKREST_CONFIG="$HA_BASE/pgbackrest.conf" /usr/bin/patroni "$HA_BASE/patroni$n.yml") \
    >>"$HA_BASE/patroni$n.log" 2>&1 </dev/null &
}

ha_stop() {
  local i pid
  for (( i = ${#_ha_pids[@]} - 1; i >= 0; i-- )); do
    pid="${_ha_pids[$i]}"
    kill -TERM "$pid" 2>/dev/null || continue
    local waited=0
    while kill -0 "$pid" 2>/dev/null && (( waited < 300 )); do
      sleep 0.1
      waited=$((waited + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  _ha_pids=()
}
