#!/usr/bin/env bash
# Checks a running HA topology and prints what it found; scripts/ha-test.sh (run by ./test.sh) starts a fresh one and
# runs this against it. By hand: ./run.sh --ha in another terminal, started with RateLimits__AuthPerIp=100000 (the
# checks sign many accounts up from one address), Facilities__Imports__LeaseSeconds=6, Facilities__Jobs__CheckSeconds=1
# and FACILITIES_ADMIN_EMAIL/FACILITIES_ADMIN_PASSWORD, the same two exported as FACILITIES_HA_ADMIN_EMAIL/PASSWORD here:
#
#   scripts/ha-check.sh [URL]        URL: where ./run.sh --ha serves (http://localhost:5080)
#
# In order (from 7 on destructive; run.sh keeps the surviving replica and the promoted standby serving):
#   1. a token issued through replica 1 works on replica 2
#   2. anonymous reads through HAProxy reach the standby (pg_stat_activity's application_name there)
#   3. a contributor's read right after their write sees it
#   4. a contributor's hourly budget spent through HAProxy over both replicas: exactly the budget is accepted
#   5. the hourly jobs ran once each although both replicas check every second; made due again, once more each
#   6. a backup, writes, and a restore to the time before them into a fresh cluster hold exactly the earlier users
#   7. the standby stopped: reads still succeed (none fails after HAProxy's check notices); then it rejoins
#   8. an upload sent to replica 1, its import's holder killed -9 mid-import while reads loop through HAProxy: the
#      other replica takes the lease and imports it exactly once; failed reads, and none after the health check
#   9. kill -9 of the primary (Patroni and PostgreSQL): seconds to the first acknowledged write, and every write
#      acknowledged before the kill is on the new primary
# Not -e: each check reports its own failure and the others still run.
set -uo pipefail
REPO="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
# shellcheck source=scripts/ha-cluster.sh
source "$REPO/scripts/ha-cluster.sh"
URL="${1:-http://localhost:5080}"
R1="${HA_API_URLS[0]}"
R2="${HA_API_URLS[1]}"
PSQL=("$HA_PG_BIN/psql" -X -At -U postgres -h 127.0.0.1)
PY=/usr/bin/python3
NEARBY="api/v1/facilities/nearby?lat=32.0603&lon=118.7969"
passed=0
failures=0

