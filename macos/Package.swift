// swift-tools-version:5.9
// The Swift side of Clawdbot: the protocol models generated from protocol/ (a library other Swift
// clients such as iOS/macOS nodes can depend on). Sources/ClawdbotProtocol links to
// protocol/generated/swift, so the package always builds the committed, drift-checked models.
import PackageDescription

let package = Package(
    name: "Clawdbot",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        .library(name: "ClawdbotProtocol", targets: ["ClawdbotProtocol"]),
    ],
    targets: [
        .target(name: "ClawdbotProtocol", path: "Sources/ClawdbotProtocol"),
    ]
)
