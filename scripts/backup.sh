#!/usr/bin/env bash
# Backups of the HA topology's PostgreSQL (./run.sh --ha), with pgBackRest: WAL is archived continuously by the
# primary (archive_command in scripts/ha-cluster.sh), so a restore can stop at any moment since the oldest kept
# full backup.
#
#   scripts/backup.sh backup [full|diff|incr]      a backup from the current primary (full when none exists yet)
#   scripts/backup.sh info                         the backups and the WAL range the repository holds
#   scripts/backup.sh check                        pgBackRest's own check: archiving works and the repository is readable
#   scripts/backup.sh restore TIME DIR PORT [SET]  restores to TIME ('2026-12-02 05:10:00+00') into the new, empty
#                                                  directory DIR and starts it on 127.0.0.1:PORT, promoted, not archiving,
#                                                  apart from the topology; stop it with pg_ctl -D DIR stop. SET: the
#                                                  backup to start from (its label in info), else pgBackRest's choice
#   scripts/backup.sh latest                       the label of the newest backup
set -euo pipefail
REPO="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
# shellcheck source=scripts/ha-cluster.sh
source "$REPO/scripts/ha-cluster.sh"

pgbackrest_run() {
  if (( EUID == 0 )); then
    (cd / && runuser -u postgres -- pgbackrest --config="$HA_BASE/pgbackrest.conf" --stanza="$HA_STANZA" "$@")
  else
    pgbackrest --config="$HA_BASE/pgbackrest.conf" --stanza="$HA_STANZA" "$@"
  fi
}

[[ -f "$HA_BASE/pgbackrest.conf" ]] || { echo "backup.sh: no HA topology in $HA_BASE; start it with ./run.sh --ha" >&2; exit 1; }

case "${1:-}" in
  backup)
    pgbackrest_run --type="${2:-full}" backup
    ;;
  info)
    pgbackrest_run info
    ;;
  check)
    pgbackrest_run check
    ;;
  latest)
    pgbackrest_run info | sed -nE 's/^ *(full|diff|incr) backup: ([0-9A-Z_-]+).*/\2/p' | tail -n 1
    ;;
  restore)
    [[ $# -eq 4 || $# -eq 5 ]] || { echo "usage: scripts/backup.sh restore TIME DIR PORT [SET]" >&2; exit 2; }
    time="$2" dir="$3" port="$4"
    [[ ! -e "$dir" ]] || { echo "backup.sh: $dir exists; restore into a new directory" >&2; exit 1; }
    mkdir -m 700 -p "$dir" "$dir.sock"
    (( EUID == 0 )) && chown postgres: "$dir" "$dir.sock"
    set_option=()
    [[ -n "${5:-}" ]] && set_option=(--set="$5")
    pgbackrest_run --pg1-path="$dir" --type=time --target="$time" --target-action=promote \
      --archive-mode=off "${set_option[@]}" restore
    # The restored configuration is Patroni's; the overrides keep this copy off the topology's ports and archive.
    start=(/usr/lib/postgresql/15/bin/pg_ctl -D "$dir" -l "$dir.log" -w -t 300
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$dir.sock' -c archive_mode=off -c hba_file='$dir/pg_hba.conf'" start)
    if (( EUID == 0 )); then
      (cd / && runuser -u postgres -- "${start[@]}")
    else
      "${start[@]}"
    fi
    echo "backup.sh: restored to $time into $dir, serving on 127.0.0.1:$port (stop: pg_ctl -D $dir stop)"
    ;;
  *)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
