import SwiftUI
import ClawdbotProtocol

/// Draws the companion's menu model: sections between separators, rows, one level of submenus.
struct MenuContent: View {
    @ObservedObject var state: MenuState

    var body: some View {
        if let menu = state.menu {
            ForEach(Array(menu.sections.enumerated()), id: \.element.id) { index, section in
                if index > 0 {
                    Divider()
                }
                if let title = section.title {
                    Text(title)
                }
                ForEach(section.items, id: \.id) { item in
                    row(item)
                }
            }
            Divider()
            Toggle("Open at Login", isOn: Binding(get: { state.openAtLogin }, set: { state.setOpenAtLogin($0) }))
        } else {
            Text(state.problem ?? "Starting…")
            Divider()
            Button("Quit Clawdbot") { state.quitNow() }
        }
    }

    @ViewBuilder
    private func row(_ item: MenuItem) -> some View {
        if let children = item.children, !children.isEmpty {
            Menu {
                ForEach(children, id: \.id) { leaf in
                    Button(title(leaf.title, checked: leaf.checked)) { state.click(leaf.id) }
                        .disabled(!leaf.enabled)
                }
            } label: {
                label(item)
            }
        } else if item.enabled {
            Button { state.click(item.id) } label: { label(item) }
                .help(item.detail ?? "")
        } else {
            label(item)
                .help(item.detail ?? "")
        }
    }

    @ViewBuilder
    private func label(_ item: MenuItem) -> some View {
        let text = title(item.title, checked: item.checked)
        if let symbol = item.symbol {
            Label(text, systemImage: symbol)
        } else {
            Text(text)
        }
    }

    private func title(_ title: String, checked: Bool?) -> String {
        checked == true ? "✓ \(title)" : title
    }
}
