#!/usr/bin/env bash
# Device run (carry .device/tests.tar.xz from publish.sh .device tests): every GPU test, then the whole-model bench
# batch-invariant (attention on tensor cores and, DISTINFER_CUDA_ATTN_MMA=0, on the one-query kernel) and not, and a
# prefill profile of each mode.
S=.device; OUT="${OUT:-.}"
source bench/DistInfer.Bench.Gpu/gpu-run-common.sh
run_gpu_tests 300
{
cat "$OUT/header.log"
for round in 1 2 3; do
for mode in "1 1" "1 0" "0 1"; do
set -- $mode
echo "## round $round DISTINFER_CUDA_BATCH_INVARIANT=$1 DISTINFER_CUDA_ATTN_MMA=$2 distinfer-gpu-check bench --batches 1,8,32"
DISTINFER_CUDA_BATCH_INVARIANT=$1 DISTINFER_CUDA_ATTN_MMA=$2 timeout 150 "$D/distinfer-gpu-check" bench --batches 1,8,32 2>&1 | grep -E "^batch [0-9]|^prefill|^ALL|FAIL|rror"
done
done
for v in 1 0; do
echo "## profile: DISTINFER_CUDA_BATCH_INVARIANT=$v distinfer-gpu-check bench --batches 1 --profile"
DISTINFER_CUDA_BATCH_INVARIANT=$v timeout 150 "$D/distinfer-gpu-check" bench --batches 1 --profile 2>&1 | sed -n '/^profile: prefill/,/^profile: 16/p' | head -8
done
} 2>&1 | tee "$OUT/s18-final.log"
