#!/usr/bin/env bash
# Builds the native addon with AddressSanitizer + UndefinedBehaviorSanitizer (+ float-cast-overflow,
# which -fsanitize=undefined leaves out in gcc) into build/sanitize (the regular build in
# build/native is left alone) and runs the gst tests against it (VIDEO_AGENT_NATIVE_ADDON). Node
# itself is not instrumented, so the ASan runtime is preloaded; leak detection is off (V8 leaks by
# design at exit). A report ends the process that hit it with exit code 86 (the tests spawn child
# processes too, whose exit codes they check), and any report text in the output fails the run.
# The quarantine (freed memory ASan holds back to catch a use after free) is 8 MB instead of
# 256 MB so that the RSS-growth test in test/gst/lifecycle.test.ts measures the addon, not ASan.
# Usage: bash scripts/sanitize.sh [mocha test files...]   (default: test/gst/*.test.ts)
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build/sanitize
npx cmake-js compile --out "$build_dir" --CDVIDEO_AGENT_SANITIZE=ON >/dev/null
addon="$PWD/$build_dir/Release/video_agent_native.node"
[ -f "$addon" ] || { echo "sanitize: no addon at $addon" >&2; exit 1; }
ldd "$addon" | grep -q libasan || { echo "sanitize: $addon is not linked with ASan" >&2; exit 1; }

asan_runtime=$(gcc -print-file-name=libasan.so)
[ -f "$asan_runtime" ] || { echo "sanitize: gcc has no libasan.so (apt-get install gcc)" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test/gst/*.test.ts)

set +e
LD_PRELOAD="$asan_runtime" \
  ASAN_OPTIONS="detect_leaks=0:quarantine_size_mb=8:exitcode=86" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86" \
  VIDEO_AGENT_NATIVE_ADDON="$addon" \
  npx mocha "${tests[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# Reports a test printed from a child's stderr count as well.
if grep -qE 'ERROR: AddressSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer' "$log"; then
  echo "sanitize: ASan/UBSan reported a problem (see above)" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  [ "$status" -eq 86 ] && echo "sanitize: a sanitizer report ended the test process" >&2
  echo "sanitize: mocha failed (exit $status)" >&2
  exit "$status"
fi
echo "sanitize: no ASan/UBSan report"
