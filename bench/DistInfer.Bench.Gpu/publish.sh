#!/usr/bin/env bash
# Publishes for a GPU host without .NET, self-contained for linux-x64, into OUT_DIR (default .device, ignored by git):
#   bench/DistInfer.Bench.Gpu/publish.sh [OUT_DIR] [gpu|device]
#   gpu (default): OUT_DIR/gpu, distinfer-gpu-check alone (checks and benchmark; trimmed, about 24 MB)
#   device: OUT_DIR/device, distinfer-silo (untrimmed: the runtime and ASP.NET) with distinfer-gpu-check beside it
#           on the same runtime files (about 110 MB), packed as OUT_DIR/device.tar.xz (about 33 MB) for a copy that
#           must stay small; unpack with tar -xJf.
# On the GPU host, from the repository root (fixtures and models/demo-moe are read from there):
#   DIR/distinfer-gpu-check all --json gpu.json     # kernel checks, fixtures, demo-moe, benchmark
#   DIR/distinfer-silo                              # one silo, the demo model on the GPU, HTTP on 8080
#   python3 hf_decode_bench.py                      # the transformers baseline, same host
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-.device}"
what="${2:-gpu}"
if [[ "$what" == gpu ]]; then
  dotnet publish bench/DistInfer.Bench.Gpu -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -o "$out/gpu"
  du -sh "$out/gpu"
else
  dotnet publish Silo/DistInfer.Silo.csproj -c Release -r linux-x64 --self-contained -o "$out/device"
  dotnet publish bench/DistInfer.Bench.Gpu -c Release -r linux-x64 --self-contained -o "$out/device"
  # The silo's dependency manifest lists every assembly of the folder (a superset of the check's); the check's own,
  # written by an earlier trimmed publish through the same obj/, would name trimmed assets.
  cp "$out/device/distinfer-silo.deps.json" "$out/device/distinfer-gpu-check.deps.json"
  rm -f "$out"/device/*.pdb
  tar -C "$out" -cJf "$out/device.tar.xz" device
  du -sh "$out/device" "$out/device.tar.xz"
fi
