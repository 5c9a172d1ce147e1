# shellcheck shell=bash
# The private PostgreSQL 15 + PostGIS cluster behind ./run.sh, ./test.sh and the benchmarks, and the checks for
# the tools they need. Sourcing this file defines functions and three constants; nothing runs, installs or exits
# until a function is called.
#
#   pg_cluster_start           PostGIS installed, the cluster running, database `facilities` present, and
#                              ConnectionStrings__Facilities exported. When ConnectionStrings__Facilities is
#                              already set by the caller it does none of this: that database is used as it is.
#   pg_cluster_stop            stops the cluster, only if pg_cluster_start started it (a cluster that was already
#                              running, for instance under another ./run.sh, is left alone)
#   pg_cluster_psql ARGS...    psql as `postgres` on the private cluster, e.g. pg_cluster_psql -d facilities -c '...'
#   pg_cluster_ensure_postgis  installs postgresql-15-postgis-3 as root, or says how to
#   require_dotnet_sdk         fails with a clear message when there is no .NET SDK
#   require_debian_package PACKAGE FILE WHAT   installs PACKAGE (as root) when FILE is missing
#
# After pg_cluster_start: PG_CLUSTER_PORT, PG_CLUSTER_DATA and PG_CLUSTER_LOG (shell variables, not exported).
#
# The cluster lives in .data/pg (git-ignored) and listens on 127.0.0.1:${FACILITIES_PG_PORT:-55433} only, with
# its Unix socket in .data/pg-socket. It is not the system's PostgreSQL service: no pg_ctlcluster, no systemctl,
# nothing under /etc/postgresql or /var/run/postgresql. Delete .data/ to start from scratch.
#
# The callers use `set -euo pipefail`, but every function checks its own commands, because bash suspends
# `set -e` inside a function called from `if`, `&&` or `||`. Fatal problems print a message and `exit 1`.

PG_CLUSTER_REPO="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
PG_CLUSTER_BIN=/usr/lib/postgresql/15/bin
PG_CLUSTER_POSTGIS_CONTROL=/usr/share/postgresql/15/extension/postgis.control

_pg_cluster_say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
_pg_cluster_die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

require_dotnet_sdk() {
  if ! command -v dotnet >/dev/null 2>&1; then
    _pg_cluster_die "the .NET 10 SDK is not installed (no dotnet on PATH); see https://learn.microsoft.com/dotnet/core/install/linux-debian"
  fi
  # A machine with only the runtime has `dotnet` too, and would fail later with a less helpful message.
  if [[ -z "$(dotnet --list-sdks 2>/dev/null)" ]]; then
    _pg_cluster_die "dotnet is installed but no .NET SDK is (only a runtime); install the .NET 10 SDK"
  fi
}

# require_debian_package PACKAGE FILE WHAT: FILE present means PACKAGE is installed.
require_debian_package() {
  local package="$1" file="$2" what="$3"
  [[ -e "$file" ]] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    _pg_cluster_die "$what is missing ($file); these scripts install it on Debian as the package $package"
  fi
  if (( EUID != 0 )); then
    _pg_cluster_die "$what is missing ($file); install it with: sudo apt-get install $package"
  fi
  _pg_cluster_say "installing $package ($what)"
  # Wait for another apt or dpkg run (unattended upgrades, a colleague's install) instead of failing at once.
  local -a apt=(apt-get -o DPkg::Lock::Timeout=300)
  # Refresh the package lists only when they don't know the package (a fresh container has none at all).
  if ! apt-cache policy "$package" 2>/dev/null | grep -q 'Candidate: [^(]'; then
    "${apt[@]}" update -qq || _pg_cluster_die "apt-get update failed"
  fi
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -q "$package"; then
    # Lists that are present but old name versions the mirror no longer has: refresh them and try once more.
    _pg_cluster_say "installing $package failed; refreshing the package lists and trying again"
    "${apt[@]}" update -qq || _pg_cluster_die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -q "$package" \
      || _pg_cluster_die "could not install $package"
  fi
  [[ -e "$file" ]] || _pg_cluster_die "installed $package, but $file is still missing"
}

