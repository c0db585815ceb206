import Foundation
import GatewayCore
import Logging
import ServiceLifecycle

/// Finds what HighLevel's events missed (it drops an event whenever the receiver answers anything but 429): every
/// interval, each connected location is searched for contacts updated since its last pass, and each contact changed
/// later than anything the gateway holds for it becomes a `ContactUpdate` with `source: "reconcile"`, delivered once.
///
/// The searches go through the location's token, shaping budget and audit trail (``OwnUpstreamCall``), so
/// reconciliation never draws a 429 and a reviewer sees each search. A location's cursor moves only when its pass
/// has finished, so a pass cut short (HighLevel failing, the gateway stopping) is done again, and what it had found
/// already is not delivered twice: its events are deduplicated by id.
public final class ReconciliationService: Service, Sendable {
    /// One pass over one location.
    public struct Outcome: Sendable, Equatable {
        public var locationId: String
        /// Searches sent.
        public var pages = 0
        /// Contacts the searches returned.
        public var seen = 0
        /// Changes that became events (with their deliveries).
        public var found = 0
        /// Why the pass stopped short; nil when it finished and the cursor moved.
        public var failure: String?
        /// The latest `dateUpdated` the searches returned (they come oldest first).
        public var lastSeen: Date?
    }

    let repository: any WebhookRepository
    let tokens: TokenBroker
    let call: OwnUpstreamCall
    let interval: Duration
    let clock: any WallClock
    let logger: Logger
    let onAccepted: @Sendable () -> Void
    /// Pages after the first are searched only while at least this much of the location's upstream window is
    /// left, so a backlog of changes never takes more than half of the budget that callers' requests need; the
    /// pass goes slower, never stops short of its end.
    let reserve: Int?

    init(
        repository: any WebhookRepository, tokens: TokenBroker, call: OwnUpstreamCall, interval: Duration,
        clock: any WallClock, logger: Logger, upstreamLimit: Rate?, onAccepted: @escaping @Sendable () -> Void
    ) {
        self.repository = repository
        self.tokens = tokens
        self.call = call
        self.interval = interval
        self.clock = clock
        self.logger = logger
        self.reserve = upstreamLimit.map { max(1, $0.count / 2) }
        self.onAccepted = onAccepted
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard (try? await Task.sleep(for: self.interval)) != nil else { return }
                _ = await self.reconcileAll()
            }
        }
    }

    /// One pass over every active connection, one location after the other.
    @discardableResult
    public func reconcileAll() async -> [Outcome] {
        let connections: [Connection]
        do {
            connections = try await tokens.connections()
        } catch {
            logger.error("reconciliation cannot list the connections", metadata: ["error": "\(error)"])
            GatewayMetrics.reconciliationPass(outcome: "failed", found: 0)
            return []
        }
        var outcomes: [Outcome] = []
        for connection in connections where connection.status == .active {
            if Task.isCancelled { break }
            outcomes.append(await reconcile(locationId: connection.locationId))
        }
        return outcomes
    }

    /// One pass over one location.
    public func reconcile(locationId: String) async -> Outcome {
        var outcome = Outcome(locationId: locationId)
        do {
            try await pass(locationId, &outcome)
        } catch {
            outcome.failure = "\(error)"
            logger.warning(
                "a reconciliation pass stopped short; the next one covers its window again",
                metadata: ["location": "\(locationId)", "error": "\(error)"])
        }
        GatewayMetrics.reconciliationPass(outcome: outcome.failure == nil ? "finished" : "failed", found: outcome.found)
        if outcome.found > 0 { onAccepted() }
        return outcome
    }

    private func pass(_ locationId: String, _ outcome: inout Outcome) async throws {
        let cursor = try await repository.reconciliationCursor(locationId: locationId)
        var pass = ReconciliationPass(
            locationId: locationId, cursor: cursor, now: clock.now(), firstLookBack: interval.seconds)
        let search = RouteTable.contacts.operation(id: "search-contacts-advanced")
        while !pass.finished {
            if outcome.pages > 0 { try await waitForSpareBudget(locationId) }
            outcome.pages += 1
            let response = try await call.send(
                search, body: pass.searchBody(), locationId: locationId,
                requestId: "reconcile.\(locationId).\(Int64(pass.to.timeIntervalSince1970)).\(outcome.pages)")
            guard (200..<300).contains(response.status) else {
                throw Stopped("HighLevel answered the search with \(response.status)")
            }
            let page = try pass.take(page: response.body)
            outcome.seen += page.count
            outcome.lastSeen = page.last?.dateUpdated ?? outcome.lastSeen
            let known = try await repository.contactUpdateTimes(
                locationId: locationId, contactIds: page.map(\.contactId))
            let subscriptions = try await repository.subscriptions()
            for change in ReconciliationPass.changes(in: page, known: known) {
                let event = pass.event(for: change, receivedAt: clock.now())
                let deliveries = subscriptions.filter { $0.takes(type: event.type, locationId: locationId) }
                    .map { WebhookDelivery.new(of: event, to: $0, at: event.receivedAt) }
                if case .accepted = try await repository.acceptEvent(event, deliveries: deliveries) {
                    outcome.found += 1
                }
            }
        }
        try await repository.setReconciliationCursor(locationId: locationId, to: pass.cursorAfter)
    }

    private func waitForSpareBudget(_ locationId: String) async throws {
        guard let reserve else { return }
        while let left = call.caller.remaining(locationId: locationId), left < reserve {
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    struct Stopped: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
