# Sourced by the device scripts (run-s4-on-gpu.sh, run-graphs-ab.sh); needs S (a folder holding tests.tar.xz) and OUT.
# Unpacked below the repository root: the tests find Tests/Fixtures/hf and models/demo-moe upward from their folder.
mkdir -p .device/x && tar -C .device/x -xJf "$S/tests.tar.xz"; D="$PWD/.device/x/tests"
echo "# $(date -u '+%F %T UTC') $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader)" | tee "$OUT/header.log"

# The Category=Gpu tests through distinfer-gpu-tests into $OUT/gpu-tests.log; $1 = the time limit in seconds.
run_gpu_tests() {
  {
    cat "$OUT/header.log"; nvidia-smi | sed -n 3p
    echo "## $D/distinfer-gpu-tests (Category=Gpu)"
    local start; start=$(date +%s)
    timeout "$1" "$D/distinfer-gpu-tests"
    echo "## exit $? after $(( $(date +%s) - start )) s"
  } 2>&1 | tee "$OUT/gpu-tests.log"
}
