#!/usr/bin/env bash
# Build AgenticStarFFI.xcframework (iOS devices, iOS simulators, macOS) from the Rust core.
# NEEDS macOS with Xcode (xcodebuild, lipo) and rustup: it cannot run on Linux, where
# scripts/dist.sh skips it and says so.
#   swift/build-xcframework.sh              release (profile `dist`): swift/AgenticStarFFI.xcframework,
#                                           dist/swift/AgenticStarFFI.xcframework.zip + .sha256, and the
#                                           checksum written into Package.swift's `releaseChecksum`
#   PROFILE=dev swift/build-xcframework.sh  debug libraries, local-build mode only (no zip)
# With swift/AgenticStarFFI.xcframework present, Package.swift links it (local-build mode); a
# release uploads the zip as the release asset that Package.swift's binaryTarget URL names.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ "$(uname)" = Darwin ] || { echo "build-xcframework.sh needs macOS with Xcode" >&2; exit 2; }
profile=${PROFILE:-dist}
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)

rustup target add "${targets[@]}"
for t in "${targets[@]}"; do
  cargo build -p agenticstar-ffi --profile "$profile" --target "$t"
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
[ "$profile" = dev ] && exit 0

mkdir -p dist/swift
zip_path="$root/dist/swift/AgenticStarFFI.xcframework.zip"
rm -f "$zip_path"
(cd swift && ditto -c -k --sequesterRsrc --keepParent AgenticStarFFI.xcframework "$zip_path")
sum=$(swift package compute-checksum "$zip_path")
echo "$sum  AgenticStarFFI.xcframework.zip" > "$zip_path.sha256"
sed -i '' -e "s/^let releaseChecksum = \".*\"/let releaseChecksum = \"$sum\"/" Package.swift
echo "dist/swift/AgenticStarFFI.xcframework.zip  checksum $sum (written into Package.swift)"
