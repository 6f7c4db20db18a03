#!/usr/bin/env bash
# Runs the GPU measurements from the pack of benchmarks/gpu/pack.sh, with no Deno installed and
# no registry (--cached-only), writing JSON and logs to OUT_DIR:
#   table3.json       deno task table3 on webgpu, both kernel paths (generic and fused), with
#                     onnxruntime-node on the CPU beside them
#   train_bench.json  the training bench for the paper architecture on webgpu
#   env.json, *.log   what ran where, and everything printed
# From the project's root: bash benchmarks/gpu/run.sh OUT_DIR
# Smaller, faster runs (the offline test on llvmpipe): CLVM_GPU_SIZE=16 CLVM_GPU_RUNS=1
#   CLVM_GPU_STEPS=1 CLVM_GPU_BATCHES=8. CLVM_PACK names another pack folder (default .device).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:?usage: run.sh OUT_DIR}
PACK=${CLVM_PACK:-$ROOT/.device}
SIZE=${CLVM_GPU_SIZE:-180}
TRAIN_SIZE=${CLVM_GPU_TRAIN_SIZE:-${CLVM_GPU_SIZE:-112}}
RUNS=${CLVM_GPU_RUNS:-20}
STEPS=${CLVM_GPU_STEPS:-5}
BATCHES=${CLVM_GPU_BATCHES:-8,32}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

xz -dc "$PACK/deno.xz" >"$WORK/deno" && chmod +x "$WORK/deno"
tar -C "$WORK" -xJf "$PACK/deno_dir.tar.xz"
export DENO_DIR="$WORK/deno_dir" DENO_NO_UPDATE_CHECK=1 NO_COLOR=1
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  export LD_LIBRARY_PATH="$PACK/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
NV_ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -e "$NV_ICD" ] &&
  ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
  export VK_DRIVER_FILES=$NV_ICD
fi
DENO="$WORK/deno"
RUN=("$DENO" run --cached-only --allow-read --allow-write --allow-env --allow-run --allow-sys --allow-ffi)

cd "$ROOT"
{
  echo "{\"date\": \"$(date -u +%FT%TZ)\", \"deno\": \"$("$DENO" --version | head -1)\","
  echo " \"commit\": \"$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\","
  echo " \"gpu\": \"$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)\","
  echo " \"cpus\": $(nproc), \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
  echo " \"size\": $SIZE, \"train_size\": $TRAIN_SIZE, \"runs\": $RUNS, \"steps\": $STEPS}"
} >"$OUT/env.json"
cat "$OUT/env.json"

status=0
# Both kernel paths (generic and fused) on webgpu, onnxruntime-node on the CPU beside them.
timeout 170 "${RUN[@]}" benchmarks/table3.ts --backend webgpu --kernels both --size "$SIZE" \
  --runs "$RUNS" --json "$OUT/table3.json" 2>&1 | tee "$OUT/table3.log" || status=1
timeout 120 "${RUN[@]}" benchmarks/train_bench.ts --backends webgpu --archs paper \
  --batches "$BATCHES" --steps "$STEPS" --size "$TRAIN_SIZE" --json "$OUT/train_bench.json" \
  2>&1 | tee "$OUT/train_bench.log" || status=1
[ -s "$OUT/table3.json" ] || { echo "run.sh: no table3.json" >&2; status=1; }
[ -s "$OUT/train_bench.json" ] || { echo "run.sh: no train_bench.json" >&2; status=1; }
exit $status
