import Foundation
import UserNotifications
import ClawdbotProtocol

/// Shows the companion's `notify` messages as macOS notifications with their buttons, and reports
/// the button the user pressed.
final class Notifier: NSObject, UNUserNotificationCenterDelegate {
    var onAction: ((_ id: String, _ action: String) -> Void)?
    private let center = UNUserNotificationCenter.current()

    override init() {
        super.init()
        center.delegate = self
        center.requestAuthorization(options: [.alert, .sound]) { granted, error in
            if !granted {
                NSLog("clawdbot: notifications not allowed: %@", error?.localizedDescription ?? "denied in System Settings")
            }
        }
    }

    func show(_ note: NotifyMessage) {
        // One category per set of buttons (Approve/Reject, Link WhatsApp, none).
        let category = "clawdbot." + note.actions.map { $0.id }.joined(separator: ".")
        let actions = note.actions.map { UNNotificationAction(identifier: $0.id, title: $0.title, options: []) }
        center.getNotificationCategories { [center] existing in
            var categories = existing
            categories.insert(UNNotificationCategory(identifier: category, actions: actions, intentIdentifiers: [], options: []))
            center.setNotificationCategories(categories)
            let content = UNMutableNotificationContent()
            content.title = note.title
            content.body = note.body
            content.categoryIdentifier = category
            center.add(UNNotificationRequest(identifier: note.id, content: content, trigger: nil))
        }
    }

    func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        didReceive response: UNNotificationResponse,
        withCompletionHandler completionHandler: @escaping () -> Void
    ) {
        let id = response.notification.request.identifier
        let action = response.actionIdentifier
        if action != UNNotificationDefaultActionIdentifier && action != UNNotificationDismissActionIdentifier {
            DispatchQueue.main.async { self.onAction?(id, action) }
        }
        completionHandler()
    }

    /// Shown even while the menu is open.
    func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        willPresent notification: UNNotification,
        withCompletionHandler completionHandler: @escaping (UNNotificationPresentationOptions) -> Void
    ) {
        completionHandler([.banner, .sound])
    }
}
