#!/usr/bin/env bash
# Device run (carry .device/tests.tar.xz from publish.sh .device tests): the invariance tests (the prefill attention
# blocks against the one-query kernel), the whole-model bench with prefill attention blocks on and off
# (DISTINFER_CUDA_ATTN_PREFILL), batch-invariant and not, a prefill profile, then every GPU test.
S=.device; OUT="${OUT:-.}"
source bench/DistInfer.Bench.Gpu/gpu-run-common.sh
{
cat "$OUT/header.log"
echo "## invariance tests (Gpu=Invariance)"
timeout 150 "$D/distinfer-gpu-tests" --trait Gpu=Invariance
echo "## exit $?"
for round in 1 2; do
for inv in 1 0; do
for pf in 1 0; do
echo "## round $round DISTINFER_CUDA_BATCH_INVARIANT=$inv DISTINFER_CUDA_ATTN_PREFILL=$pf distinfer-gpu-check bench --batches 1,32"
DISTINFER_CUDA_BATCH_INVARIANT=$inv DISTINFER_CUDA_ATTN_PREFILL=$pf timeout 150 "$D/distinfer-gpu-check" bench --batches 1,32 2>&1 | grep -E "^batch [0-9]|^prefill|^ALL|FAIL|rror"
done
done
done
echo "## profile: DISTINFER_CUDA_BATCH_INVARIANT=1 distinfer-gpu-check bench --batches 1 --profile"
DISTINFER_CUDA_BATCH_INVARIANT=1 timeout 150 "$D/distinfer-gpu-check" bench --batches 1 --profile 2>&1 | sed -n '/^profile: prefill/,/^profile: 1 /p' | head -40
} 2>&1 | tee "$OUT/prefill-attn-ab.log"
run_gpu_tests 300
