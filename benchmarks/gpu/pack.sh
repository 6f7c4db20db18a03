#!/usr/bin/env bash
# Packs what benchmarks/gpu/run.sh needs on a GPU machine that has no Deno and no registry, into
# the ignored folder .device/ (or $1), within 64 MiB:
#   deno.xz         this machine's Deno binary, xz-compressed
#   deno_dir.tar.xz a DENO_DIR holding only the npm packages that benchmarks/table3.ts, its
#                   onnxruntime peer and benchmarks/train_bench.ts load, copied from the local
#                   npm cache, less what never loads here (source maps, tfjs's browser/ESM
#                   bundles, other platforms' onnxruntime binaries, fonts other than DejaVu Sans)
#   vulkan/         the Vulkan loader (libvulkan.so.1) from Debian's libvulkan1 package, for
#                   machines whose driver ships without it
# From the project's root: bash benchmarks/gpu/pack.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/.device}
LIMIT=$((64 * 1024 * 1024))
DENO_BIN=$(readlink -f "$(command -v deno)")
NPM=$(deno info --json 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["npmCache"])')/registry.npmjs.org
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$OUT"

echo "deno $(deno --version | head -1 | cut -d' ' -f2) from $DENO_BIN"
[ -s "$OUT/deno.xz" ] && [ "$OUT/deno.xz" -nt "$DENO_BIN" ] || xz -T0 -9 -c "$DENO_BIN" >"$OUT/deno.xz"

# The npm packages of the three entry points, as name@version (the lock's peer suffixes dropped).
cd "$ROOT"
# table3's onnxruntime peer has its own config and lock (tools/onnx_peer/).
for entry in benchmarks/table3.ts benchmarks/train_bench.ts \
  "--config tools/onnx_peer/deno.json tools/onnx_peer/server.ts"; do
  # shellcheck disable=SC2086 # the peer's entry is two words of options and a path
  deno cache $entry >/dev/null # a fresh machine's cache may lack some (adm-zip, say)
  # shellcheck disable=SC2086
  deno info --json $entry 2>/dev/null | python3 -c '
import json, re, sys
for key in json.load(sys.stdin).get("npmPackages", {}):
    print(re.match(r"(@?[^@]+@[^_]+)", key).group(1))'
done | sort -u >"$STAGE/packages"
REG="$STAGE/deno_dir/npm/registry.npmjs.org"
while read -r spec; do
  name=${spec%@*}
  version=${spec##*@}
  mkdir -p "$REG/$name"
  # The cache does not always hold registry.json (adm-zip here); --cached-only with the lock
  # does not need it.
  [ -f "$NPM/$name/registry.json" ] && cp "$NPM/$name/registry.json" "$REG/$name/"
  cp -r "$NPM/$name/$version" "$REG/$name/"
done <"$STAGE/packages"
echo "$(wc -l <"$STAGE/packages") npm packages"
find "$REG" -name '*.map' -delete
# tfjs runs from its Node bundles (dist/*.node.js) and the wasm binaries: its ESM trees,
# browser bundles and sources are never loaded here. The figures read one font file.
for d in "$REG"/@tensorflow/*/*/; do
  find "$d" -path '*/dist/*' \( -name '*.js' ! -name '*.node.js' -o -name '*.html' \) -delete
  rm -f "$d"/wasm-out/*.wasm
  rm -rf "$d/src" "$d/dist/miniprogram"
done
for d in "$REG"/dejavu-fonts-ttf/*/ttf; do
  [ -d "$d" ] && find "$d" -type f ! -name DejaVuSans.ttf -delete
done
ORT="$REG/onnxruntime-node"
if [ -d "$ORT" ]; then
  for d in "$ORT"/*/bin/napi-v*/*; do [ "$(basename "$d")" = linux ] || rm -rf "$d"; done
  for d in "$ORT"/*/bin/napi-v*/linux/*; do [ "$(basename "$d")" = x64 ] || rm -rf "$d"; done
fi
tar -C "$STAGE" -cf - deno_dir | xz -T0 -9 >"$OUT/deno_dir.tar.xz"

# The Vulkan loader (the GPU driver brings its ICD; some machines lack the loader itself).
if ! ls "$OUT"/vulkan/usr/lib/x86_64-linux-gnu/libvulkan.so.1 >/dev/null 2>&1; then
  (cd "$STAGE" && apt-get download libvulkan1 >/dev/null)
  rm -rf "$OUT/vulkan"
  dpkg -x "$STAGE"/libvulkan1_*.deb "$OUT/vulkan"
  rm -rf "$OUT/vulkan/usr/share"
fi

size=$(du -sb "$OUT" | cut -f1)
echo "packed $OUT: $((size / 1024 / 1024)) MiB"
ls -l "$OUT"
if [ "$size" -gt "$LIMIT" ]; then
  echo "pack.sh: $OUT is $size bytes, over the 64 MiB a device call carries" >&2
  exit 1
fi
