// swift-tools-version:5.9
// The Swift side of Clawdbot: the protocol models generated from protocol/ (a library other Swift
// clients such as iOS/macOS nodes can depend on) and the menubar app's native shell. Sources/
// ClawdbotProtocol links to protocol/generated/swift, so the package builds the committed,
// drift-checked models. `make macos-app` builds the shell and assembles Clawdbot.app.
import PackageDescription

let package = Package(
    name: "Clawdbot",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        .library(name: "ClawdbotProtocol", targets: ["ClawdbotProtocol"]),
        .executable(name: "ClawdbotMenuBar", targets: ["ClawdbotMenuBar"]),
    ],
    targets: [
        .target(name: "ClawdbotProtocol", path: "Sources/ClawdbotProtocol"),
        .executableTarget(name: "ClawdbotMenuBar", dependencies: ["ClawdbotProtocol"], path: "ClawdbotMenuBar"),
    ]
)
