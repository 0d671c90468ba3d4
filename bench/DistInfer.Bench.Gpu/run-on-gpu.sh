#!/usr/bin/env bash
# One device command (from the repository root; OUT = a folder for the log and gpu.json; $1 = the published build):
# the documented check + benchmark, profile at batch 1 and 128, an attention A/B,
# the transformers baseline; GPU clocks, temperature and throttle reasons logged before and after.
G="${1:-.device/gpu}/distinfer-gpu-check"; OUT="${OUT:-.}"
Q() { nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw,clocks_throttle_reasons.active --format=csv,noheader; }
{
echo "# $(date -u '+%F %T UTC') $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader)"
nvidia-smi | sed -n 3p
echo "# sm MHz, max sm MHz, mem MHz, temp, power, throttle reasons: $(Q)"
echo "## $G all --json \$OUT/gpu.json"; timeout 240 $G all --json $OUT/gpu.json
echo "# after: $(Q)"
echo "## $G bench --batches 1,128 --profile"; timeout 120 $G bench --batches 1,128 --profile
echo "## DISTINFER_CUDA_ATTN_G=1 $G bench --batches 1,8"; DISTINFER_CUDA_ATTN_G=1 timeout 90 $G bench --batches 1,8
echo "# after: $(Q)"
echo "## python3 .device/hf_decode_bench.py (transformers baseline)"; PYTHONUNBUFFERED=1 timeout 240 python3 .device/hf_decode_bench.py
echo "# after: $(Q)"
} 2>&1 | tee $OUT/gpu-run.log