ok() { printf 'ok    %s\n' "$*"; passed=$((passed + 1)); }
bad() { printf 'FAIL  %s\n' "$*"; failures=$((failures + 1)); }
json() {  # json EXPRESSION: reads JSON on stdin, prints the expression of it (d), or nothing
  "$PY" -c "import json, sys
try:
    d = json.load(sys.stdin); print($1)
except Exception:
    pass"
}
register() {  # register BASE EMAIL -> the access token
  curl -s -X POST "$1/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"a long enough password\",\"name\":\"HA check\"}" | json "d['access_token']"
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
node_of_port() { [[ "$1" == "${HA_PG_PORTS[0]}" ]] && echo 1 || echo 2; }
primary_sql() { "${PSQL[@]}" -p "$(node_port primary)" -d facilities -c "$1"; }
# read_loop SECONDS NOTICE OUT: anonymous reads through HAProxy for SECONDS; writes "total failed late" to OUT, late
# counting the failures more than NOTICE seconds in (after HAProxy's checks, every second, two to go down).
read_loop() {
  local start=$SECONDS total=0 failed=0 late=0 code
  while (( SECONDS - start < $1 )); do
    code="$(curl -s -o /dev/null -m 10 -w '%{http_code}' "$URL/$NEARBY")"
    total=$((total + 1))
    if [[ "$code" != 200 ]]; then
      failed=$((failed + 1))
      (( SECONDS - start > $2 )) && late=$((late + 1))
    fi
  done
  echo "$total $failed $late" >"$3"
}
haproxy_sessions() {  # the requests HAProxy has sent to API replica 1 and 2 so far
  curl -s "http://127.0.0.1:$HA_STATS_PORT/;csv" | awk -F, '$1 == "api_replicas" && ($2 == "api1" || $2 == "api2") { printf "%s ", $8 }'
}

# 1
token="$(register "$R1" "ha-token-$RANDOM$RANDOM@facilities.test")"
[[ -n "$token" && "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$R2/api/v1/me")" == 200 ]] \
  && ok "a token issued by replica 1 is accepted by replica 2" || bad "replica 2 refused replica 1's token"

# 2
standby="$(node_port replica)" || { bad "no standby"; standby=""; }
for _ in $(seq 1 20); do curl -s -o /dev/null "$URL/$NEARBY"; done
if [[ -n "$standby" ]]; then
  seen="$("${PSQL[@]}" -p "$standby" -d postgres -c "select count(*) from pg_stat_activity where application_name like 'facilities-%-standby'")"
  (( seen > 0 )) && ok "anonymous reads reach the standby on port $standby ($seen connections of the API's standby pools)" \
    || bad "no API connection on the standby"
fi

# 3
created="$(curl -s -X POST "$URL/api/v1/proposals" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"kind":"create","location":{"lat":32.0611,"lon":118.7911},"changes":{"category":"toilet","name":"HA check"},"comment":"Seen it"}')"
proposal="$(json "d['id']" <<<"$created")"
[[ -n "$proposal" && "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$URL/api/v1/proposals/$proposal")" == 200 ]] \
  && ok "a contributor reads their own write at once" || bad "the contributor's read after their write failed ($created)"

# 4: a new account (reputation below HigherFrom) may make RateLimits:Proposals (10) per hour, wherever it sends them.
budget=10
spender="$(register "$URL" "ha-budget-$RANDOM$RANDOM@facilities.test")"
sessions_before=($(haproxy_sessions))
accepted=0 refused=0 other=""
for i in $(seq 1 $((budget + 6))); do
  code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/proposals" -H "Authorization: Bearer $spender" \
    -H 'Content-Type: application/json' \
    -d "{\"kind\":\"create\",\"location\":{\"lat\":$(awk -v i="$i" 'BEGIN { printf "%.4f", 31.90 + i * 0.01 }'),\"lon\":118.60},\"changes\":{\"category\":\"toilet\",\"name\":\"Budget $i\"},\"comment\":\"Seen it\"}")"
  case "$code" in
    201) accepted=$((accepted + 1)) ;;
    429) refused=$((refused + 1)) ;;
    *) other+=" $code" ;;
  esac
done
sessions_after=($(haproxy_sessions))
by1=$(( ${sessions_after[0]:-0} - ${sessions_before[0]:-0} ))
by2=$(( ${sessions_after[1]:-0} - ${sessions_before[1]:-0} ))
(( accepted == budget && refused == 6 && by1 > 0 && by2 > 0 )) && [[ -z "$other" ]] \
  && ok "the hourly budget over both replicas: $accepted of $((budget + 6)) proposals accepted, the rest 429 (replica 1 served $by1 requests, replica 2 $by2)" \
  || bad "the hourly budget over both replicas: $accepted accepted, $refused refused, others:${other:- none} (replica 1 $by1, replica 2 $by2 requests)"

# 5: both replicas check every job every second (Facilities:Jobs:CheckSeconds=1); once per hour means one run each.
jobs="$(primary_sql "select count(*) || ' ' || coalesce(sum(runs), 0) || ' ' || count(distinct split_part(run_by, ':', 2)) from periodic_jobs")"
read -r job_count job_runs job_runners <<<"$jobs"
if (( job_count >= 3 && job_runs == job_count )); then
  primary_sql "update periodic_jobs set last_run_at = last_run_at - interval '1 hour'" >/dev/null
  deadline=$((SECONDS + 60))
  until (( $(primary_sql "select coalesce(sum(runs), 0) from periodic_jobs") >= 2 * job_count )) || (( SECONDS >= deadline )); do sleep 1; done
  # Both replicas go on checking: a second run of any job would show within these seconds.
  sleep 3
  read -r job_count2 job_runs2 job_runners2 <<<"$(primary_sql "select count(*) || ' ' || coalesce(sum(runs), 0) || ' ' || count(distinct split_part(run_by, ':', 2)) from periodic_jobs")"
  (( job_runs2 == 2 * job_count )) \
    && ok "hourly jobs: each of $job_count ran once across both replicas, and once more when made an hour older ($job_runs2 runs by $job_runners2 replica(s))" \
    || bad "hourly jobs made an hour older: $job_runs2 runs of $job_count2 jobs, expected $((2 * job_count))"
