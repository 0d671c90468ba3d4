#!/usr/bin/env bash
# Publishes the GPU check/benchmark console self-contained for linux-x64 (about 24 MB), for a GPU host without .NET.
#   bench/DistInfer.Bench.Gpu/publish.sh [OUT_DIR]      (default: .device/gpu, ignored by git)
# On the GPU host, from the repository root (fixtures and models/demo-moe are read from there):
#   OUT_DIR/distinfer-gpu-check all --json gpu.json     # kernel checks, fixtures, demo-moe, benchmark
#   python3 hf_decode_bench.py                          # the transformers baseline, same host
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-.device/gpu}"
dotnet publish bench/DistInfer.Bench.Gpu -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -o "$out"
du -sh "$out"
