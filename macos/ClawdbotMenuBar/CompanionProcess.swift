import Foundation
import ClawdbotProtocol

/// Where Node.js and the checkout's `cli/bin/run.js` are: written into the bundle by `make macos-app`
/// (Contents/Resources/companion.json), or given by CLAWDBOT_NODE / CLAWDBOT_RUN_JS for `swift run`.
struct InstallConfig: Decodable {
    let node: String
    let runJs: String

    static func load() -> InstallConfig? {
        let env = ProcessInfo.processInfo.environment
        if let node = env["CLAWDBOT_NODE"], let runJs = env["CLAWDBOT_RUN_JS"] {
            return InstallConfig(node: node, runJs: runJs)
        }
        guard let url = Bundle.main.url(forResource: "companion", withExtension: "json"),
              let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(InstallConfig.self, from: data)
    }
}

/// Runs `node run.js companion --stdio`, one JSON object per line each way, and starts it again
/// (with a growing pause) whenever it exits, until the app quits.
@MainActor
final class CompanionProcess {
    private let config: InstallConfig
    private let onMessage: (CompanionMessage) -> Void
    private let onTrouble: (String) -> Void
    private var process: Process?
    private var input: FileHandle?
    private var buffer = Data()
    private var failures = 0
    private var stopping = false

    init(config: InstallConfig, onMessage: @escaping (CompanionMessage) -> Void, onTrouble: @escaping (String) -> Void) {
        self.config = config
        self.onMessage = onMessage
        self.onTrouble = onTrouble
        // A companion that died between two writes must not take the app down with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    func start() {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: config.node)
        process.arguments = [config.runJs, "companion", "--stdio"]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        stdout.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            Task { @MainActor in self?.receive(data) }
        }
        process.terminationHandler = { [weak self] finished in
            let status = finished.terminationStatus
            Task { @MainActor in self?.exited(status) }
        }
        do {
            try process.run()
        } catch {
            onTrouble("Cannot start \(config.node): \(error.localizedDescription)")
            restartLater()
            return
        }
        self.process = process
        input = stdin.fileHandleForWriting
        let version = Bundle.main.object(forInfoDictionaryKey: "CFBundleShortVersionString") as? String ?? "dev"
        send(.hello(HelloMessage(shellVersion: version, protocol: COMPANION_PROTOCOL_VERSION)))
    }

    func send(_ message: ShellMessage) {
        guard let input, var data = try? JSONEncoder().encode(message) else { return }
        data.append(0x0A)
        try? input.write(contentsOf: data)
    }

    func stop() {
        stopping = true
        try? input?.close()
        process?.terminate()
    }

    private func receive(_ data: Data) {
        guard !data.isEmpty else { return }
        buffer.append(data)
        while let newline = buffer.firstIndex(of: 0x0A) {
            let line = buffer.subdata(in: buffer.startIndex..<newline)
            buffer.removeSubrange(buffer.startIndex...newline)
            guard !line.isEmpty else { continue }
            do {
                onMessage(try JSONDecoder().decode(CompanionMessage.self, from: line))
                failures = 0
            } catch {
                NSLog("clawdbot companion: unreadable line: %@", String(decoding: line, as: UTF8.self))
            }
        }
    }

    private func exited(_ status: Int32) {
        process = nil
        input = nil
        buffer.removeAll()
        if stopping { return }
        onTrouble("The companion stopped (exit \(status)); starting it again…")
        restartLater()
    }

    private func restartLater() {
        failures += 1
        let delay = min(30.0, pow(2.0, Double(min(failures, 5))))
        DispatchQueue.main.asyncAfter(deadline: .now() + delay) { [weak self] in
            guard let self, !self.stopping else { return }
            self.start()
        }
    }
}
