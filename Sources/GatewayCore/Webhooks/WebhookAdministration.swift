import Foundation

/// Subscriptions and their deliveries: the one implementation behind `subscriptions …`, `deliveries …` and
/// `/admin/v1/subscriptions`, `/admin/v1/deliveries`.
///
/// A delivery carries contact data (and with `enrich`, the contact itself), so a key may subscribe only to what it
/// could read: `contacts.readonly` as well as `webhooks.manage`, and only its own locations.
public struct WebhookAdministration: Sendable {
    private let repository: any WebhookRepository
    private let clock: any WallClock

    public init(repository: any WebhookRepository, clock: any WallClock = SystemWallClock()) {
        self.repository = repository
        self.clock = clock
    }

    public func list(by actor: AdministrativeActor) async throws -> [WebhookSubscription] {
        try await repository.subscriptions().filter { actor.mayReach($0.locations) }
    }

    public func create(
        url urlText: String, events: [String], locations: [String], enrich: Bool, by actor: AdministrativeActor
    ) async throws -> WebhookSubscription {
        let url: SubscriptionURL
        do {
            url = try SubscriptionURL(urlText)
        } catch {
            throw GatewayError.badRequest("url: \(error.description).")
        }
        let events = try Self.events(events)
        let locations = try Self.locations(locations)
        try actor.requireAuthority(
            over: [.webhooksManage, .contactsReadonly], locations: locations.isEmpty ? nil : locations,
            to: "subscribe to events")
        let subscription = WebhookSubscription(
            id: WebhookSubscription.newID(), url: url.description, events: events, locations: locations,
            enrich: enrich, secret: StandardWebhookSigner.newSecret(), createdAt: clock.now())
        try await repository.insertSubscription(subscription)
        return subscription
    }

    public func delete(id: String, by actor: AdministrativeActor) async throws {
        let subscription = try await existing(id, by: actor, to: "delete subscription \(id)")
        guard try await repository.deleteSubscription(id: subscription.id) else {
            throw GatewayError.notFound("No subscription \(id).")
        }
    }

    /// Enables a subscription again after a receiver's 410 (or any disabling).
    public func enable(id: String, by actor: AdministrativeActor) async throws -> WebhookSubscription {
        var subscription = try await existing(id, by: actor, to: "enable subscription \(id)")
        try await repository.setSubscriptionDisabled(id: id, at: nil, reason: nil)
        subscription.disabledAt = nil
        subscription.disabledReason = nil
        return subscription
    }

    public func deliveries(
        subscriptionId: String?, status: String?, limit: Int = 100, by actor: AdministrativeActor
    ) async throws -> [WebhookDelivery] {
        var chosen: DeliveryProgress.Status?
        if let status {
            guard let known = DeliveryProgress.Status(rawValue: status) else {
                throw GatewayError.badRequest(
                    "status: '\(status)' is not one of "
                        + DeliveryProgress.Status.allCases.map(\.rawValue).joined(separator: ", ") + ".")
            }
            chosen = known
        }
        if let subscriptionId { _ = try await existing(subscriptionId, by: actor, to: "read its deliveries") }
        let reachable = Set(try await list(by: actor).map(\.id))
        return try await repository.deliveries(subscriptionId: subscriptionId, status: chosen, limit: limit)
            .filter { reachable.contains($0.subscriptionId) }
    }

    /// Sends a dead delivery again: a new round of the schedule, due at once.
    public func retry(deliveryId: String, by actor: AdministrativeActor) async throws -> WebhookDelivery {
        guard var delivery = try await repository.delivery(id: deliveryId) else {
            throw GatewayError.notFound("No delivery \(deliveryId).")
        }
        _ = try await existing(delivery.subscriptionId, by: actor, to: "retry delivery \(deliveryId)")
        guard delivery.progress.retry(at: clock.now()) else {
            throw GatewayError.conflict(
                "Delivery \(deliveryId) is \(delivery.progress.status.rawValue); only a dead one is sent again.")
        }
        try await repository.recordDeliveryProgress(id: deliveryId, progress: delivery.progress)
        return delivery
    }

    private func existing(_ id: String, by actor: AdministrativeActor, to what: String) async throws
        -> WebhookSubscription
    {
        guard let subscription = try await repository.subscription(id: id) else {
            throw GatewayError.notFound("No subscription \(id).")
        }
        try actor.requireAuthority(
            over: [.webhooksManage], locations: subscription.locations.isEmpty ? nil : subscription.locations, to: what)
        return subscription
    }

    private static func events(_ given: [String]) throws -> [String] {
        let names = given.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else {
            throw GatewayError.badRequest("events: name at least one event type, or *.")
        }
        if names.contains(WebhookSubscription.everyEvent) { return [WebhookSubscription.everyEvent] }
        for name in names where !HighLevelEventType.all.contains(name) {
            throw GatewayError.badRequest(
                "events: '\(name)' is not one of HighLevel's event types (\(HighLevelEventType.all.joined(separator: ", ")), or *).")
        }
        return Array(Set(names)).sorted()
    }

    private static func locations(_ given: [String]) throws -> [String] {
        let ids = given.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for id in ids where !PathIdentifier.isValid(id) {
            throw GatewayError.badRequest("locations: '\(id)' is not a location id (\(PathIdentifier.rule)).")
        }
        return Array(Set(ids)).sorted()
    }
}

extension AdministrativeActor {
    /// Whether the actor may see a subscription to `locations` (empty: every location).
    func mayReach(_ locations: [String]) -> Bool {
        guard let own = self.locations else { return true }
        return !locations.isEmpty && locations.allSatisfy(own.contains)
    }
}
