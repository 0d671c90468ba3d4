#!/usr/bin/env bash
# Device run (carry .device/tests.tar.xz from publish.sh .device tests): the GPU tests with the defaults (fabric
# stages batch-invariant) and with DISTINFER_CUDA_BATCH_INVARIANT=0, then the whole-model bench invariant and not.
S=.device; OUT="${OUT:-.}"
source bench/DistInfer.Bench.Gpu/gpu-run-common.sh
run_gpu_tests 300
{
cat "$OUT/header.log"
echo "## GPU tests with DISTINFER_CUDA_BATCH_INVARIANT=0"
DISTINFER_CUDA_BATCH_INVARIANT=0 timeout 200 "$D/distinfer-gpu-tests" | grep -E "^FAIL|gpu tests"
for round in 1 2; do
for v in 1 0; do
echo "## round $round DISTINFER_CUDA_BATCH_INVARIANT=$v distinfer-gpu-check bench --batches 1,8,32"
DISTINFER_CUDA_BATCH_INVARIANT=$v timeout 150 "$D/distinfer-gpu-check" bench --batches 1,8,32 2>&1 | grep -E "^batch [0-9]|^prefill|^ALL|FAIL|rror"
done
done
echo "## profile: DISTINFER_CUDA_BATCH_INVARIANT=1 distinfer-gpu-check bench --batches 1 --profile"
DISTINFER_CUDA_BATCH_INVARIANT=1 timeout 150 "$D/distinfer-gpu-check" bench --batches 1 --profile 2>&1 | sed -n '/^profile: prefill/,/^profile: 16/p'
} 2>&1 | tee "$OUT/s17-final.log"
