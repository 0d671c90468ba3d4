#!/usr/bin/env bash
# Device run (carry .device/tests.tar.xz from publish.sh .device tests): GPU tests, the invariance test run with the mode off, the whole-model bench with DISTINFER_CUDA_BATCH_INVARIANT on and off.
S=.device; OUT="${OUT:-.}"
source bench/DistInfer.Bench.Gpu/gpu-run-common.sh
run_gpu_tests 300
{
echo "## invariance test with DISTINFER_CUDA_BATCH_INVARIANT=0 (expected to fail: shows what the mode fixes)"
DISTINFER_CUDA_BATCH_INVARIANT=0 timeout 120 "$D/distinfer-gpu-tests" --trait Gpu=Invariance
echo "## exit $?"
for round in 1 2; do
for v in 1 0; do
echo "## round $round DISTINFER_CUDA_BATCH_INVARIANT=$v distinfer-gpu-check bench --batches 1,8,32"
DISTINFER_CUDA_BATCH_INVARIANT=$v timeout 150 "$D/distinfer-gpu-check" bench --batches 1,8,32 2>&1 | grep -v "^  *at "
done
done
} 2>&1 | tee "$OUT/invariant-ab.log"