pg_cluster_ensure_postgis() {
  # postgresql-15-postgis-3 depends on postgresql-15, so one package brings the server as well. Installing
  # postgresql-15 also creates and starts Debian's own cluster 15/main on port 5432; this file never uses it.
  require_debian_package postgresql-15-postgis-3 "$PG_CLUSTER_POSTGIS_CONTROL" "PostGIS for PostgreSQL 15"
  require_debian_package postgresql-15 "$PG_CLUSTER_BIN/initdb" "PostgreSQL 15"
}

pg_cluster_psql() {
  # -X: a personal ~/.psqlrc must not change the output the functions here parse.
  "$PG_CLUSTER_BIN/psql" -X -h 127.0.0.1 -p "${PG_CLUSTER_PORT:?pg_cluster_start has not run}" -U postgres \
    -v ON_ERROR_STOP=1 "$@"
}

pg_cluster_start() {
  if [[ -n "${ConnectionStrings__Facilities:-}" \
        && "$ConnectionStrings__Facilities" != "${_pg_cluster_connection_string:-}" ]]; then
    # Not echoed: it may hold a password.
    _pg_cluster_say "ConnectionStrings__Facilities is set: using that database; no private PostgreSQL is started"
    return 0
  fi

  local port="${FACILITIES_PG_PORT:-55433}"
  if [[ ! "$port" =~ ^[0-9]{1,5}$ ]] || (( port < 1 || port > 65535 )); then
    _pg_cluster_die "FACILITIES_PG_PORT must be a TCP port number, not '$port'"
  fi

  pg_cluster_ensure_postgis
  _pg_cluster_locate

  # Two scripts started at once (./run.sh in one terminal, ./test.sh in another) would both see no server and
  # both start one; the second postgres would then fail on the first one's lock file. flock needs no write
  # access, so the lock file is opened for reading and a file left by another user does not get in the way.
  local lock_fd lock_file="$_pg_cluster_base/pg.lock"
  [[ -e "$lock_file" ]] || : >>"$lock_file" || _pg_cluster_die "cannot create $lock_file"
  exec {lock_fd}<"$lock_file" || _pg_cluster_die "cannot open $lock_file"
  if ! flock -w 120 "$lock_fd"; then
    _pg_cluster_die "another script has been starting the cluster in $PG_CLUSTER_DATA for 2 minutes; giving up"
  fi

  [[ -e "$PG_CLUSTER_DATA" ]] || _pg_cluster_init "$port" "$lock_fd"
  _pg_cluster_take_ownership

  _pg_cluster_forget_reused_pid
  local running_port
  if _pg_cluster_as_owner "$PG_CLUSTER_BIN/pg_ctl" -D "$PG_CLUSTER_DATA" status >/dev/null 2>&1; then
    # Line 4 of postmaster.pid is the port the running server really listens on.
    running_port="$(sed -n 4p "$PG_CLUSTER_DATA/postmaster.pid" 2>/dev/null)" || running_port=""
    if [[ "$running_port" =~ ^[0-9]+$ && "$running_port" != "$port" ]]; then
      _pg_cluster_say "the cluster in $PG_CLUSTER_DATA is already running on port $running_port, not $port; using it as it is"
      port="$running_port"
    fi
    _pg_cluster_say "reusing the PostgreSQL already running on 127.0.0.1:$port ($PG_CLUSTER_DATA)"
  else
    _pg_cluster_launch "$port" "$lock_fd"
  fi

  PG_CLUSTER_PORT="$port"
  _pg_cluster_wait_ready

  local exists
  exists="$(pg_cluster_psql -d postgres -Atc "select 1 from pg_database where datname = 'facilities'")" \
    || _pg_cluster_die "cannot query the cluster on 127.0.0.1:$port"
  if [[ -z "$exists" ]]; then
    pg_cluster_psql -d postgres -qc 'create database facilities' || _pg_cluster_die "cannot create the database facilities"
  fi

  exec {lock_fd}>&-

  _pg_cluster_connection_string="Host=127.0.0.1;Port=$port;Username=postgres;Database=facilities"
  export ConnectionStrings__Facilities="$_pg_cluster_connection_string"
  _pg_cluster_say "PostgreSQL ready: $ConnectionStrings__Facilities"
}

