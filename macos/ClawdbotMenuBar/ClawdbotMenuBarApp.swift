// The Clawdbot menubar app: a thin native shell around `clawdbot companion --stdio`.
// Every decision lives in the companion (TypeScript, tested with the gateway); this app draws the
// menu model it sends, forwards clicks and notification buttons, opens URLs and keeps it running.
import AppKit
import SwiftUI
import ClawdbotProtocol

@main
struct ClawdbotMenuBarApp: App {
    @StateObject private var state = MenuState()

    var body: some Scene {
        MenuBarExtra {
            MenuContent(state: state)
        } label: {
            Image(systemName: state.statusSymbol)
                .accessibilityLabel(state.statusText)
        }
        .menuBarExtraStyle(.menu)
    }
}

/// What the menu shows, and the link to the companion process.
@MainActor
final class MenuState: ObservableObject {
    @Published private(set) var menu: MenuModel?
    /// Why there is no menu yet (companion missing, restarting).
    @Published private(set) var problem: String?
    @Published private(set) var openAtLogin = LoginItem.isEnabled

    private var companion: CompanionProcess?
    private let notifier = Notifier()

    init() {
        notifier.onAction = { [weak self] id, action in
            self?.companion?.send(.notificationAction(NotificationActionMessage(id: id, action: action)))
        }
        guard let config = InstallConfig.load() else {
            problem = "Not installed: build with `make macos-app` in the Clawdbot checkout"
            return
        }
        let process = CompanionProcess(
            config: config,
            onMessage: { [weak self] message in self?.handle(message) },
            onTrouble: { [weak self] text in self?.problem = text }
        )
        companion = process
        process.start()
    }

    var statusSymbol: String {
        guard let state = menu?.gateway.state else { return "ellipsis.circle" }
        switch state {
        case .running: return "bolt.horizontal.circle.fill"
        case .stopped: return "stop.circle"
        case .unreachable: return "exclamationmark.triangle"
        case .pairingRequired: return "lock.circle"
        }
    }

    var statusText: String {
        menu?.sections.first?.items.first?.title ?? "Clawdbot"
    }

    func click(_ itemId: String) {
        companion?.send(.click(ClickMessage(itemId: itemId)))
    }

    func setOpenAtLogin(_ on: Bool) {
        do {
            try LoginItem.set(on)
        } catch {
            problem = "Open at Login: \(error.localizedDescription)"
        }
        openAtLogin = LoginItem.isEnabled
    }

    /// Quits even when the companion cannot answer.
    func quitNow() {
        companion?.stop()
        NSApp.terminate(nil)
    }

    private func handle(_ message: CompanionMessage) {
        switch message {
        case .menu(let m):
            menu = m.menu
            problem = nil
        case .notify(let n):
            notifier.show(n)
        case .openUrl(let o):
            if let url = URL(string: o.url) {
                NSWorkspace.shared.open(url)
            }
        case .clipboard(let c):
            NSPasteboard.general.clearContents()
            NSPasteboard.general.setString(c.text, forType: .string)
        case .error(let e):
            NSLog("clawdbot companion: %@: %@", e.code.rawValue, e.message)
        case .quit:
            companion?.stop()
            NSApp.terminate(nil)
        case .unknown(let type, _):
            NSLog("clawdbot companion: ignoring message of type %@", type)
        }
    }
}
