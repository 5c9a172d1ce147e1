#!/usr/bin/env bash
# The HA topology's figures (./bench.sh ha starts a fresh topology with scripts/ha-test.sh and runs this in it):
#   1. anonymous nearby reads/s with wrk through HAProxy (two API replicas, reads on the standby) against one API
#      process reading the primary alone (the single-node figure), on the same machine and data, and the CPU each
#      tier spent per request (API, PostgreSQL, HAProxy), from /proc
#   2. failed requests while wrk reads through HAProxy and one API replica is killed -9
#   3. seconds from a kill -9 of the primary (Patroni and PostgreSQL) to the first acknowledged write
#
#   scripts/ha-bench.sh URL [SECONDS]     SECONDS of each wrk run (20)
set -uo pipefail
REPO="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
# shellcheck source=scripts/ha-cluster.sh
source "$REPO/scripts/ha-cluster.sh"
URL="${1:?usage: scripts/ha-bench.sh URL [SECONDS]}"
SECONDS_PER_RUN="${2:-20}"
CONNECTIONS=16
TICKS="$(getconf CLK_TCK)"
SINGLE_URL="http://127.0.0.1:$((HA_PORT_BASE + 13))"
script="$HA_BASE/nearby.lua"
single_pid=""
trap '[[ -n "$single_pid" ]] && kill -TERM "$single_pid" 2>/dev/null; wait 2>/dev/null' EXIT

# Nearby around the demo data's five cities, a few kilometres from their centres.
cat >"$script" <<'LUA'
local cities = { {32.0603, 118.7969}, {31.2304, 121.4737}, {39.9042, 116.4074}, {51.5074, -0.1278}, {-33.8688, 151.2093} }
local threads = 0
setup = function(thread) threads = threads + 1; thread:set("seed", 500 + threads) end
init = function(args) math.randomseed(seed) end
request = function()
  local c = cities[math.random(#cities)]
  return wrk.format(nil, string.format("/api/v1/facilities/nearby?lat=%.5f&lon=%.5f&limit=10",
    c[1] + (math.random() - 0.5) * 0.06, c[2] + (math.random() - 0.5) * 0.06))
end
LUA

node_port() {
  local i
  for i in 0 1; do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${HA_REST_PORTS[$i]}/$1")" == 200 ]] && { echo "${HA_PG_PORTS[$i]}"; return 0; }
  done
  return 1
}
node_of_port() { [[ "$1" == "${HA_PG_PORTS[0]}" ]] && echo 1 || echo 2; }
port_pid() { ss -ltnpH "sport = :$1" | sed -nE 's/.*pid=([0-9]+).*/\1/p' | head -n 1; }
# cpu_ticks PID...: user + system CPU of each process and of its children, the live ones and those it has reaped.
cpu_ticks() {
  local total=0 pid child
  for pid in "$@"; do
    [[ -r "/proc/$pid/stat" ]] || continue
    total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$pid/stat")))
    for child in $(pgrep -P "$pid"); do
      [[ -r "/proc/$child/stat" ]] && total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$child/stat")))
    done
  done
  echo "$total"
}
postmaster() { head -n 1 "$HA_BASE/node$1/postmaster.pid" 2>/dev/null; }
# wrk_run URL SECONDS -> "requests non2xx socket_errors"
wrk_run() {
  local out
  out="$(wrk -t 2 -c "$CONNECTIONS" -d "${2}s" --timeout 10s -s "$script" "$1" 2>&1)"
  awk '/requests in/ { r = $1 } /Non-2xx/ { n = $NF } /Socket errors/ { gsub(/,/, ""); s = $4 + $6 + $8 + $10 }
       END { printf "%d %d %d\n", r, n, s }' <<<"$out"
}
# measure NAME URL API_PIDS PG_PIDS: wrk on URL with the CPU of each tier over the same seconds.
measure() {
  local name="$1" url="$2" api_pids="$3" pg_pids="$4" proxy a0 p0 h0 result requests non2xx errors
  proxy="$(cat "$HA_BASE/haproxy.pid" 2>/dev/null)"
  wrk_run "$url" 5 >/dev/null
  # shellcheck disable=SC2086
  a0=$(cpu_ticks $api_pids) p0=$(cpu_ticks $pg_pids) h0=$(cpu_ticks $proxy)
  result="$(wrk_run "$url" "$SECONDS_PER_RUN")"
  read -r requests non2xx errors <<<"$result"
  # shellcheck disable=SC2086
  awk -v name="$name" -v r="$requests" -v s="$SECONDS_PER_RUN" -v t="$TICKS" -v n="$non2xx" -v e="$errors" \
    -v a=$(( $(cpu_ticks $api_pids) - a0 )) -v p=$(( $(cpu_ticks $pg_pids) - p0 )) -v h=$(( $(cpu_ticks $proxy) - h0 )) \
    'BEGIN { printf "  %-44s %7.0f req/s   CPU per request: API %.2f ms, PostgreSQL %.2f ms, HAProxy %.2f ms   (%d non-2xx, %d socket errors)\n",
             name, r / s, a * 1000 / t / r, p * 1000 / t / r, h * 1000 / t / r, n, e }'
}