pg_cluster_stop() {
  [[ -n "${_pg_cluster_started:-}" ]] || return 0
  _pg_cluster_started=""
  if _pg_cluster_as_owner "$PG_CLUSTER_BIN/pg_ctl" -D "$PG_CLUSTER_DATA" status >/dev/null 2>&1; then
    _pg_cluster_say "stopping the private PostgreSQL ($PG_CLUSTER_DATA)"
    # Fast: disconnects clients and stops in a second or two, yet is a clean shutdown (no recovery next start).
    if ! _pg_cluster_as_owner "$PG_CLUSTER_BIN/pg_ctl" -D "$PG_CLUSTER_DATA" -m fast -w -t 60 stop >/dev/null; then
      _pg_cluster_say "could not stop PostgreSQL; see $PG_CLUSTER_LOG"
      return 1
    fi
  fi
  # The server is gone, so the connection string no longer names one; a later pg_cluster_start starts it again.
  if [[ "${ConnectionStrings__Facilities:-}" == "${_pg_cluster_connection_string:-}" ]]; then
    unset ConnectionStrings__Facilities
  fi
  _pg_cluster_connection_string=""
}

# Where the cluster lives and which user runs it. Sets _pg_cluster_user (empty: the current user),
# _pg_cluster_base, PG_CLUSTER_DATA, PG_CLUSTER_LOG and _pg_cluster_socket_dir.
_pg_cluster_locate() {
  local base="$PG_CLUSTER_REPO/.data"
  _pg_cluster_user=""
  [[ -d "$base" ]] || mkdir -m 755 -- "$base" || _pg_cluster_die "cannot create $base"

  if (( EUID == 0 )); then
    # initdb and postgres refuse to run as root. Debian's postgresql-common creates the `postgres` user; without
    # it, an unprivileged system user of our own does the job.
    _pg_cluster_user=postgres
    if ! id -u postgres >/dev/null 2>&1; then
      _pg_cluster_user=facilities-pg
      if ! id -u facilities-pg >/dev/null 2>&1; then
        _pg_cluster_say "creating the system user facilities-pg to run PostgreSQL (it refuses to run as root)"
        useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin \
          facilities-pg || _pg_cluster_die "cannot create the user facilities-pg"
      fi
    fi

    if ! runuser -u "$_pg_cluster_user" -- test -x "$base" 2>/dev/null; then
      # A repository under /root (mode 700) cannot be reached by that user whatever the mode of .data is.
      local hash
      hash="$(printf '%s' "$PG_CLUSTER_REPO" | sha256sum | cut -c1-12)"
      base="/var/tmp/facilities-pg-$hash"
      _pg_cluster_say "the user $_pg_cluster_user cannot reach $PG_CLUSTER_REPO/.data (a parent directory is closed to other users), so the cluster lives in $base instead; delete that directory to start from scratch"
      [[ -d "$base" ]] || mkdir -m 755 -- "$base" || _pg_cluster_die "cannot create $base"
      # /var/tmp is writable by everyone: refuse a directory (or symlink) someone else put there in advance.
      if [[ -L "$base" || "$(stat -c %u -- "$base")" != 0 ]]; then
        _pg_cluster_die "$base is not a directory owned by root; remove it and try again"
      fi
    fi
  elif [[ ! -w "$base" ]]; then
    _pg_cluster_die "$base belongs to the user $(stat -c %U -- "$base") (made by a run as root?); run as root, or delete $base to start from scratch"
  fi

  _pg_cluster_base="$base"
  PG_CLUSTER_DATA="$base/pg"
  PG_CLUSTER_LOG="$PG_CLUSTER_DATA/server.log"
  _pg_cluster_socket_dir="$base/pg-socket"
}

# Runs a command as the user that owns the cluster.
_pg_cluster_as_owner() {
  if [[ -n "${_pg_cluster_user:-}" ]]; then
    # From /, so the tools don't complain about a working directory that user may not enter (/root).
    (cd / && runuser -u "$_pg_cluster_user" -- "$@")
  else
    "$@"
  fi
}

