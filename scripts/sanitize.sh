#!/usr/bin/env bash
# Builds the native addon with AddressSanitizer + UndefinedBehaviorSanitizer (+ float-cast-overflow,
# which -fsanitize=undefined leaves out in gcc) into build/sanitize
# (the regular build in build/native is left alone) and runs the gst tests against it. Node itself
# is not instrumented, so the ASan runtime is preloaded; leak detection is off (V8 leaks by design
# at exit). Every report (from this process or any child the tests spawn) goes to a log file, and
# any log file makes the script fail. The quarantine (freed memory ASan holds back to catch a use
# after free) is 8 MB instead of 256 MB so that the RSS-growth test in test/gst/lifecycle.test.ts
# measures the addon rather than ASan's quarantine. Usage: bash scripts/sanitize.sh [mocha test files...]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build/sanitize
npx cmake-js compile --out "$build_dir" --CDVIDEO_AGENT_SANITIZE=ON >/dev/null
addon="$PWD/$build_dir/Release/video_agent_native.node"
[ -f "$addon" ] || { echo "sanitize: no addon at $addon" >&2; exit 1; }

asan_runtime=$(gcc -print-file-name=libasan.so)
[ -f "$asan_runtime" ] || { echo "sanitize: gcc has no libasan.so (apt-get install gcc)" >&2; exit 1; }

reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test/gst/*.test.ts)

status=0
LD_PRELOAD="$asan_runtime" \
  ASAN_OPTIONS="detect_leaks=0:quarantine_size_mb=8:log_path=$reports/asan" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan" \
  VIDEO_AGENT_NATIVE_ADDON="$addon" \
  npx mocha "${tests[@]}" || status=$?

if compgen -G "$reports/*" >/dev/null; then
  for f in "$reports"/*; do
    echo "== sanitizer report: $(basename "$f")" >&2
    cat "$f" >&2
  done
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "sanitize: mocha failed (exit $status) with no sanitizer report" >&2
  exit "$status"
fi
echo "sanitize: no ASan/UBSan report"
