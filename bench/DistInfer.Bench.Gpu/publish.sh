#!/usr/bin/env bash
# Publishes for a GPU host without .NET, self-contained for linux-x64, into OUT_DIR (default .device, ignored by git):
#   OUT_DIR/gpu   distinfer-gpu-check (checks and benchmark; trimmed, about 24 MB)
#   OUT_DIR/silo  distinfer-silo (grain runtime, fabric, HTTP API; untrimmed: the runtime and ASP.NET, about 100 MB)
#   bench/DistInfer.Bench.Gpu/publish.sh [OUT_DIR] [gpu|silo|all] [--xz]
# --xz also packs OUT_DIR/device.tar.xz (both folders, about a third of their size) for a copy that must stay small.
# On the GPU host, from the repository root (fixtures and models/demo-moe are read from there):
#   OUT_DIR/gpu/distinfer-gpu-check all --json gpu.json     # kernel checks, fixtures, demo-moe, benchmark
#   OUT_DIR/silo/distinfer-silo                             # one silo, the demo model on the GPU, HTTP on 8080
#   python3 hf_decode_bench.py                              # the transformers baseline, same host
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-.device}"
what="${2:-all}"
if [[ "$what" == gpu || "$what" == all ]]; then
  dotnet publish bench/DistInfer.Bench.Gpu -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -o "$out/gpu"
fi
if [[ "$what" == silo || "$what" == all ]]; then
  dotnet publish Silo/DistInfer.Silo.csproj -c Release -r linux-x64 --self-contained -o "$out/silo"
fi
du -sh "$out"/gpu "$out"/silo 2>/dev/null || true
if [[ "${3:-}" == --xz ]]; then
  tar -C "$out" -cJf "$out/device.tar.xz" gpu silo
  du -sh "$out/device.tar.xz"
fi
