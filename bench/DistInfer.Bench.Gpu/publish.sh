#!/usr/bin/env bash
# Publishes for a GPU host without .NET, self-contained for linux-x64, into OUT_DIR (default .device, ignored by git):
#   bench/DistInfer.Bench.Gpu/publish.sh [OUT_DIR] [gpu|device|tests]
#   gpu (default): OUT_DIR/gpu, distinfer-gpu-check alone (checks and benchmark; trimmed, about 24 MB)
#   device: OUT_DIR/device, distinfer-silo (untrimmed: the runtime and ASP.NET) with distinfer-gpu-check beside it
#           on the same runtime files (about 110 MB), packed as OUT_DIR/device.tar.xz (about 33 MB) for a copy that
#           must stay small; unpack with tar -xJf.
#   tests: OUT_DIR/tests, distinfer-gpu-tests (Tests/DistInfer.Gpu.TestRunner: the Category=Gpu tests of the engine
#          and silo test assemblies through xunit) with distinfer-gpu-check beside it (about 120 MB), packed as
#          OUT_DIR/tests.tar.xz (about 36 MB). Unpack it BELOW the repository root (the tests find fixtures and
#          models/demo-moe from the executable's folder upward), e.g. tar -C .device -xJf .device/tests.tar.xz, then
#          .device/tests/distinfer-gpu-tests    # PASS/FAIL per test, "gpu tests: N passed, ...", exit 1 on a failure
#   all: as tests, with distinfer-silo published into the same folder (the same runtime files; a few MB more), packed
#        as OUT_DIR/tests.tar.xz: the GPU tests and silo runs of one device command in one transfer.
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
elif [[ "$what" == tests || "$what" == all ]]; then
  # Playwright's browser driver (node, about 100 MB) is for the dashboard tests, not the GPU ones.
  dotnet publish Tests/DistInfer.Gpu.TestRunner -c Release -r linux-x64 --self-contained -p:PlaywrightPlatform=none -o "$out/tests"
  dotnet publish bench/DistInfer.Bench.Gpu -c Release -r linux-x64 --self-contained -o "$out/tests"
  # The runner's dependency manifest is a superset of the check's (see device below).
  cp "$out/tests/distinfer-gpu-tests.deps.json" "$out/tests/distinfer-gpu-check.deps.json"
  if [[ "$what" == all ]]; then
    dotnet publish Silo/DistInfer.Silo.csproj -c Release -r linux-x64 --self-contained -p:PlaywrightPlatform=none -o "$out/tests"
  fi
  # Debugging files only: the copy must fit beside the repository in a 64 MiB transfer.
  rm -f "$out"/tests/*.pdb "$out"/tests/createdump "$out"/tests/libmscordaccore.so "$out"/tests/libmscordbi.so
  tar -C "$out" -cf - tests | xz -9e -T2 > "$out/tests.tar.xz"
  du -sh "$out/tests" "$out/tests.tar.xz"
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
