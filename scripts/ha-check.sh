#!/usr/bin/env bash
# Checks and measures a running HA topology (./run.sh --ha in another terminal, started with
# RateLimits__AuthPerIp=100000 so that the write loops below are not refused), and prints what it found:
#
#   scripts/ha-check.sh [URL]        URL: where ./run.sh --ha serves (http://localhost:5080)
#
# In order (the last two are destructive: run.sh keeps the surviving replica and the promoted standby serving):
#   1. a token issued through replica 1 works on replica 2
#   2. anonymous reads through HAProxy reach the standby (pg_stat_activity's application_name there)
#   3. a contributor's read right after their write sees it
#   4. a backup, writes, and a restore to the time before them into a fresh cluster hold exactly the earlier users
#   5. kill -9 of API replica 2 during a read loop through HAProxy: failed requests, and after the health check
#   6. kill -9 of the primary (Patroni and PostgreSQL): seconds to the first acknowledged write, and every write
#      acknowledged before the kill is on the new primary
set -euo pipefail
REPO="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
# shellcheck source=scripts/ha-cluster.sh
source "$REPO/scripts/ha-cluster.sh"
URL="${1:-http://localhost:5080}"
R1=http://127.0.0.1:56100
R2=http://127.0.0.1:56101
PSQL=("$HA_PG_BIN/psql" -X -At -U postgres -h 127.0.0.1)
failures=0

ok() { printf 'ok    %s\n' "$*"; }
bad() { printf 'FAIL  %s\n' "$*"; failures=$((failures + 1)); }
register() {  # register BASE EMAIL -> the access token
  curl -sf -X POST "$1/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"a long enough password\",\"name\":\"HA check\"}" | sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}
node_port() {  # node_port primary|replica -> the PostgreSQL port of that role
  local i
  for i in 0 1; do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${HA_REST_PORTS[$i]}/$1")" == 200 ]]; then
      echo "${HA_PG_PORTS[$i]}"; return 0
    fi
  done
  return 1
}

# 1
token="$(register "$R1" "ha-token-$RANDOM$RANDOM@facilities.test")"
[[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$R2/api/v1/me")" == 200 ]] \
  && ok "a token issued by replica 1 is accepted by replica 2" || bad "replica 2 refused replica 1's token"

# 2
standby="$(node_port replica)" || { bad "no standby"; standby=""; }
for _ in $(seq 1 20); do curl -s -o /dev/null "$URL/api/v1/facilities/nearby?lat=32.0603&lon=118.7969"; done
if [[ -n "$standby" ]]; then
  seen="$("${PSQL[@]}" -p "$standby" -d postgres -c "select count(*) from pg_stat_activity where application_name like 'facilities-%-standby'")"
  (( seen > 0 )) && ok "anonymous reads reach the standby on port $standby ($seen connections of the API's standby pools)" \
    || bad "no API connection on the standby"
fi

# 3
created="$(curl -s -X POST "$URL/api/v1/proposals" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"kind":"create","location":{"lat":32.0611,"lon":118.7911},"changes":{"category":"toilet","name":"HA check"},"comment":"Seen it"}')"
proposal="$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$created")"
[[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$URL/api/v1/proposals/$proposal")" == 200 ]] \
  && ok "a contributor reads their own write at once" || bad "the contributor's read after their write failed ($created)"

# 4
primary="$(node_port primary)"
"$REPO/scripts/backup.sh" backup full >/dev/null
label="$("$REPO/scripts/backup.sh" latest)"
before="$("${PSQL[@]}" -p "$primary" -d facilities -c "select count(*) from users")"
target="$("${PSQL[@]}" -p "$primary" -d postgres -c "select now()")"
sleep 1
for i in 1 2 3; do register "$URL" "ha-after-backup-$i-$RANDOM@facilities.test" >/dev/null; done
"${PSQL[@]}" -p "$primary" -d postgres -c "select pg_switch_wal()" >/dev/null
restored="$REPO/.data/ha/restore-$$"
sleep 2
if "$REPO/scripts/backup.sh" restore "$target" "$restored" 55540 "$label" >/dev/null 2>&1; then
  after="$("${PSQL[@]}" -p 55540 -d facilities -c "select count(*) from users")"
  [[ "$after" == "$before" ]] && ok "restore of backup $label to $target: $after users, as before the three later writes" \
    || bad "restore to $target has $after users, expected $before"
  (( EUID == 0 )) && runuser -u postgres -- "$HA_PG_BIN/pg_ctl" -D "$restored" -m fast stop >/dev/null || "$HA_PG_BIN/pg_ctl" -D "$restored" -m fast stop >/dev/null || true
else
  bad "the restore failed (see $restored.log and $HA_BASE/*.log)"
fi

# 5
replica2="$(ss -ltnpH "sport = :56101" | sed -nE 's/.*pid=([0-9]+).*/\1/p' | head -n 1)"
if [[ -n "$replica2" ]]; then
  kill -9 "$replica2"
  killed=$SECONDS
  total=0 failed=0 late=0
  while (( SECONDS - killed < 8 )); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/facilities/nearby?lat=32.0603&lon=118.7969")"
    total=$((total + 1))
    if [[ "$code" != 200 ]]; then
      failed=$((failed + 1))
      (( SECONDS - killed > 3 )) && late=$((late + 1))
    fi
  done
  (( late == 0 )) && ok "API replica 2 killed: $failed of $total reads failed, none after 3 s" \
    || bad "API replica 2 killed: $failed of $total reads failed, $late after 3 s"
else
  bad "no process listens on 56101"
fi

# 6
primary="$(node_port primary)"
node=$([[ "$primary" == "${HA_PG_PORTS[0]}" ]] && echo 1 || echo 2)
acked=()
for i in $(seq 1 5); do
  email="ha-before-kill-$i-$RANDOM@facilities.test"
  [[ -n "$(register "$URL" "$email")" ]] && acked+=("$email")
done
patroni_pid="$(pgrep -f "^/usr/bin/python3 /usr/bin/patroni $HA_BASE/patroni$node.yml" | head -n 1)"
postmaster_pid="$(head -n 1 "$HA_BASE/node$node/postmaster.pid")"
kill -9 "$patroni_pid" "$postmaster_pid"
killed_at=$(date +%s.%N)
first=""
while [[ -z "$first" ]] && (( $(date +%s) - ${killed_at%.*} < 60 )); do
  email="ha-after-kill-$RANDOM$RANDOM@facilities.test"
  if [[ -n "$(register "$URL" "$email" 2>/dev/null)" ]]; then
    first=$(date +%s.%N)
  else
    sleep 0.2
  fi
done
if [[ -n "$first" ]]; then
  seconds="$(awk -v a="$killed_at" -v b="$first" 'BEGIN { printf "%.1f", b - a }')"
  list="$(printf "'%s'," "${acked[@]}")"
  kept="$("${PSQL[@]}" -p "$(node_port primary)" -d facilities -c "select count(*) from users where email in (${list%,})")"
  (( $(awk -v s="$seconds" 'BEGIN { print (s <= 30) }') )) && ok "primary killed: first acknowledged write after $seconds s" \
    || bad "primary killed: first acknowledged write after $seconds s (more than 30)"
  [[ "$kept" == "${#acked[@]}" ]] && ok "all ${#acked[@]} writes acknowledged before the kill are on the new primary" \
    || bad "$kept of ${#acked[@]} acknowledged writes survived the failover"
else
  bad "primary killed: no write succeeded within 60 s"
fi

echo "$failures check(s) failed"
(( failures == 0 ))
