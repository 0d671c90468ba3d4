#!/usr/bin/env bash
# One device command (repository root; OUT = a folder for the logs): the engine with the packed and the batch-invariant
# kernels, alternating, from .device/bench.tar.xz (a self-contained distinfer-bench). $1 = cores: "2" runs under
# taskset on two cores, anything else on all of them; $2 = rounds (default 2).
set -u
OUT="${OUT:-.}"; CORES="${1:-2}"; ROUNDS="${2:-2}"
mkdir -p .device/x && tar -C .device/x -xJf .device/bench.tar.xz; B="$PWD/.device/x/bench/distinfer-bench"
PIN=(); [[ "$CORES" == 2 ]] && PIN=(taskset -c 0,1 env DOTNET_PROCESSOR_COUNT=2)
LOG="$OUT/engine-${CORES}core.txt"
{
  echo "# $(date -u '+%F %T UTC') commit $(cat .device/commit 2>/dev/null) cores $CORES"
  for round in $(seq "$ROUNDS"); do
    for g in managed invariant; do
      echo "## round $round: engine --batches 1,4,8,32 --prompt 128 --new 8 --gemm $g --weights bf16 --mib 256"
      "${PIN[@]}" "$B" engine --batches 1,4,8,32 --prompt 128 --new 8 --gemm "$g" --weights bf16 --mib 256 | grep -E '^batch|kernels'
    done
  done
  if [[ "$CORES" == 2 ]]; then
    echo "## sgemm --invariant --shapes 8x2816x1024,32x2816x1024,256x2816x1024,1024x3072x1024 --sizes 1024 --runs 3 --no-membw"
    "${PIN[@]}" "$B" sgemm --invariant --shapes 8x2816x1024,32x2816x1024,256x2816x1024,1024x3072x1024 --sizes 1024 --runs 3 --no-membw
  fi
} 2>&1 | tee "$LOG"