# _pg_cluster_init PORT LOCK_FD
_pg_cluster_init() {
  local port="$1" lock_fd="$2" scratch="$PG_CLUSTER_DATA.initdb" output
  # initdb works in a scratch directory that becomes the cluster only once postgresql.conf is complete, so an
  # interrupted first run leaves nothing that looks like a cluster and the next run simply starts over.
  rm -rf -- "$scratch"
  mkdir -m 700 -- "$scratch" || _pg_cluster_die "cannot create $scratch"
  if [[ -n "$_pg_cluster_user" ]]; then
    chown "$_pg_cluster_user:" "$scratch" || _pg_cluster_die "cannot hand $scratch to $_pg_cluster_user"
  fi

  _pg_cluster_say "creating a private PostgreSQL cluster in $PG_CLUSTER_DATA${_pg_cluster_user:+ (run by the user $_pg_cluster_user)}"
  # Trust authentication, no passwords: acceptable only because the server listens on 127.0.0.1 (and a socket
  # directory only its owner can enter); any local user of this machine can connect. Never expose this cluster.
  if ! output="$(_pg_cluster_as_owner "$PG_CLUSTER_BIN/initdb" -D "$scratch" -U postgres --auth=trust \
                   -E UTF8 --locale=C.UTF-8 2>&1 {lock_fd}>&-)"; then
    printf '%s\n' "$output" >&2
    _pg_cluster_die "initdb failed"
  fi

  local socket_dir="${_pg_cluster_socket_dir//\'/\'\'}"
  cat >>"$scratch/postgresql.conf" <<EOF || _pg_cluster_die "cannot write $scratch/postgresql.conf"

# Facilities: a private development cluster made by scripts/pg-cluster.sh.
# Loopback only: authentication is trust (see pg_hba.conf), so this server must never listen elsewhere.
listen_addresses = '127.0.0.1'
# The start command also passes -p and -k, so a changed FACILITIES_PG_PORT or a moved repository still works.
port = $port
unix_socket_directories = '$socket_dir'
# Sized for the benchmarks: a million facilities with their GiST indexes stay in memory. shared_buffers is
# reserved lazily, so a small machine only pays for what is used.
shared_buffers = 1GB
# A planner hint (the OS page cache it may count on), not an allocation.
effective_cache_size = 8GB
work_mem = 16MB
# Solid-state storage: random reads cost about the same as sequential ones, so index scans are not penalised.
random_page_cost = 1.1
# The API's queries take milliseconds; compiling them with LLVM costs more than it saves.
jit = off
# The API and every test database keep their own connection pools.
max_connections = 200
EOF

  mv -- "$scratch" "$PG_CLUSTER_DATA" || _pg_cluster_die "cannot move $scratch to $PG_CLUSTER_DATA"
}

# As root, the cluster's files must belong to the user that runs it (for instance after a run as another user).
# As another user, a cluster made by root's run cannot be used at all: say so instead of failing obscurely.
_pg_cluster_take_ownership() {
  local dir
  if [[ -n "$_pg_cluster_user" ]]; then
    [[ -d "$_pg_cluster_socket_dir" ]] || mkdir -m 700 -- "$_pg_cluster_socket_dir" \
      || _pg_cluster_die "cannot create $_pg_cluster_socket_dir"
    for dir in "$PG_CLUSTER_DATA" "$_pg_cluster_socket_dir"; do
      if [[ "$(stat -c %U -- "$dir")" != "$_pg_cluster_user" ]]; then
        chown -R "$_pg_cluster_user:" "$dir" || _pg_cluster_die "cannot hand $dir to $_pg_cluster_user"
      fi
    done
  else
    for dir in "$PG_CLUSTER_DATA" "$_pg_cluster_socket_dir"; do
      if [[ -e "$dir" && "$(stat -c %u -- "$dir")" != "$EUID" ]]; then
        _pg_cluster_die "$dir belongs to the user $(stat -c %U -- "$dir") (made by a run as root?); run as root, or delete $_pg_cluster_base to start from scratch"
      fi
    done
    [[ -d "$_pg_cluster_socket_dir" ]] || mkdir -m 700 -- "$_pg_cluster_socket_dir" \
      || _pg_cluster_die "cannot create $_pg_cluster_socket_dir"
  fi
  [[ -f "$PG_CLUSTER_DATA/PG_VERSION" ]] \
    || _pg_cluster_die "$PG_CLUSTER_DATA is not a PostgreSQL cluster; move it away or delete it"
}

