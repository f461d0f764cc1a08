// swift-tools-version:5.9
// The AgenticStar Swift package, at the repository root so that SwiftPM and Xcode can add it by
// URL. Sources live in swift/: the generated uniffi bindings (swift/Sources/AgenticStar/
// AgenticStar.swift) plus a thin async layer (AgenticStar+Async.swift) over the Rust core.
//
// Where the Rust core (AgenticStarFFI) comes from, first match wins:
//  1. swift/AgenticStarFFI.xcframework, built locally by swift/build-xcframework.sh (macOS):
//     local-build mode for developing the package on Apple platforms;
//  2. releases: the zipped XCFramework attached to the release `releaseVersion`, pinned by its
//     SHA-256 (`swift package compute-checksum`; build-xcframework.sh prints it and writes it below);
//  3. otherwise (Linux, or before the first release): the C module in swift/Sources/AgenticStarFFI,
//     linked against cargo's build of the library, passed on the command line:
//       swift test -Xlinker -Ltarget/debug -Xlinker -rpath -Xlinker target/debug
import Foundation
import PackageDescription

let releaseVersion = "0.1.0"
// Set by swift/build-xcframework.sh for a release; empty until a release XCFramework exists.
let releaseChecksum = ""
// Where release assets are downloaded from: "<releaseBaseURL>/v<version>/AgenticStarFFI.xcframework.zip".
let releaseBaseURL = ProcessInfo.processInfo.environment["AGENTICSTAR_RELEASE_BASE_URL"]
    ?? "https://github.com/agenticstar/agenticstar/releases/download"

let localXCFramework = "swift/AgenticStarFFI.xcframework"
let ffi: Target
#if os(Linux) || os(Windows)
ffi = .systemLibrary(name: "AgenticStarFFI", path: "swift/Sources/AgenticStarFFI")
#else
if FileManager.default.fileExists(atPath: Context.packageDirectory + "/" + localXCFramework) {
    ffi = .binaryTarget(name: "AgenticStarFFI", path: localXCFramework)
} else if !releaseChecksum.isEmpty {
    ffi = .binaryTarget(
        name: "AgenticStarFFI",
        url: "\(releaseBaseURL)/v\(releaseVersion)/AgenticStarFFI.xcframework.zip",
        checksum: releaseChecksum
    )
} else {
    ffi = .systemLibrary(name: "AgenticStarFFI", path: "swift/Sources/AgenticStarFFI")
}
#endif

let package = Package(
    name: "AgenticStar",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [.library(name: "AgenticStar", targets: ["AgenticStar"])],
    targets: [
        ffi,
        .target(
            name: "AgenticStar",
            dependencies: ["AgenticStarFFI"],
            path: "swift/Sources/AgenticStar",
            // The XCFramework holds a static Rust library: link what it uses (TLS trust, proxies).
            linkerSettings: [
                .linkedFramework("Security", .when(platforms: [.iOS, .macOS])),
                .linkedFramework("SystemConfiguration", .when(platforms: [.iOS, .macOS])),
                .linkedFramework("CoreFoundation", .when(platforms: [.iOS, .macOS])),
            ]
        ),
        .testTarget(name: "AgenticStarTests", dependencies: ["AgenticStar"], path: "swift/Tests/AgenticStarTests"),
    ]
)
