import Foundation
import GatewayCore
import GatewaySQLite
import Testing

/// The subscriptions a gateway holds decoded between events: another store on the file (a command in another
/// process) that creates, disables or deletes one is seen by the very next read.
struct SQLiteSubscriptionsReadTests {
    @Test func aChangeByAnotherProcessIsSeenByTheNextRead() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("subs-\(UUID()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let secret = GatewaySecret.generate()
        let server = try SQLiteStore(path: path, cipher: TokenCipher(secret: secret))
        let command = try SQLiteStore(path: path, cipher: TokenCipher(secret: secret))
        #expect(try await server.subscriptions().isEmpty)
        #expect(try await server.subscriptions().isEmpty, "read again at the same version")

        let created = WebhookSubscription(
            id: "sub-1", url: "https://tools.example/hook", events: ["ContactCreate"], locations: ["loc-1"],
            enrich: false, secret: "whsec_c2VjcmV0", createdAt: Date(timeIntervalSince1970: 1_800_000_000))
        try await command.insertSubscription(created)
        #expect(try await server.subscriptions() == [created])
        #expect(try await server.subscriptions() == [created], "held, and the same")

        let disabledAt = Date(timeIntervalSince1970: 1_800_000_100)
        #expect(try await command.setSubscriptionDisabled(id: "sub-1", at: disabledAt, reason: "410"))
        let disabled = try #require(try await server.subscriptions().first)
        #expect(!disabled.isEnabled && disabled.disabledReason == "410")

        #expect(try await command.deleteSubscription(id: "sub-1"))
        #expect(try await server.subscriptions().isEmpty)

        // A change made through the reading store itself is seen too.
        try await server.insertSubscription(created)
        #expect(try await server.subscriptions().map(\.id) == ["sub-1"])
    }
}
