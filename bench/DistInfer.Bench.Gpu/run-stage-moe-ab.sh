#!/usr/bin/env bash
# One device command (from the repository root; OUT = a folder for the logs): a CUDA stage's MoE layers on the
# device (expert weights of the silo's expert grains) against the host route-and-combine path
# (DISTINFER_CUDA_STAGE_MOE=0), through one silo: the stage-moe logits check, then demo-moe and the 640 M
# Mixtral-style shape (hf_random_mixtral.py) served by distinfer-silo with the switch off and on, token ids compared.
# Timed runs are repeated 3 times (each printed). $1 = a folder holding device.tar.xz from `publish.sh DIR device`, silo_gpu_check.py and hf_random_mixtral.py.
S="${1:-.device/gpu2}"; OUT="${OUT:-.}"; B=/tmp/gpu2
mkdir -p "$B" && tar -C "$B" -xJf "$S/device.tar.xz"; D="$B/device"
{
echo "# $(date -u '+%F %T UTC') $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader)"
PYTHONUNBUFFERED=1 timeout 120 python3 "$S/hf_random_mixtral.py" /tmp/m640 > "$OUT/m640.log" 2>&1 & GEN=$!
for m in 0 1; do
  echo "## DISTINFER_CUDA_STAGE_MOE=$m python3 silo_gpu_check.py --devices cuda (demo-moe)"
  mkdir -p "$OUT/demo$m"
  DISTINFER_CUDA_STAGE_MOE=$m PYTHONUNBUFFERED=1 timeout 150 python3 "$S/silo_gpu_check.py" --silo "$D/distinfer-silo" --devices cuda --repeats 3 \
    --log-dir "$OUT/demo$m" --dump "$OUT/demo$m.json"
done
wait $GEN; cat "$OUT/m640.log"
echo "## $D/distinfer-gpu-check stage-moe --stage-model /tmp/m640"
timeout 150 "$D/distinfer-gpu-check" stage-moe --stage-model /tmp/m640
for m in 0 1; do
  echo "## DISTINFER_CUDA_STAGE_MOE=$m python3 silo_gpu_check.py --devices cuda --model /tmp/m640"
  mkdir -p "$OUT/m640-$m"
  DISTINFER_CUDA_STAGE_MOE=$m PYTHONUNBUFFERED=1 timeout 170 python3 "$S/silo_gpu_check.py" --silo "$D/distinfer-silo" --devices cuda --repeats 3 \
    --model /tmp/m640 --log-dir "$OUT/m640-$m" --dump "$OUT/m640-$m.json"
done
python3 - "$OUT" <<'PY'
import json, sys
for a, b in (("demo0", "demo1"), ("m640-0", "m640-1")):
    try:
        x = json.load(open(f"{sys.argv[1]}/{a}.json"))["cuda"]; y = json.load(open(f"{sys.argv[1]}/{b}.json"))["cuda"]
        print(f"{a} vs {b}: " + ", ".join(f"{k} {'EQUAL' if x[k] == y[k] else 'DIFFERENT'}" for k in x))
    except Exception as e:
        print(f"{a} vs {b}: no comparison ({e})")
PY
} 2>&1 | tee "$OUT/ab-run.log"
