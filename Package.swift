// swift-tools-version:6.1
import PackageDescription

// The dot-product micro-kernels are compiled for the extension they use (Armv8.2 DotProd on
// aarch64, AVX-512 VNNI on x86_64); SegKernels calls them only after a run-time CPU check, so the
// rest of the library keeps the baseline of the host architecture.
// The manifest is compiled for and run on the build machine, so `#if arch` would describe the host
// even in a cross build; cross/build-segd.sh names the target's architecture in SEGD_TARGET_ARCH.
#if arch(x86_64)
let hostArch = "x86_64"
#elseif arch(arm64)
let hostArch = "aarch64"
#else
let hostArch = "other"
#endif
let dotProductFlags: [String]
let baselineFlags: [String]
switch Context.environment["SEGD_TARGET_ARCH"] ?? hostArch {
case "x86_64":
    dotProductFlags = ["-Xcc", "-mavx512f", "-Xcc", "-mavx512bw", "-Xcc", "-mavx512vl", "-Xcc", "-mavx512vnni"]
    baselineFlags = ["-Xcc", "-march=x86-64-v3"]
case "aarch64":
    dotProductFlags = ["-Xcc", "-march=armv8-a+dotprod"]
    baselineFlags = []
default:
    dotProductFlags = []
    baselineFlags = []
}

let kernelSettings: [SwiftSetting] = [.enableExperimentalFeature("BuiltinModule"), .unsafeFlags(baselineFlags)]

let package = Package(
    name: "segd",
    products: [
        .library(name: "SegKernels", targets: ["SegKernels"]),
        .library(name: "SegRuntime", targets: ["SegRuntime"]),
        .library(name: "SegCompiler", targets: ["SegCompiler"]),
        .library(name: "SegCRF", targets: ["SegCRF"]),
        .library(name: "SegCapture", targets: ["SegCapture"]),
        .library(name: "SegPublish", targets: ["SegPublish"]),
        .library(name: "SegClient", targets: ["SegClient"]),
        .executable(name: "segctl", targets: ["segctl"]),
        .executable(name: "segd", targets: ["segd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        .target(name: "CSegKernels"),
        .target(
            name: "SegKernelsDotProd",
            swiftSettings: [.enableExperimentalFeature("BuiltinModule"), .unsafeFlags(dotProductFlags)]),
        .target(name: "SegKernels", dependencies: ["CSegKernels", "SegKernelsDotProd"], swiftSettings: kernelSettings),
        .target(name: "SegKernelsConformance", dependencies: ["SegKernels", "SegRuntime"], swiftSettings: [.unsafeFlags(baselineFlags)]),
        .target(name: "SegKernelsBench", dependencies: ["SegKernels"], swiftSettings: [.unsafeFlags(baselineFlags)]),
        .target(name: "SegConfig"),
        .target(name: "CImageCodecs", linkerSettings: [.linkedLibrary("turbojpeg"), .linkedLibrary("png")]),
        .target(name: "SegImageIO", dependencies: ["CImageCodecs"]),
        .systemLibrary(name: "CV4L2"),
        .systemLibrary(name: "CTurboJPEG"),
        .target(name: "CJPEGDecoder", linkerSettings: [.linkedLibrary("jpeg")]),
        .target(name: "SegCapture", dependencies: ["SegKernels", "CV4L2", "CJPEGDecoder"], swiftSettings: [.unsafeFlags(baselineFlags)]),
        .systemLibrary(name: "CFutex"),
        .target(name: "SegPublish", dependencies: ["CFutex"]),
        .target(name: "SegClient", dependencies: ["SegPublish"]),
        .target(name: "SegDaemon", dependencies: ["SegCapture", "SegPublish", "SegCompiler", "SegRuntime", "SegConfig", "SegKernels", "SegCRF"]),
        .executableTarget(name: "segd", dependencies: ["SegDaemon"]),
        .target(name: "SegRuntime", dependencies: ["SegKernels"], swiftSettings: [.unsafeFlags(baselineFlags)]),
        // The lattice phases read class-owned buffers in their inner loops; no access there can overlap.
        .target(name: "SegCRF", dependencies: ["SegRuntime"], swiftSettings: [.unsafeFlags(baselineFlags + ["-enforce-exclusivity=unchecked"])]),
        .target(
            name: "SegCompiler",
            dependencies: ["SegRuntime", "SegConfig", "SegImageIO", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            swiftSettings: [.unsafeFlags(baselineFlags)]),
        .executableTarget(
            name: "segctl",
            dependencies: [
                "SegKernels", "SegKernelsBench", "SegKernelsConformance", "SegRuntime", "SegCompiler", "SegConfig", "SegImageIO", "SegCapture", "SegPublish", "SegClient", "SegDaemon", "SegCRF",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        .testTarget(
            name: "SegKernelsTests",
            dependencies: ["SegKernels", "SegKernelsConformance", "SegKernelsBench", "CAllocationCounter"]),
        .testTarget(name: "SegConfigTests", dependencies: ["SegConfig"]),
        .testTarget(name: "SegImageIOTests", dependencies: ["SegImageIO"]),
        .testTarget(name: "SegDaemonTests", dependencies: ["SegDaemon", "SegPublish"]),
        .testTarget(name: "SegPublishTests", dependencies: ["SegPublish", "CAllocationCounter"]),
        .testTarget(name: "SegClientTests", dependencies: ["SegClient", "SegPublish"]),
        .testTarget(name: "SegCaptureTests", dependencies: ["SegCapture", "SegKernels", "SegKernelsConformance", "CTurboJPEG", "CAllocationCounter"]),
        .testTarget(name: "SegCRFTests", dependencies: ["SegCRF", "SegRuntime", "CAllocationCounter"]),
        .testTarget(name: "SegRuntimeTests", dependencies: ["SegRuntime", "CAllocationCounter"]),
        .testTarget(name: "SegCompilerTests", dependencies: ["SegCompiler", "SegRuntime", "CAllocationCounter"]),
    ]
)
