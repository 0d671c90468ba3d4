#!/usr/bin/env bash
# Device run (carry .device/tests.tar.xz from publish.sh .device tests): the invariance tests, then the whole-model
# bench in batch-invariant mode on the tensor-core products, on the skinny kernels (DISTINFER_CUDA_TC=0),
# and with the mode off; a kernel profile of the tensor-core run.
S=.device; OUT="${OUT:-.}"
source bench/DistInfer.Bench.Gpu/gpu-run-common.sh
{
cat "$OUT/header.log"
echo "## invariance tests (Gpu=Invariance)"
timeout 120 "$D/distinfer-gpu-tests" --trait Gpu=Invariance
echo "## exit $?"
for round in 1 2; do
for mode in "1 1" "1 0" "0 1"; do
set -- $mode
echo "## round $round DISTINFER_CUDA_BATCH_INVARIANT=$1 DISTINFER_CUDA_TC=$2 distinfer-gpu-check bench --batches 1,8,32"
DISTINFER_CUDA_BATCH_INVARIANT=$1 DISTINFER_CUDA_TC=$2 timeout 150 "$D/distinfer-gpu-check" bench --batches 1,8,32 2>&1 | grep -v "^  *at "
done
done
echo "## profile: DISTINFER_CUDA_BATCH_INVARIANT=1 distinfer-gpu-check bench --batches 1,32 --profile"
DISTINFER_CUDA_BATCH_INVARIANT=1 timeout 150 "$D/distinfer-gpu-check" bench --batches 1,32 --profile 2>&1 | grep -v "^  *at "
} 2>&1 | tee "$OUT/invariant-tc-ab.log"
