#!/usr/bin/env bash
# One device command (from the repository root; OUT = a folder for the logs). $1 = a folder holding tests.tar.xz from
# `publish.sh DIR tests`, bench/hf_bf16_weights.py and bench/hf_random_mixtral.py; $2 = the parts, any of
#   tests   the Category=Gpu tests through distinfer-gpu-tests (gpu-tests.log)
#   bf16    the fixtures with logits dumped (both error measures), transformers with bf16 weights beside them
#   graphs  a stage's decode step with and without CUDA graphs, demo-moe and the 640 M Mixtral-style shape
# (default "tests bf16").
S="${1:-.device/s4run}"; OUT="${OUT:-.}"; PARTS="${2:-tests bf16}"
[[ "$PARTS" == *graphs* ]] && { PYTHONUNBUFFERED=1 timeout 120 python3 "$S/hf_random_mixtral.py" /tmp/m640 > "$OUT/m640.log" 2>&1 & GEN=$!; }
source "$(dirname "$0")/gpu-run-common.sh"
[[ "$PARTS" == *tests* ]] && run_gpu_tests 300
if [[ "$PARTS" == *bf16* ]]; then
{
echo "## $D/distinfer-gpu-check fixtures --dump /tmp/dump"
timeout 120 "$D/distinfer-gpu-check" fixtures --dump /tmp/dump
echo "## python3 hf_bf16_weights.py --fixtures Tests/Fixtures/hf --ours /tmp/dump"
PYTHONUNBUFFERED=1 timeout 130 python3 "$S/hf_bf16_weights.py" --fixtures Tests/Fixtures/hf --ours /tmp/dump
} 2>&1 | tee "$OUT/bf16-measures.log"
fi
if [[ "$PARTS" == *graphs* ]]; then
wait "$GEN"
{
cat "$OUT/header.log" "$OUT/m640.log"
for run in 1 2 3; do
  echo "## run $run: $D/distinfer-gpu-check stage-graphs --stage-model /tmp/m640 --batches 1,8,32 --steps 64"
  timeout 100 "$D/distinfer-gpu-check" stage-graphs --stage-model /tmp/m640 --batches 1,8,32 --steps 64
done
} 2>&1 | tee "$OUT/stage-graphs.log"
fi
