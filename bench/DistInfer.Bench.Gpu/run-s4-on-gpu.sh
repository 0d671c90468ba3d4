#!/usr/bin/env bash
# One device command (from the repository root; OUT = a folder for the logs): the Category=Gpu tests through
# distinfer-gpu-tests, then the fixtures with logits dumped (both error measures) and transformers with bf16 weights
# beside them. $1 = a folder holding tests.tar.xz from `publish.sh DIR tests` and bench/hf_bf16_weights.py.
S="${1:-.device/s4run}"; OUT="${OUT:-.}"
# Unpacked below the repository root: the tests find Tests/Fixtures/hf and models/demo-moe upward from their folder.
mkdir -p .device/x && tar -C .device/x -xJf "$S/tests.tar.xz"; D="$PWD/.device/x/tests"
{
echo "# $(date -u '+%F %T UTC') $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader)"
nvidia-smi | sed -n 3p
echo "## $D/distinfer-gpu-tests (Category=Gpu)"
start=$(date +%s)
timeout 300 "$D/distinfer-gpu-tests"
echo "## exit $? after $(( $(date +%s) - start )) s"
} 2>&1 | tee "$OUT/gpu-tests.log"
[[ "${2:-}" == tests ]] && exit 0
{
echo "## $D/distinfer-gpu-check fixtures --dump /tmp/dump"
timeout 120 "$D/distinfer-gpu-check" fixtures --dump /tmp/dump
echo "## python3 hf_bf16_weights.py --fixtures Tests/Fixtures/hf --ours /tmp/dump"
PYTHONUNBUFFERED=1 timeout 130 python3 "$S/hf_bf16_weights.py" --fixtures Tests/Fixtures/hf --ours /tmp/dump
} 2>&1 | tee "$OUT/bf16-measures.log"
