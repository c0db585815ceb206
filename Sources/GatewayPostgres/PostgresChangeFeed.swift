import Foundation
import GatewayCore
import Logging
import PostgresNIO

/// Follows the shared database by LISTEN on a connection of its own: the triggers of migration v5 notify every change
/// to keys, roles and connections when its transaction commits, whichever process made it.
///
/// A notification is lost while no one listens, so after every (re)connection the feed reports
/// ``StoreChangeEvent/following`` and the gateway reads everything again; a dropped connection is reported as
/// ``StoreChangeEvent/interrupted`` (the gateway polls meanwhile) and retried every `retryInterval`.
public struct PostgresChangeFeed: StoreChangeFeed {
    public static let channel = "gateway_changes"

    let configuration: PostgresConnection.Configuration
    let logger: Logger
    let retryInterval: Duration

    public init(url: PostgresURL, logger: Logger, retryInterval: Duration = .seconds(1)) throws {
        var configuration = try url.connectionConfiguration
        configuration.options.connectTimeout = .seconds(5)
        self.configuration = configuration
        self.logger = logger
        self.retryInterval = retryInterval
    }

    public func follow(_ deliver: @escaping @Sendable (StoreChangeEvent) async -> Void) async {
        var followed = false
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: configuration, id: 2, logger: logger)
                do {
                    try await withTaskCancellationHandler {
                        try await connection.listen(on: Self.channel) { notifications in
                            // LISTEN is in place: from here no change is missed.
                            followed = true
                            logger.debug("following the store's changes")
                            await deliver(.following)
                            for try await notification in notifications {
                                await deliver(.changed(Self.change(notification.payload)))
                            }
                        }
                    } onCancel: {
                        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
                    }
                } catch {
                    if !Task.isCancelled {
                        logger.warning(
                            "lost the store's change notifications; polling until they are back",
                            metadata: ["error": "\(PostgresStore.describe(error))"])
                    }
                }
                try? await connection.close()
            } catch {
                logger.debug("cannot listen for the store's changes", metadata: ["error": "\(PostgresStore.describe(error))"])
            }
            if followed {
                followed = false
                await deliver(.interrupted)
            }
            try? await Task.sleep(for: retryInterval)
        }
    }

    /// `key:<id>`, `role:<name>`, `connection:<location>` as the trigger writes them; anything else is everything.
    static func change(_ payload: String) -> StoreChange {
        guard let colon = payload.firstIndex(of: ":") else { return .everything }
        let subject = String(payload[payload.index(after: colon)...])
        switch payload[..<colon] {
        case "key": return .key(id: subject)
        case "role": return .role(name: subject)
        case "connection": return .connection(locationId: subject)
        default: return .everything
        }
    }
}