# After a crash, postmaster.pid and the socket's lock file name a process that is gone. postgres then removes them
# itself, after checking that no orphaned backend still uses the old shared memory, so that case is left to it.
# What postgres cannot tell is a pid that still looks alive but is not its postmaster: a pid reused by another
# process (common after a container restart), or the unreaped zombie of the crashed postmaster (seen here when
# PID 1 reaps slowly). It refuses to start on those. Our postmaster's working directory is its data directory,
# which tells them apart.
_pg_cluster_forget_reused_pid() {
  local file pid data_dir
  data_dir="$(realpath -- "$PG_CLUSTER_DATA")" || return 0
  for file in "$PG_CLUSTER_DATA/postmaster.pid" "$_pg_cluster_socket_dir"/.s.PGSQL.*.lock; do
    [[ -f "$file" ]] || continue
    pid="$(head -n 1 -- "$file" 2>/dev/null)" || continue
    [[ "$pid" =~ ^[0-9]+$ && -d "/proc/$pid" ]] || continue
    if [[ "$(readlink -- "/proc/$pid/cwd" 2>/dev/null)" != "$data_dir" ]]; then
      # Backends of a crashed postmaster exit on their own within moments; starting beside them would corrupt data.
      local orphans
      orphans="$(_pg_cluster_processes_in "$data_dir")"
      if [[ -n "$orphans" ]]; then
        _pg_cluster_die "processes of a stopped server still run in $PG_CLUSTER_DATA (pids: $orphans); wait for them to exit, or stop them"
      fi
      _pg_cluster_say "removing a stale ${file##*/}: process $pid is not this cluster's server"
      rm -f -- "$file" "${file%.lock}" || _pg_cluster_die "cannot remove $file"
    fi
  done
}

# The pids of live processes whose working directory is DIR (a zombie has none).
_pg_cluster_processes_in() {
  local proc pids=()
  for proc in /proc/[0-9]*; do
    [[ "$(readlink -- "$proc/cwd" 2>/dev/null)" == "$1" ]] && pids+=("${proc#/proc/}")
  done
  printf '%s' "${pids[*]}"
}

# _pg_cluster_launch PORT LOCK_FD
_pg_cluster_launch() {
  local port="$1" lock_fd="$2" socket_dir="$_pg_cluster_socket_dir"
  # Another program on the port would make postgres fail with a bind error buried in its log.
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    _pg_cluster_die "port $port on 127.0.0.1 is taken by another program; choose another with FACILITIES_PG_PORT"
  fi
  # A Unix socket path is limited to 107 bytes; with a deep checkout go without the socket (all clients use TCP).
  if (( ${#socket_dir} + ${#port} + 10 > 107 )); then
    _pg_cluster_say "the path $socket_dir is too long for a Unix socket; the cluster listens on TCP only"
    socket_dir=""
  fi

  _pg_cluster_say "starting PostgreSQL on 127.0.0.1:$port (log: $PG_CLUSTER_LOG)"
  # Marked before starting, so that Ctrl-C during the start still stops the server on the way out.
  _pg_cluster_started=1
  # pg_ctl runs postgres through `sh -c`, hence the shell quoting of the socket directory. The lock's descriptor
  # is closed for pg_ctl: postgres would inherit it and hold the lock for as long as it runs.
  if ! _pg_cluster_as_owner "$PG_CLUSTER_BIN/pg_ctl" -D "$PG_CLUSTER_DATA" -l "$PG_CLUSTER_LOG" \
         -o "-p $port -k $(_pg_cluster_shell_quote "$socket_dir")" -w -t 60 start >/dev/null {lock_fd}>&-; then
    _pg_cluster_log_tail
    _pg_cluster_die "PostgreSQL did not start"
  fi
}

# Quotes one word for sh: inside single quotes, a single quote is written '\''.
_pg_cluster_shell_quote() {
  local quote="'" escaped="'\\''"
  printf "'%s'" "${1//$quote/$escaped}"
}

_pg_cluster_wait_ready() {
  local deadline=$((SECONDS + 60))
  until "$PG_CLUSTER_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_CLUSTER_PORT" -U postgres -d postgres; do
    if (( SECONDS >= deadline )); then
      _pg_cluster_log_tail
      _pg_cluster_die "PostgreSQL did not accept connections on 127.0.0.1:$PG_CLUSTER_PORT within 60 s"
    fi
    sleep 0.5
  done
}

_pg_cluster_log_tail() {
  printf '%s: the last lines of %s:\n' "${0##*/}" "$PG_CLUSTER_LOG" >&2
  tail -n 30 -- "$PG_CLUSTER_LOG" >&2 2>/dev/null || true
}
