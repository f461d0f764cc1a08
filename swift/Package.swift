// swift-tools-version:5.9
// The AgenticStar Swift package: generated uniffi bindings (Sources/AgenticStar/AgenticStar.swift)
// plus a thin async layer (Sources/AgenticStar/AgenticStar+Async.swift) over the Rust core.
import Foundation
import PackageDescription

// Apps (iOS, macOS): ./build-xcframework.sh builds AgenticStarFFI.xcframework next to this file
// and the package links it. Without it (development, CI on macOS or Linux) the FFI module comes
// from Sources/AgenticStarFFI and the library from cargo's target dir, passed on the command line:
//   swift test -Xlinker -L../target/debug -Xlinker -rpath -Xlinker ../target/debug
let xcframework = Context.packageDirectory + "/AgenticStarFFI.xcframework"
let ffi: Target = FileManager.default.fileExists(atPath: xcframework)
    ? .binaryTarget(name: "AgenticStarFFI", path: "AgenticStarFFI.xcframework")
    : .systemLibrary(name: "AgenticStarFFI", path: "Sources/AgenticStarFFI")

let package = Package(
    name: "AgenticStar",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [.library(name: "AgenticStar", targets: ["AgenticStar"])],
    targets: [
        ffi,
        .target(
            name: "AgenticStar",
            dependencies: ["AgenticStarFFI"],
            path: "Sources/AgenticStar",
            // The XCFramework holds a static Rust library: link what it uses (TLS trust, proxies).
            linkerSettings: [
                .linkedFramework("Security", .when(platforms: [.iOS, .macOS])),
                .linkedFramework("SystemConfiguration", .when(platforms: [.iOS, .macOS])),
                .linkedFramework("CoreFoundation", .when(platforms: [.iOS, .macOS])),
            ]
        ),
        .testTarget(name: "AgenticStarTests", dependencies: ["AgenticStar"], path: "Tests/AgenticStarTests"),
    ]
)