else
  bad "hourly jobs: $job_runs runs of $job_count jobs (by $job_runners replicas) since the topology started, expected one each"
fi

# 6
primary="$(node_port primary)"
"$REPO/scripts/backup.sh" backup full >/dev/null
label="$("$REPO/scripts/backup.sh" latest)"
before="$("${PSQL[@]}" -p "$primary" -d facilities -c "select count(*) from users")"
target="$("${PSQL[@]}" -p "$primary" -d postgres -c "select now()")"
sleep 1
for i in 1 2 3; do register "$URL" "ha-after-backup-$i-$RANDOM@facilities.test" >/dev/null; done
"${PSQL[@]}" -p "$primary" -d postgres -c "select pg_switch_wal()" >/dev/null
restored="$HA_BASE/restore-$$"
sleep 2
if "$REPO/scripts/backup.sh" restore "$target" "$restored" "$HA_RESTORE_PORT" "$label" >/dev/null 2>&1; then
  after="$("${PSQL[@]}" -p "$HA_RESTORE_PORT" -d facilities -c "select count(*) from users")"
  [[ "$after" == "$before" ]] && ok "restore of backup $label to $target: $after users, as before the three later writes" \
    || bad "restore to $target has $after users, expected $before"
  _ha_as_owner "$HA_PG_BIN/pg_ctl" -D "$restored" -m fast stop >/dev/null || true
else
  bad "the restore failed (see $restored.log and $HA_BASE/*.log)"
fi

# 7: the standby's Patroni stopped (it stops its PostgreSQL); reads fall back to the primary.
standby="$(node_port replica)" || standby=""
if [[ -n "$standby" ]]; then
  node="$(node_of_port "$standby")"
  for pid in $(pgrep -f "^/usr/bin/python3 /usr/bin/patroni $HA_BASE/patroni$node.yml"); do kill -TERM "$pid"; done
  deadline=$((SECONDS + 60))
  while "$HA_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$standby" && (( SECONDS < deadline )); do sleep 0.2; done
  read_loop 10 3 "$HA_BASE/standby-stopped.reads"
  read -r total failed late <"$HA_BASE/standby-stopped.reads"
  (( late == 0 && total > 0 )) && ok "standby (node $node) stopped: $failed of $total reads failed, none after 3 s" \
    || bad "standby (node $node) stopped: $failed of $total reads failed, $late after 3 s"
  ha_start_node "$node"
  deadline=$((SECONDS + 180))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${HA_REST_PORTS[$((node - 1))]}/replica")" == 200 ]]; do
    (( SECONDS < deadline )) || { bad "the stopped standby did not rejoin within 180 s"; break; }
    sleep 0.5
  done
else
  bad "no standby to stop"
fi

# 8: the holder of an import's lease killed -9 mid-import.
admin="$(curl -s -X POST "$URL/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"${FACILITIES_HA_ADMIN_EMAIL:-}\",\"password\":\"${FACILITIES_HA_ADMIN_PASSWORD:-}\"}" | json "d['access_token']")"
key="$(curl -s -X POST "$URL/api/v1/admin/partners" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d "{\"name\":\"HA partner $RANDOM\"}" | json "d['api_key']")"
dataset="$(curl -s -X POST "$URL/api/v1/partner/datasets" -H "X-Api-Key: $key" -H 'Content-Type: application/json' \
  -d '{"name":"HA lease","license":"CC-BY-4.0","attribution":"HA check","category":"toilet","crs":"EPSG:4326","mapping":{"id":"id","lat":"lat","lon":"lon","name":"name"}}' \
  | json "d['id']")"
