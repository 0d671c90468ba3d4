#!/usr/bin/env bash
# Device run (carry .device/tests.tar.xz from publish.sh .device tests): the GPU tests, then the whole-model bench with
# batch-invariant mode off and the tensor-core split kernels from DISTINFER_CUDA_TC_MIN_ROWS rows (1000: never).
S=.device; OUT="${OUT:-.}"
source bench/DistInfer.Bench.Gpu/gpu-run-common.sh
run_gpu_tests 300
{
cat "$OUT/header.log"
for round in 1 2; do
for rows in 1000 2 4 8; do
echo "## round $round DISTINFER_CUDA_TC_MIN_ROWS=$rows distinfer-gpu-check bench --batches 1,2,4,8,16,32"
DISTINFER_CUDA_TC_MIN_ROWS=$rows timeout 150 "$D/distinfer-gpu-check" bench --batches 1,2,4,8,16,32 2>&1 | grep -E "^batch|^prefill|^ALL|FAIL|rror"
done
done
echo "## profile: distinfer-gpu-check bench --batches 1,8 --profile (default minimum)"
timeout 150 "$D/distinfer-gpu-check" bench --batches 1,8 --profile 2>&1 | grep -v "^  *at " | sed -n '/^profile: 16 decode/,$p'
} 2>&1 | tee "$OUT/tc-min-rows-ab.log"
