import Foundation

/// What `POST /webhooks/highlevel` does with a body, apart from HTTP: checks the signature over the raw bytes, reads
/// the event, refuses a stale one, and commits it with one delivery per matching subscription before it answers,
/// so an event taken is delivered even if the process dies right after. Each refusal is a ``GatewayError``.
public struct WebhookIntake: Sendable {
    /// What was taken.
    public struct Taken: Sendable, Equatable {
        public let event: HighLevelEvent
        public let acceptance: EventAcceptance
    }

    private let repository: any WebhookRepository
    private let keys: HighLevelWebhookKeys?
    private let clock: any WallClock
    /// Called once an event with deliveries is committed, so the dispatcher need not wait for its next look.
    private let onAccepted: @Sendable () -> Void

    public init(
        repository: any WebhookRepository, keys: HighLevelWebhookKeys?, clock: any WallClock,
        onAccepted: @escaping @Sendable () -> Void = {}
    ) {
        self.repository = repository
        self.keys = keys
        self.clock = clock
        self.onAccepted = onAccepted
    }

    public func take(body: [UInt8], ghlSignature: String?, whSignature: String?) async throws(GatewayError) -> Taken {
        switch HighLevelSignatureCheck.check(body: body, ghlSignature: ghlSignature, whSignature: whSignature, keys: keys) {
        case .notConfigured: throw .webhooksNotConfigured()
        case .refused(let reason): throw .webhookRefused(reason)
        case .authentic: break
        }
        let event: HighLevelEvent
        do {
            event = try HighLevelEvent(body: body)
        } catch {
            throw .badRequest("Not one of HighLevel's events: \(error.description).")
        }
        let now = clock.now()
        guard event.isFresh(at: now) else {
            throw .webhookRefused(
                "The event's timestamp is more than \(Int(HighLevelEvent.tolerance / 60)) minutes from now (a replay, "
                    + "or a clock far off).")
        }
        let record = WebhookEventRecord(
            id: event.webhookId, type: event.type, locationId: event.locationId, contactId: event.contactId,
            source: .webhook, receivedAt: now, contactUpdatedAt: event.dateUpdated ?? event.timestamp, body: body)
        let acceptance: EventAcceptance
        do {
            let subscriptions = try await repository.subscriptions()
            let deliveries = subscriptions.filter { $0.takes(type: event.type, locationId: event.locationId) }
                .map { WebhookDelivery.new(of: record, to: $0, at: now) }
            acceptance = try await repository.acceptEvent(record, deliveries: deliveries)
        } catch {
            throw .webhookNotTaken("the store cannot record: \(error)")
        }
        if case .accepted(let count) = acceptance, count > 0 { onAccepted() }
        return Taken(event: event, acceptance: acceptance)
    }
}
