#!/usr/bin/env bash
# The HA topology's integration suite: starts ./run.sh --ha on a fresh .data/ha (its own ports, from
# FACILITIES_HA_PORT_BASE), runs scripts/ha-check.sh against it, and tears everything down whichever way it ends.
# ./test.sh runs it after the other tests unless FACILITIES_HA_TESTS=0; run alone:
#
#   scripts/ha-test.sh
#   scripts/ha-test.sh --bench [SECONDS]     instead of the checks, scripts/ha-bench.sh's figures (./bench.sh ha)
#
# The first run installs etcd-server, patroni, haproxy and pgbackrest (scripts/ha-cluster.sh). Logs: artifacts/ha/.
set -euo pipefail
REPO="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$REPO"
# shellcheck source=scripts/ha-cluster.sh
source scripts/ha-cluster.sh

artifacts="${FACILITIES_TEST_ARTIFACTS:-$REPO/artifacts}/ha"
url="http://localhost:$((HA_PORT_BASE + 9))"
run_pid=""

# Whatever the suite started and whatever ha-check.sh restarted: run.sh (its own session, so its group can be killed
# whole), then any Patroni or PostgreSQL of this topology still alive (a node ha-check.sh restarted is not run.sh's).
teardown() {
  local status=$? pid node waited
  if [[ -n "$run_pid" ]]; then
    kill -TERM "$run_pid" 2>/dev/null || true
    waited=0
    while kill -0 "$run_pid" 2>/dev/null && (( waited < 600 )); do
      sleep 0.1
      waited=$((waited + 1))
    done
    kill -KILL -- "-$run_pid" 2>/dev/null || true
    wait "$run_pid" 2>/dev/null || true
  fi
  for node in 1 2; do
    for pid in $(pgrep -f "^/usr/bin/python3 /usr/bin/patroni $HA_BASE/patroni$node.yml" || true); do
      kill -TERM "$pid" 2>/dev/null || true
    done
  done
  sleep 1
  for node in 1 2; do
    for pid in $(pgrep -f "^/usr/bin/python3 /usr/bin/patroni $HA_BASE/patroni$node.yml" || true); do
      kill -KILL "$pid" 2>/dev/null || true
    done
    if [[ -f "$HA_BASE/node$node/postmaster.pid" ]]; then
      pid="$(head -n 1 "$HA_BASE/node$node/postmaster.pid")"
      [[ -n "$pid" ]] && kill -QUIT "$pid" 2>/dev/null || true
    fi
  done
  [[ -f "$HA_BASE/haproxy.pid" ]] && kill -TERM "$(cat "$HA_BASE/haproxy.pid")" 2>/dev/null || true
  if (( status == 0 )); then
    echo "ha-test: passed in $SECONDS s"
  else
    echo "ha-test: FAILED after $SECONDS s (logs: $artifacts)" >&2
  fi
  cp -f "$HA_BASE"/*.log "$artifacts/" 2>/dev/null || true
  exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

bench=""
case "${1:-}" in
  "") ;;
  --bench) bench=1; shift ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
# The benchmark's replicas do not log each request, as the single API it compares them with does not.
request_logs=Information
[[ -n "$bench" ]] && request_logs=Warning

rm -rf -- "$HA_BASE"
mkdir -p -- "$artifacts"
rm -f -- "$artifacts"/*.log

# The budgets the check spends are the defaults; only sign-ups (many from one address) are opened up. Leases and job
# checks are short so that a replica's death and a due job are noticed within the suite's minutes.
export FACILITIES_HA_ADMIN_EMAIL=ha-admin@facilities.test
FACILITIES_HA_ADMIN_PASSWORD="ha admin $RANDOM$RANDOM$RANDOM"
export FACILITIES_HA_ADMIN_PASSWORD
setsid env FACILITIES_URLS="$url" RateLimits__AuthPerIp=100000 ConnectionStrings__Facilities="" \
  FACILITIES_ADMIN_EMAIL="$FACILITIES_HA_ADMIN_EMAIL" FACILITIES_ADMIN_PASSWORD="$FACILITIES_HA_ADMIN_PASSWORD" \
  Facilities__Imports__LeaseSeconds=6 Facilities__Jobs__CheckSeconds=1 "Logging__LogLevel__Facilities.Requests=$request_logs" \
  ./run.sh --ha >"$artifacts/run.log" 2>&1 </dev/null &
run_pid=$!

# Patroni's first leader, the standby's clone, the build and the seed: minutes on a loaded machine.
deadline=$((SECONDS + 900))
until curl -sf -o /dev/null "$url/healthz/ready" && curl -sf -o /dev/null "${HA_API_URLS[1]}/healthz/ready"; do
  if ! kill -0 "$run_pid" 2>/dev/null || (( SECONDS >= deadline )); then
    echo "ha-test: the topology did not start (last lines of $artifacts/run.log):" >&2
    tail -n 30 "$artifacts/run.log" >&2
    exit 1
  fi
  sleep 2
done
echo "ha-test: topology up after $SECONDS s"
if [[ -n "$bench" ]]; then
  scripts/ha-bench.sh "$url" "$@"
else
  scripts/ha-check.sh "$url"
fi
