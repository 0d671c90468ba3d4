#!/usr/bin/env bash
# One device command (from the repository root; OUT = a folder for the logs): the silo on CUDA against itself on
# the CPU engine, the fixtures with logits dumped, then transformers with bf16-rounded weights and demo-moe in bf16
# and fp32 compute (with $2 = silo: the silo and CPU engine parts only). $1 = a folder holding device.tar.xz from `publish.sh DIR device` and the two bench/*.py scripts.
S="${1:-.device/s3}"; OUT="${OUT:-.}"; B=/tmp/s3
mkdir -p "$B" && tar -C "$B" -xJf "$S/device.tar.xz"; D="$B/device"
{
echo "# $(date -u '+%F %T UTC') $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader)"
nvidia-smi | sed -n 3p
echo "## python3 silo_gpu_check.py --silo $D/distinfer-silo"
PYTHONUNBUFFERED=1 timeout 300 python3 "$S/silo_gpu_check.py" --silo "$D/distinfer-silo" --log-dir "$OUT"
echo "## $D/distinfer-gpu-check demo-cpu (CPU engine, fp32 and bf16-emulating activations)"
timeout 120 "$D/distinfer-gpu-check" demo-cpu
[[ "${2:-}" == silo ]] && exit 0
echo "## $D/distinfer-gpu-check fixtures --dump /tmp/dump"
timeout 120 "$D/distinfer-gpu-check" fixtures --dump /tmp/dump
echo "## python3 hf_bf16_weights.py --fixtures Tests/Fixtures/hf --ours /tmp/dump --demo models/demo-moe"
PYTHONUNBUFFERED=1 timeout 150 python3 "$S/hf_bf16_weights.py" --fixtures Tests/Fixtures/hf --ours /tmp/dump --demo models/demo-moe
} 2>&1 | tee "$OUT/s3-run.log"
