#!/usr/bin/env bash
# Device run (carry .device/tests.tar.xz from publish.sh .device tests): the invariance tests, the whole-model bench in
# batch-invariant mode with attention on tensor cores and on the one-query kernel (DISTINFER_CUDA_ATTN_MMA=0), and with
# the mode off; a profile of the batch-invariant run; then every GPU test.
S=.device; OUT="${OUT:-.}"
source bench/DistInfer.Bench.Gpu/gpu-run-common.sh
{
cat "$OUT/header.log"
echo "## invariance tests (Gpu=Invariance)"
timeout 150 "$D/distinfer-gpu-tests" --trait Gpu=Invariance | grep -v "^PASS"
echo "## exit $?"
for round in 1 2; do
for mode in "1 1" "1 0" "0 1"; do
set -- $mode
echo "## round $round DISTINFER_CUDA_BATCH_INVARIANT=$1 DISTINFER_CUDA_ATTN_MMA=$2 distinfer-gpu-check bench --batches 1,8,32"
DISTINFER_CUDA_BATCH_INVARIANT=$1 DISTINFER_CUDA_ATTN_MMA=$2 timeout 150 "$D/distinfer-gpu-check" bench --batches 1,8,32 2>&1 | grep -E "^batch [0-9]|^prefill|^ALL|FAIL|rror"
done
done
echo "## profile: DISTINFER_CUDA_BATCH_INVARIANT=1 distinfer-gpu-check bench --batches 1,32 --profile"
DISTINFER_CUDA_BATCH_INVARIANT=1 timeout 150 "$D/distinfer-gpu-check" bench --batches 1,32 --profile 2>&1 | grep -E "^profile|attention|tc_|ALL|FAIL"
} 2>&1 | tee "$OUT/attn-mma-ab.log"
run_gpu_tests 300
