#!/usr/bin/env bash
# The dashboard check with the real parts: Debian's Prometheus scrapes the Dashboard sample on 127.0.0.1, and
#   1. the throughput query (rate of processed messages per actor type) returns non-zero values for every stage of
#      the sample's pipeline, through Prometheus's HTTP API;
#   2. every query of docs/dashboards/spillway-actors.json names metrics and labels of the live scrape, is accepted
#      by Prometheus, and returns data (eng/check-dashboard-metrics.py).
#
# Usage: eng/prometheus-check.sh        (as root when Prometheus must be installed; needs dotnet, python3, curl)
# Installs the Debian package `prometheus` if it is missing, but never starts its service: it runs the binary itself,
# bound to 127.0.0.1 on a free port, with a temporary storage directory. Everything it starts is stopped on exit.
# Prints PASS or FAIL and exits non-zero on failure; takes well under three minutes once the sample is built.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly THROUGHPUT_QUERY='sum by (spillway_actor_type) (rate(spillway_mailbox_processed_messages_total[15s]))'
readonly PIPELINE_TYPES="Parser Enricher Aggregator ArchiveWriter"
readonly SAMPLE_SECONDS=170   # the sample stops by itself after this, should the trap below never run
readonly WAIT_SECONDS=90      # for each of: the endpoint, Prometheus, non-zero throughput, the dashboard check

started=$(date +%s)
work=$(mktemp -d -t spillway-prometheus-check.XXXXXX)
sample_pid=""
prometheus_pid=""

log() { echo "[prometheus-check $(( $(date +%s) - started ))s] $*"; }

stop_pid() {
  local pid=$1 name=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  log "$name (pid $pid) did not stop in 20 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  stop_pid "$prometheus_pid" prometheus
  stop_pid "$sample_pid" "the Dashboard sample"
  if [ "$status" -ne 0 ]; then
    for f in "$work"/dashboard-check.txt "$work"/throughput.txt "$work"/sample.log "$work"/prometheus.log; do
      [ -f "$f" ] && { echo "---- last lines of $(basename "$f")"; tail -n 30 "$f"; }
    done
    echo "prometheus check: FAIL ($(( $(date +%s) - started )) s)"
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { log "FAIL: $*"; exit 1; }

# --- Tools -------------------------------------------------------------------------------------------------------
apt_install() {
  [ "$(id -u)" -eq 0 ] || fail "$* missing and not root: install it (apt-get install -y $*) or run as root"
  # Keep Debian's maintainer scripts from starting the packaged service: this check runs its own instance.
  local policy=/usr/sbin/policy-rc.d added_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && added_policy=1
  fi
  log "installing $* (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" > "$work/apt.log" 2>&1 \
    || { tail -n 20 "$work/apt.log"; [ -n "$added_policy" ] && rm -f "$policy"; fail "apt-get install $* failed"; }
  [ -n "$added_policy" ] && rm -f "$policy"
  return 0
}

missing=()
command -v prometheus > /dev/null || missing+=(prometheus)
command -v curl > /dev/null || missing+=(curl)
command -v python3 > /dev/null || missing+=(python3)
[ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
command -v dotnet > /dev/null || fail "dotnet is not on PATH"
log "$(prometheus --version 2>&1 | head -n 1)"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits up to WAIT_SECONDS for a command to succeed.
wait_for() {
  local what=$1; shift
  local deadline=$(( $(date +%s) + WAIT_SECONDS ))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "timed out after ${WAIT_SECONDS} s waiting for $what"
    sleep 1
  done
}

# --- The sample --------------------------------------------------------------------------------------------------
log "building samples/Dashboard"
dotnet build samples/Dashboard/Dashboard.csproj -c Release -nologo -v quiet > "$work/build.log" 2>&1 \
  || { tail -n 30 "$work/build.log"; fail "the Dashboard sample does not build"; }
sample_dll=samples/Dashboard/bin/Release/net10.0/Dashboard.dll
[ -f "$sample_dll" ] || fail "$sample_dll not found after the build"

sample_port=$(free_port)
log "starting the Dashboard sample on 127.0.0.1:$sample_port"
dotnet "$sample_dll" --no-ui --duration "$SAMPLE_SECONDS" --port "$sample_port" \
  --Dashboard:ShutdownTimeoutSeconds=3 > "$work/sample.log" 2>&1 &
sample_pid=$!

sample_up() {
  kill -0 "$sample_pid" 2>/dev/null || fail "the Dashboard sample exited early"
  curl -fsS "http://127.0.0.1:$sample_port/metrics" -o /dev/null 2>/dev/null
}
wait_for "the sample's /metrics endpoint" sample_up

# --- Prometheus --------------------------------------------------------------------------------------------------
prometheus_port=$(free_port)
while [ "$prometheus_port" = "$sample_port" ]; do prometheus_port=$(free_port); done
cat > "$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: spillway-dashboard
    static_configs:
      - targets: ["127.0.0.1:$sample_port"]
EOF
log "starting prometheus on 127.0.0.1:$prometheus_port, scraping the sample every 1 s"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$prometheus_port" --log.level=warn > "$work/prometheus.log" 2>&1 &
prometheus_pid=$!
api="http://127.0.0.1:$prometheus_port"

prometheus_ready() {
  kill -0 "$prometheus_pid" 2>/dev/null || fail "prometheus exited early"
  curl -fsS "$api/-/ready" -o /dev/null 2>/dev/null
}
wait_for "prometheus to be ready" prometheus_ready

# --- 1. Throughput per actor type, through the HTTP API -----------------------------------------------------------
# Prints one "type value" line per series and succeeds when every pipeline stage has a non-zero rate.
throughput_nonzero() {
  curl -fsS "$api/api/v1/query" --data-urlencode "query=$THROUGHPUT_QUERY" -o "$work/throughput.json" 2>/dev/null \
    || return 1
  python3 - "$work/throughput.json" "$PIPELINE_TYPES" > "$work/throughput.txt" <<'EOF'
import json, sys
body = json.load(open(sys.argv[1]))
rates = {r["metric"].get("spillway_actor_type", "?"): float(r["value"][1]) for r in body["data"]["result"]}
for actor_type, rate in sorted(rates.items()):
    print(f"  {actor_type:<16} {rate:12.1f} messages/s")
sys.exit(0 if body["status"] == "success" and all(rates.get(t, 0) > 0 for t in sys.argv[2].split()) else 1)
EOF
}
log "waiting for non-zero throughput: $THROUGHPUT_QUERY"
wait_for "non-zero throughput for $PIPELINE_TYPES" throughput_nonzero
log "throughput per actor type (Prometheus HTTP API):"
cat "$work/throughput.txt"

# --- 2. Every dashboard query against the live scrape and Prometheus ------------------------------------------------
# Restarts and dead letters appear some seconds in, and a rate needs two scrapes: retry until everything is there.
dashboard_ok() {
  curl -fsS "http://127.0.0.1:$sample_port/metrics" -o "$work/scrape.txt" 2>/dev/null || return 1
  python3 eng/check-dashboard-metrics.py docs/dashboards/spillway-actors.json "$work/scrape.txt" \
    --prometheus "$api" --require-data > "$work/dashboard-check.txt" 2>&1
}
log "checking every dashboard query against the live scrape and prometheus"
wait_for "every dashboard query to check" dashboard_ok
cat "$work/dashboard-check.txt"

log "PASS"
echo "prometheus check: PASS ($(( $(date +%s) - started )) s)"
