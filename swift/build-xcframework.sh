#!/usr/bin/env bash
# Build AgenticStarFFI.xcframework (iOS devices, iOS simulators, macOS) next to Package.swift.
# Needs macOS with Xcode and rustup. Afterwards Package.swift links the XCFramework by itself.
#   swift/build-xcframework.sh            release build
#   PROFILE=dev swift/build-xcframework.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
profile=${PROFILE:-release}
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)

rustup target add "${targets[@]}"
for t in "${targets[@]}"; do
  # Debug info is only needed for symbolication; keep the static libraries small.
  CARGO_PROFILE_RELEASE_DEBUG=0 cargo build -p agenticstar-ffi --profile "$profile" --target "$t"
done
lib() { echo "target/$1/$dir/libagenticstar_ffi.a"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ios-sim" "$work/macos" "$work/headers"
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$work/ios-sim/libagenticstar_ffi.a"
lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" -output "$work/macos/libagenticstar_ffi.a"

# The header is the committed generated one (run-tests.sh checks it matches the Rust sources).
cp swift/Sources/AgenticStarFFI/AgenticStarFFI.h "$work/headers/"
cat > "$work/headers/module.modulemap" <<'MAP'
module AgenticStarFFI {
    header "AgenticStarFFI.h"
    export *
}
MAP

rm -rf swift/AgenticStarFFI.xcframework
xcodebuild -create-xcframework \
  -library "$(lib aarch64-apple-ios)" -headers "$work/headers" \
  -library "$work/ios-sim/libagenticstar_ffi.a" -headers "$work/headers" \
  -library "$work/macos/libagenticstar_ffi.a" -headers "$work/headers" \
  -output swift/AgenticStarFFI.xcframework
echo "built swift/AgenticStarFFI.xcframework"
