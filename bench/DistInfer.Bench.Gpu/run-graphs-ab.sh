#!/usr/bin/env bash
# One device command (from the repository root; OUT = a folder for the logs): the Category=Gpu tests, then the stage
# CUDA graphs A/B through one silo: demo-moe and the 640 M Mixtral-style shape (bench/hf_random_mixtral.py) served by
# distinfer-silo with DISTINFER_CUDA_STAGE_GRAPHS=1 and =0 alternately (ROUNDS rounds, default 1), each silo run
# timing 1 request and 8 concurrent (128 new tokens) REPEATS times (default 3; the first includes JIT), greedy ids of
# the two settings compared, then the median tok/s of each setting (first repeat of each silo run left out).
# $1 = a folder holding tests.tar.xz from `publish.sh DIR all` (tests, check and silo on one runtime); $2 = the parts,
# any of "tests ab" (default both). The bench/*.py scripts come from the repository.
S="${1:-.device/s4g2}"; OUT="${OUT:-.}"; PARTS="${2:-tests ab}"; ROUNDS="${ROUNDS:-1}"; REPEATS="${REPEATS:-3}"
[[ "$PARTS" == *ab* ]] && { PYTHONUNBUFFERED=1 timeout 150 python3 bench/hf_random_mixtral.py /tmp/m640 > "$OUT/m640.log" 2>&1 & }
source "$(dirname "$0")/gpu-run-common.sh"
[[ "$PARTS" == *tests* ]] && run_gpu_tests 200
[[ "$PARTS" == *ab* ]] || exit 0
wait
{
cat "$OUT/header.log" "$OUT/m640.log"
for round in $(seq "$ROUNDS"); do
  for m in demo m640; do
    for g in 1 0; do
      model=(); [[ $m == m640 ]] && model=(--model /tmp/m640)
      echo "## round $round: DISTINFER_CUDA_STAGE_GRAPHS=$g python3 bench/silo_gpu_check.py --devices cuda --repeats $REPEATS ${model[*]} ($m)"
      mkdir -p "$OUT/$m$g"
      DISTINFER_CUDA_STAGE_GRAPHS=$g PYTHONUNBUFFERED=1 timeout 150 python3 bench/silo_gpu_check.py --silo "$D/distinfer-silo" \
        --devices cuda --repeats "$REPEATS" "${model[@]}" --log-dir "$OUT/$m$g" --dump "$OUT/$m$g-$round.json"
    done
  done
done
} 2>&1 | tee -a "$OUT/graphs-ab.log"
python3 - "$OUT" "$ROUNDS" <<'PY' 2>&1 | tee -a "$OUT/graphs-ab.log"
import json, re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
for m in ("demo", "m640"):
    for r in range(1, rounds + 1):
        try:
            x = json.load(open(f"{out}/{m}1-{r}.json"))["cuda"]; y = json.load(open(f"{out}/{m}0-{r}.json"))["cuda"]
            print(f"round {r} greedy ids {m} graphs on vs off: " + ", ".join(f"{k} {'EQUAL' if x[k] == y[k] else 'DIFFERENT'}" for k in x))
        except Exception as e:
            print(f"round {r} {m}: no comparison ({e})")
# Median tok/s per (model, setting, 1 or 8 requests), the first repeat of each silo run (JIT) left out.
runs, key, seen = {}, None, {}
for line in open(f"{out}/graphs-ab.log"):
    h = re.match(r"## round \d+: DISTINFER_CUDA_STAGE_GRAPHS=(\d) .*\((\w+)\)", line)
    if h:
        key, seen = (h.group(2), h.group(1)), {}
        continue
    t = re.match(r"cuda: (one request|8 concurrent requests), .*: ([\d.]+) tokens/s", line)
    if t and key:
        seen[t.group(1)] = seen.get(t.group(1), 0) + 1
        if seen[t.group(1)] > 1:
            runs.setdefault((*key, t.group(1)), []).append(float(t.group(2)))
for m in ("demo", "m640"):
    for kind in ("one request", "8 concurrent requests"):
        on, off = runs.get((m, "1", kind), []), runs.get((m, "0", kind), [])
        if on and off:
            a, b = statistics.median(on), statistics.median(off)
            print(f"{m}, {kind}: graphs on median {a:.0f} tok/s (n={len(on)}), off {b:.0f} tok/s (n={len(off)}): {a / b:.2f}x")
PY
rm -rf "$OUT"/demo1 "$OUT"/demo0 "$OUT"/m6401 "$OUT"/m6400 "$OUT"/*.json