rows=40000
csv="$HA_BASE/lease-import.csv"
# Far from the demo data (Oslo's fjord side, 55 m to 110 m apart): every row is a new facility.
awk -v n="$rows" 'BEGIN { print "id,lat,lon,name"; for (i = 0; i < n; i++) printf "ha-%d,%.5f,%.5f,HA toilet %d\n", i, 59.5 + int(i / 200) * 0.001, 10.0 + (i % 200) * 0.002, i }' >"$csv"
location="$(curl -s -X POST "$R1/api/v1/partner/datasets/$dataset/imports" -H "X-Api-Key: $key" -F "file=@$csv;type=text/csv")"
import="$(json "d['id']" <<<"$location")"
if [[ -n "$key" && -n "$dataset" && "$import" =~ ^[0-9a-f-]{36}$ ]]; then
  holder=""
  deadline=$((SECONDS + 60))
  while [[ -z "$holder" ]] && (( SECONDS < deadline )); do
    holder="$(primary_sql "select split_part(lease_owner, ':', 2) from imports where id = '$import' and state = 'running' and lease_owner is not null")"
    [[ -n "$holder" ]] || sleep 0.2
  done
  # Mid-import: once its transaction has written (staged rows: a transaction id in pg_stat_activity), however fast
  # the machine, and not yet committed.
  deadline=$((SECONDS + 60))
  until (( $(primary_sql "select count(*) from pg_stat_activity where datname = 'facilities' and application_name = 'facilities-imports' and backend_xid is not null") > 0 )) \
    || (( SECONDS >= deadline )); do
    sleep 0.1
  done
  sleep 0.5
  state="$(primary_sql "select state from imports where id = '$import'")"
  if [[ -n "$holder" && "$state" == running ]]; then
    holder_port="$(ss -ltnpH | awk -v pid="pid=$holder," 'index($0, pid) { split($4, a, ":"); print a[length(a)] }' | head -n 1)"
    read_loop 10 3 "$HA_BASE/replica-killed.reads" &
    reader=$!
    sleep 0.5
    kill -9 "$holder"
    wait "$reader"
    read -r total failed late <"$HA_BASE/replica-killed.reads"
    (( late == 0 && total > 0 )) && ok "API replica on port $holder_port killed -9: $failed of $total reads through HAProxy failed, none after 3 s" \
      || bad "API replica on port $holder_port killed -9: $failed of $total reads failed, $late after 3 s"
    deadline=$((SECONDS + 150))
    until [[ "$(primary_sql "select state from imports where id = '$import'")" =~ ^(succeeded|failed)$ ]] || (( SECONDS >= deadline )); do sleep 1; done
    read -r state attempts interrupted <<<"$(primary_sql "select state || ' ' || attempts || ' ' || jsonb_array_length(interruptions) from imports where id = '$import'")"
    read -r records facilities feed <<<"$(primary_sql "select count(*) || ' ' || count(distinct s.facility_id) || ' ' || (select count(*) from change_feed c where c.facility_id in (select facility_id from source_records where dataset_id = '$dataset')) from source_records s where s.dataset_id = '$dataset'")"
    [[ "$state" == succeeded && "$attempts" == 2 && "$interrupted" == 1 && "$records" == "$rows" && "$facilities" == "$rows" && "$feed" == "$rows" ]] \
      && ok "import $import: its holder killed mid-import, the other replica took the lease and imported it once ($records records, $facilities facilities, $feed feed entries, attempts $attempts)" \
      || bad "import $import after its holder was killed: $state, attempts $attempts, interruptions $interrupted; $records records, $facilities facilities, $feed feed entries for $rows rows"
  else
    bad "import $import was not running under a lease once its transaction had written (state $state): nothing to kill mid-import"
  fi
else
  bad "could not make a partner, dataset and upload (key ${key:+set}, dataset $dataset, location $location)"
fi

# 9
primary="$(node_port primary)"
node="$(node_of_port "$primary")"
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
  kept="$(primary_sql "select count(*) from users where email in (${list%,})")"
  (( $(awk -v s="$seconds" 'BEGIN { print (s <= 30) }') )) && ok "primary killed: first acknowledged write after $seconds s" \
    || bad "primary killed: first acknowledged write after $seconds s (more than 30)"
  [[ "$kept" == "${#acked[@]}" ]] && ok "all ${#acked[@]} writes acknowledged before the kill are on the new primary" \
    || bad "$kept of ${#acked[@]} acknowledged writes survived the failover"
else
  bad "primary killed: no write succeeded within 60 s"
fi

echo "ha-check: $passed passed, $failures failed"
(( failures == 0 ))
