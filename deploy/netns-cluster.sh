#!/usr/bin/env bash
# Silos in network namespaces, each with its own address on a private bridge, so silo-to-silo, client and Redis
# traffic crosses real interfaces (veth pairs) instead of loopback. Needs root (ip netns, ip link).
#
#   deploy/netns-cluster.sh up [N=3]     start Redis on the bridge and N silos, deploy $MODEL, print the status
#   deploy/netns-cluster.sh add          start one more silo (joins the running cluster)
#   deploy/netns-cluster.sh drain I      stop silo I gracefully (SIGTERM) and remove its namespace
#   deploy/netns-cluster.sh status       the cluster as silo 0's gateway sees it
#   deploy/netns-cluster.sh down         stop everything and remove namespaces, veths and the bridge
#
# Layout: bridge $BRIDGE with 10.77.0.1/24 in the host namespace (Redis listens there, on $REDIS_PORT); silo I runs
# in namespace dinf-siloI as 10.77.0.(11+I) on the same ports everywhere (silo/gateway 11111, HTTP 8080).
# Environment: SUBNET (first three octets, default 10.77.0), MODEL (models/demo-moe), STAGES (2), API_KEY (a key is
# required beyond loopback; default netns-test), DELAY (e.g. 1ms: netem delay on every silo's interface),
# CONFIGURATION (Release), STATE (/tmp/distinfer-netns: pids and logs).
set -euo pipefail
cd "$(dirname "$0")/.."
subnet=${SUBNET:-10.77.0}
bridge=${BRIDGE:-dinfbr0}
redis_port=${REDIS_PORT:-16380}
model=${MODEL:-models/demo-moe}
stages=${STAGES:-2}
key=${API_KEY:-netns-test}
configuration=${CONFIGURATION:-Release}
state=${STATE:-/tmp/distinfer-netns}
silo_dll=Silo/bin/$configuration/net10.0/distinfer-silo.dll
cli_dll=Client/Cli/bin/$configuration/net10.0/distinfer.dll
gateway="$subnet.11:11111"

cli() { dotnet "$cli_dll" "$@" --gateway "$gateway" --cluster-id netns; }

build() {
  [ -f "$silo_dll" ] || dotnet build -c "$configuration" -nologo -v q Silo
  [ -f "$cli_dll" ] || dotnet build -c "$configuration" -nologo -v q Client/Cli
}

bridge_up() {
  ip link show "$bridge" >/dev/null 2>&1 && return
  ip link add "$bridge" type bridge
  ip addr add "$subnet.1/24" dev "$bridge"
  ip link set "$bridge" up
}

redis_up() {
  [ -f "$state/redis.pid" ] && kill -0 "$(cat "$state/redis.pid")" 2>/dev/null && return
  redis-server --bind "$subnet.1" --port "$redis_port" --save "" --appendonly no --protected-mode no >"$state/redis.log" 2>&1 &
  echo $! >"$state/redis.pid"
  until grep -q "Ready to accept connections" "$state/redis.log"; do sleep 0.2; done
}

# The next free silo index: one past the highest namespace ever created in this run.
next_index() { local i=0; while [ -e "$state/silo$i.index" ]; do i=$((i + 1)); done; echo "$i"; }

silo_up() {
  local i=$1 ns="dinf-silo$1" veth="dinfv$1" address="$subnet.$((11 + $1))"
  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set "$veth" master "$bridge" up
  ip -n "$ns" addr add "$address/24" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$subnet.1"
  if [ -n "${DELAY:-}" ]; then tc -n "$ns" qdisc add dev eth0 root netem delay "$DELAY"; fi
  touch "$state/silo$i.index"
  ip netns exec "$ns" dotnet "$silo_dll" --name "silo$i" --cluster-id netns --clustering redis --redis "$subnet.1:$redis_port" \
    --host "$address" --silo-port 11111 --http-port 8080 --api-key "$key" >"$state/silo$i.log" 2>&1 &
  echo $! >"$state/silo$i.pid"
  until grep -q "is up" "$state/silo$i.log"; do
    kill -0 "$(cat "$state/silo$i.pid")" 2>/dev/null || { echo "silo$i exited:"; tail -n 20 "$state/silo$i.log"; return 1; }
    sleep 0.5
  done
  echo "silo$i up in $ns at $address (gateway $address:11111, HTTP http://$address:8080)"
}

active_count() { cli status 2>/dev/null | grep -c ' Active ' || true; }

wait_active() {
  until [ "$(active_count)" -ge "$1" ]; do sleep 0.5; done
  # Each silo re-reads the membership table every second; let the others' views catch up before placing anything.
  sleep 3
}

silo_down() {
  local i=$1
  if [ -f "$state/silo$i.pid" ]; then
    local pid; pid=$(cat "$state/silo$i.pid")
    # SIGTERM: the silo stops HTTP, deactivates its grains (they reactivate elsewhere) and leaves membership.
    if kill -TERM "$pid" 2>/dev/null; then
      while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    fi
    rm -f "$state/silo$i.pid"
  fi
  ip netns del "dinf-silo$i" 2>/dev/null || true
  ip link del "dinfv$i" 2>/dev/null || true
}

case "${1:-}" in
  up)
    n=${2:-3}
    mkdir -p "$state"
    build
    bridge_up
    redis_up
    for i in $(seq 0 $((n - 1))); do silo_up "$i"; done
    wait_active "$n"
    cli deploy --model "$model" --name "$(basename "$model")" --stages "$stages"
    cli status
    echo "try: curl http://$subnet.11:8080/v1/completions -H 'Authorization: Bearer $key' -H 'Content-Type: application/json' -d '{\"model\":\"$(basename "$model")\",\"prompt\":\"The license grants you\",\"max_tokens\":16}'"
    ;;
  add)
    i=$(next_index)
    silo_up "$i"
    wait_active "$(($(ls "$state"/silo*.pid | wc -l)))"
    ;;
  drain)
    silo_down "${2:?drain needs a silo index}"
    ;;
  status)
    cli status
    ;;
  down)
    for pidfile in "$state"/silo*.pid; do
      [ -e "$pidfile" ] || continue
      i=${pidfile##*/silo}; i=${i%.pid}
      silo_down "$i"
    done
    for f in "$state"/silo*.index; do
      [ -e "$f" ] || continue
      i=${f##*/silo}; i=${i%.index}
      ip netns del "dinf-silo$i" 2>/dev/null || true
      rm -f "$f"
    done
    if [ -f "$state/redis.pid" ]; then kill "$(cat "$state/redis.pid")" 2>/dev/null || true; rm -f "$state/redis.pid"; fi
    ip link del "$bridge" 2>/dev/null || true
    echo "down: namespaces, veths, bridge and Redis removed (logs stay in $state)"
    ;;
  *)
    sed -n '2,16p' "$0"
    exit 2
    ;;
esac