primary="$(node_port primary)"
standby="$(node_port replica)"
replicas="$(port_pid "${HA_API_URLS[0]##*:}") $(port_pid "${HA_API_URLS[1]##*:}")"
echo "HA topology, $(date -u '+%Y-%m-%d %H:%M') UTC, nproc $(nproc), $(uptime | sed 's/.*load/load/')"
echo "1. nearby reads, wrk $CONNECTIONS connections, ${SECONDS_PER_RUN} s each (after 5 s of warm-up):"

(cd "$REPO/src/Facilities.Api" && exec env ASPNETCORE_URLS="$SINGLE_URL" Facilities__SeedDirectory= \
  ConnectionStrings__Facilities="Host=127.0.0.1;Port=$primary;Username=postgres;Database=facilities" ConnectionStrings__FacilitiesReads= \
  'Logging__LogLevel__Facilities.Requests=Warning' dotnet bin/Release/net10.0/Facilities.Api.dll) >>"$HA_BASE/api-single.log" 2>&1 &
single_pid=$!
until curl -sf -o /dev/null "$SINGLE_URL/healthz/ready"; do
  kill -0 "$single_pid" 2>/dev/null || { echo "ha-bench: the single API did not start ($HA_BASE/api-single.log)" >&2; exit 1; }
  sleep 0.5
done
measure "single node: one API, the primary alone" "$SINGLE_URL" "$single_pid" "$(postmaster "$(node_of_port "$primary")")"
kill -TERM "$single_pid"; wait "$single_pid" 2>/dev/null; single_pid=""
measure "HAProxy: two API replicas, reads on the standby" "$URL" "$replicas" "$(postmaster 1) $(postmaster 2)"
if [[ -n "$standby" ]]; then
  seen="$("$HA_PG_BIN/psql" -X -At -U postgres -h 127.0.0.1 -p "$standby" -d postgres -c "select count(*) from pg_stat_activity where application_name like 'facilities-%-standby'")"
  echo "  (the standby on port $standby had $seen connections of the API's standby pools)"
fi

echo "2. one API replica killed -9 4 s into ${SECONDS_PER_RUN} s of wrk through HAProxy:"
victim="$(port_pid "${HA_API_URLS[1]##*:}")"
(sleep 4; kill -9 "$victim") &
read -r requests non2xx errors <<<"$(wrk_run "$URL" "$SECONDS_PER_RUN")"
wait
echo "  $requests requests, $non2xx answered non-2xx, $errors socket errors"

echo "3. the primary's Patroni and PostgreSQL killed -9:"
node="$(node_of_port "$primary")"
kill -9 "$(pgrep -f "^/usr/bin/python3 /usr/bin/patroni $HA_BASE/patroni$node.yml" | head -n 1)" "$(postmaster "$node")"
killed_at=$(date +%s.%N)
first="" tries=0
while [[ -z "$first" ]] && (( $(date +%s) - ${killed_at%.*} < 90 )); do
  tries=$((tries + 1))
  code="$(curl -s -o /dev/null -m 5 -w '%{http_code}' -X POST "$URL/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"ha-bench-$RANDOM$RANDOM@facilities.test\",\"password\":\"a long enough password\",\"name\":\"HA bench\"}")"
  if [[ "$code" == 201 || "$code" == 200 ]]; then first=$(date +%s.%N); else sleep 0.2; fi
done
if [[ -n "$first" ]]; then
  awk -v a="$killed_at" -v b="$first" -v n="$tries" 'BEGIN { printf "  first acknowledged write %.1f s after the kill (attempt %d)\n", b - a, n }'
else
  echo "  no write succeeded within 90 s"
fi
