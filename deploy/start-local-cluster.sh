#!/usr/bin/env bash
# Starts an N-silo cluster on this machine (loopback) with a private Redis for membership, deploys a model, and
# waits. Silo i listens on 11111+i (silo and gateway) and 8080+i (HTTP). Ctrl+C stops everything.
#   deploy/start-local-cluster.sh [N=3] [MODEL_DIR=models/demo-moe] [STAGES=2]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}; model=${2:-models/demo-moe}; stages=${3:-2}
redis_port=${DISTINFER_REDIS_PORT:-16379}
dotnet build -c Release -nologo -v q Silo
dotnet build -c Release -nologo -v q Client/Cli
silo=Silo/bin/Release/net10.0/distinfer-silo.dll
cli=Client/Cli/bin/Release/net10.0/distinfer.dll
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
redis-server --port "$redis_port" --save "" --appendonly no --daemonize no >/tmp/distinfer-redis.log 2>&1 & pids+=($!)
for i in $(seq 0 $((n - 1))); do
  dotnet "$silo" --name "silo$i" --cluster-id local --clustering redis --redis "127.0.0.1:$redis_port" \
    --silo-port $((11111 + i)) --http-port $((8080 + i)) >"/tmp/distinfer-silo$i.log" 2>&1 & pids+=($!)
done
for i in $(seq 0 $((n - 1))); do
  until grep -q "is up" "/tmp/distinfer-silo$i.log"; do sleep 0.5; done
done
# Placement only uses silos the deploying gateway already sees as active (the membership table refreshes every second).
until [ "$(dotnet "$cli" status --gateway 127.0.0.1:11111 --cluster-id local 2>/dev/null | grep -c ' Active ')" -ge "$n" ]; do sleep 0.5; done
# Every silo re-reads the table each second (there is no gossip yet); give the others' views time to catch up.
sleep 3
dotnet "$cli" deploy --gateway 127.0.0.1:11111 --cluster-id local --model "$model" --name "$(basename "$model")" --stages "$stages"
dotnet "$cli" status --gateway 127.0.0.1:11111 --cluster-id local | head -n $((n + 1))
echo "cluster up: HTTP on 127.0.0.1:8080..$((8080 + n - 1)), logs in /tmp/distinfer-silo*.log; Ctrl+C stops it"
wait
