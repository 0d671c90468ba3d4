#!/usr/bin/env bash
# Session 19: the 640M three-silo batch-1 row on the GPU host's 16 CPU cores, helpers spinning with and without yields.
set -u
OUT="${OUT:-.}"
tar -C .device -xJf .device/bench.tar.xz
B=.device/bench/distinfer-bench
M=/tmp/m640
{
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC') $(nproc) cores, commit $(cat .device/commit)"
[ -d /tmp/distinfer-bench-640m ] || TMPDIR=/tmp timeout 240 $B engine --batches 1 --new 4 --prompt 16 2>&1 | tail -3
M=/tmp/distinfer-bench-640m
ls $M
for r in 1 2 3 4; do
for v in default 1; do
echo -n "round $r DISTINFER_SKINNY_YIELD=$v: "
env $( [ "$v" = default ] || echo DISTINFER_SKINNY_YIELD=$v ) timeout 120 $B fabric --model $M --batch 1 --new 32 --silos 3 --stages 1 --micro-batches 1 --repeat 4 2>&1 | grep "^streams"
done
done
} 2>&1 | tee "$OUT/s19-cpu-b.log"
