#!/usr/bin/env bash
# Assembles the Android AAR: the Kotlin classes (built by `mvn package` in kotlin/) plus
# libagenticstar_ffi.so per ABI under jni/<abi>/ (the AAR's form of jniLibs), built with the NDK.
# Needs ANDROID_NDK_HOME (an NDK r26 or newer) and rustup; scripts/dist.sh calls it when
# ANDROID_NDK_HOME is set:  kotlin/android/build-aar.sh OUT_DIR
# Apps depend on the AAR and on net.java.dev.jna:jna:5.17.0@aar (JNA's Android build), not on the
# JVM jar. Not run on the project's CI machines (no NDK there).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: build-aar.sh OUT_DIR}
cd "$root"
: "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to the NDK directory}"
api=${ANDROID_API:-24}
version=$(python3 scripts/version.py)
llvm=$(ls -d "$ANDROID_NDK_HOME"/toolchains/llvm/prebuilt/*/bin | head -1)
abis=("arm64-v8a:aarch64-linux-android:aarch64-linux-android"
      "armeabi-v7a:armv7-linux-androideabi:armv7a-linux-androideabi"
      "x86_64:x86_64-linux-android:x86_64-linux-android")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for entry in "${abis[@]}"; do
  IFS=: read -r abi target clang <<<"$entry"
  rustup target add "$target" >/dev/null
  upper=$(echo "$target" | tr 'a-z-' 'A-Z_')
  export "CARGO_TARGET_${upper}_LINKER=$llvm/${clang}${api}-clang"
  export "CC_${target//-/_}=$llvm/${clang}${api}-clang" "AR_${target//-/_}=$llvm/llvm-ar"
  nice -n 19 cargo build -q --profile dist --target "$target" -p agenticstar-ffi
  install -D -m 644 "target/$target/dist/libagenticstar_ffi.so" "$work/aar/jni/$abi/libagenticstar_ffi.so"
done
# classes.jar: the compiled Kotlin, without the JVM jar's desktop libraries.
(cd kotlin/target/classes && zip -q -r "$work/aar/classes.jar" jp META-INF -x 'META-INF/LICENSE*')
cat >"$work/aar/AndroidManifest.xml" <<XML
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="jp.agenticstar">
    <uses-sdk android:minSdkVersion="$api" />
    <uses-permission android:name="android.permission.INTERNET" />
</manifest>
XML
: >"$work/aar/R.txt"
cp LICENSE-MIT LICENSE-APACHE "$work/aar/"
(cd "$work/aar" && zip -q -r "$out/agenticstar-android-$version.aar" .)
echo "built $out/agenticstar-android-$version.aar"
