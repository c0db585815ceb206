import Foundation
import GatewayCore
import Logging
import ServiceLifecycle
import Synchronization

/// Sends the outbox's due deliveries: claims them with a lease (so several gateways on one database never send one
/// at once, and a gateway that dies mid-attempt only delays it by the lease), signs and posts each one, records what
/// the receiver answered, and sleeps until the next is due or an event is taken (``wake()``).
///
/// At most ``perSubscription`` attempts are in flight for one subscription and ``inFlight`` in all: within a batch
/// a slow receiver holds up only its own lane, but the next batch waits for the slowest lane (at most the delivery
/// timeout per slice). Every attempt is a record in the audit trail.
public final class DeliveryDispatcher: Service, Sendable {
    public static var auditRoute: String { WebhookDelivery.auditRoute }

    let repository: any WebhookRepository
    let client: any UpstreamClient
    let schedule: DeliverySchedule
    let timeout: Duration
    let audit: any AuditSink
    let clock: any WallClock
    let logger: Logger
    let inFlight: Int
    let perSubscription: Int
    /// The longest sleep between looks at the outbox, for deliveries another gateway queued.
    let idlePoll: Duration
    /// Fetches the contact for subscriptions with `enrich`, through the location's token, shaping and audit.
    let contacts: OwnUpstreamCall?
    private let wakeUp: AsyncStream<Void>.Continuation
    private let wakeUps: Mutex<AsyncStream<Void>?>
    /// When the outbox's depth was last counted for the gauges.
    private let depthCounted = Mutex<ContinuousClock.Instant?>(nil)

    init(
        repository: any WebhookRepository, client: any UpstreamClient, schedule: DeliverySchedule, timeout: Duration,
        audit: any AuditSink, clock: any WallClock, logger: Logger, contacts: OwnUpstreamCall?, inFlight: Int = 16,
        perSubscription: Int = 4, idlePoll: Duration = .seconds(2)
    ) {
        self.contacts = contacts
        self.repository = repository
        self.client = client
        self.schedule = schedule
        self.timeout = timeout
        self.audit = audit
        self.clock = clock
        self.logger = logger
        self.inFlight = inFlight
        self.perSubscription = perSubscription
        self.idlePoll = idlePoll
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.wakeUp = continuation
        self.wakeUps = Mutex(stream)
    }

    /// An event with deliveries was committed: look at the outbox now rather than at the next poll.
    public func wake() { wakeUp.yield() }

    public func run() async throws {
        let stream = wakeUps.withLock { taken -> AsyncStream<Void>? in defer { taken = nil }; return taken }
        guard let stream else { return }
        await cancelWhenGracefulShutdown {
            var wakes = stream.makeAsyncIterator()
            while !Task.isCancelled {
                let sent = await self.dispatchDue()
                if sent > 0 { continue }
                await self.recordDepth()
                await self.sleep(until: try? await self.repository.nextDeliveryDue(), wakes: &wakes)
            }
        }
    }

    /// Claims and sends what is due now; returns how many were attempted.
    @discardableResult
    public func dispatchDue() async -> Int {
        let now = clock.now()
        let claimed: [ClaimedDelivery]
        do {
            // A read first: claiming is a write transaction, which an idle outbox must not cost every poll (it would
            // queue in front of the audit trail's commits, and fsync for nothing).
            guard let due = try await repository.nextDeliveryDue(), due <= now else { return 0 }
            // The lease outlasts an attempt, so a claimed delivery is never claimed again while it is being sent.
            claimed = try await repository.claimDueDeliveries(
                at: now, leaseUntil: now.addingTimeInterval(timeout.seconds + 30), limit: inFlight)
        } catch {
            logger.error("the outbox cannot be read", metadata: ["error": "\(error)"])
            return 0
        }
        guard !claimed.isEmpty else { return 0 }
        let lanes = Dictionary(grouping: claimed, by: \.delivery.subscriptionId)
        await withTaskGroup(of: Void.self) { group in
            for (subscriptionId, deliveries) in lanes {
                group.addTask {
                    let subscription = try? await self.repository.subscription(id: subscriptionId)
                    for start in stride(from: 0, to: deliveries.count, by: self.perSubscription) {
                        let slice = deliveries[start..<min(start + self.perSubscription, deliveries.count)]
                        await withTaskGroup(of: Void.self) { lane in
                            for claim in slice { lane.addTask { await self.attempt(claim, subscription) } }
                        }
                    }
                }
            }
        }
        await recordDepth(atMostEvery: .seconds(1))
        return claimed.count
    }

    private func attempt(_ claim: ClaimedDelivery, _ subscription: WebhookSubscription?) async {
        var progress = claim.delivery.progress
        guard let subscription, subscription.isEnabled else {
            progress.abandon(reason: subscription == nil ? "the subscription is gone" : "the subscription is disabled")
            _ = try? await repository.recordDeliveryProgress(id: claim.delivery.id, progress: progress)
            return
        }
        let started = ContinuousClock.now
        let outcome = await send(claim, to: subscription)
        let consequence = progress.record(outcome, at: clock.now(), schedule: schedule, jitter: Double.random(in: 0..<1))
        do {
            try await repository.recordDeliveryProgress(id: claim.delivery.id, progress: progress)
            if consequence == .disableSubscription {
                try await repository.setSubscriptionDisabled(
                    id: subscription.id, at: clock.now(), reason: "the receiver answered 410 Gone")
                logger.warning("subscription disabled: its receiver answered 410", metadata: ["subscription": "\(subscription.id)"])
            }
        } catch {
            // The lease runs out and the delivery is sent again: at least once, never lost.
            logger.error("a delivery's outcome was not stored", metadata: ["delivery": "\(claim.delivery.id)", "error": "\(error)"])
        }
        let elapsed = ContinuousClock.now - started
        let label = consequence == .disableSubscription ? "disabled" : progress.status == .pending ? "retry" : progress.status.rawValue
        GatewayMetrics.deliveryAttempt(outcome: label, duration: elapsed)
        await record(claim, outcome: outcome, progress: progress, elapsed: elapsed)
    }

    private func send(_ claim: ClaimedDelivery, to subscription: WebhookSubscription) async -> DeliveryProgress.Outcome {
        var contact: DeliveryBody.Contact?
        if subscription.enrich {
            do {
                contact = try await self.contact(of: claim)
            } catch {
                // Not sent without the contact it promises; tried again on the schedule, like a receiver's failure.
                return .noAnswer(error.description)
            }
        }
        do {
            let attempt = DeliveryAttempt(
                deliveryId: claim.delivery.id, url: try SubscriptionURL(subscription.url),
                body: DeliveryBody.make(claim, contact: contact),
                signer: try StandardWebhookSigner(secret: subscription.secret), timeout: timeout)
            return await attempt.send(through: client, at: clock.now())
        } catch {
            return .noAnswer("the subscription cannot be sent to: \(error)")
        }
    }

    /// The contact of an enriched delivery, as HighLevel answers `GET /contacts/{contactId}` now: `.absent` for an
    /// event about no contact, or a contact HighLevel no longer has (404, as after `ContactDelete`).
    private func contact(of claim: ClaimedDelivery) async throws(DeliveryBody.Unavailable) -> DeliveryBody.Contact {
        guard let contacts, let contactId = claim.event.contactId, let locationId = claim.event.locationId else {
            return .absent
        }
        let response: UpstreamResponse
        do {
            response = try await contacts.send(
                RouteTable.contacts.operation(id: "get-contact"), parameters: ["contactId": contactId],
                locationId: locationId, requestId: "\(claim.delivery.id).\(claim.delivery.progress.attempts + 1).contact")
        } catch {
            throw DeliveryBody.Unavailable("the contact could not be fetched for enrichment: \(error.detail)")
        }
        switch response.status {
        case 200..<300: return try .fetched(DeliveryBody.contactObject(in: response.body))
        case 404: return .absent
        default: throw DeliveryBody.Unavailable("HighLevel answered \(response.status) when the contact was fetched for enrichment")
        }
    }

    /// The attempt in the trail: its delivery id as resource, the receiver's status as the upstream status.
    private func record(
        _ claim: ClaimedDelivery, outcome: DeliveryProgress.Outcome, progress: DeliveryProgress, elapsed: Duration
    ) async {
        var receiverStatus: Int?
        if case .answered(let status, _) = outcome { receiverStatus = status }
        let delivered = progress.status == .delivered
        let record = AuditRecord(
            time: clock.now(), requestId: "\(claim.delivery.id).\(progress.attempts)", method: "POST",
            route: WebhookDelivery.auditRoute, path: "/deliveries/\(claim.delivery.id)", status: receiverStatus ?? 0,
            outcome: delivered ? .ok : .upstreamError, locationId: claim.event.locationId,
            contactId: claim.event.contactId, resourceId: claim.delivery.id, upstreamStatus: receiverStatus,
            upstreamAttempts: 1, durationMs: elapsed.seconds * 1000)
        do {
            try await audit.record(record)
        } catch {
            logger.error("a delivery attempt was not recorded in the audit trail", metadata: ["error": "\(error)"])
        }
    }

    /// The gauges of the outbox. While draining, at most once a `period`: the count reads every pending row, so a
    /// count per batch of a deep outbox cost more than the batch.
    private func recordDepth(atMostEvery period: Duration = .zero) async {
        let now = ContinuousClock.now
        let due = depthCounted.withLock { last -> Bool in
            if let last, now - last < period { return false }
            last = now
            return true
        }
        guard due, let depth = try? await repository.outboxDepth() else { return }
        let age = depth.oldestPendingCreatedAt.map { max(0, clock.now().timeIntervalSince($0)) } ?? 0
        GatewayMetrics.outbox(pending: depth.pending, oldestPendingAge: age)
    }

    /// Sleeps until `due` (at most ``idlePoll``), or until woken.
    private func sleep(until due: Date?, wakes: inout AsyncStream<Void>.AsyncIterator) async {
        var wait = idlePoll
        if let due {
            let seconds = max(0, due.timeIntervalSince(clock.now()))
            wait = min(wait, .milliseconds(Int64(seconds * 1000) + 1))
        }
        let waited = Task {
            // Cancelled when woken sooner: then no wake-up of its own.
            guard (try? await Task.sleep(for: wait)) != nil else { return }
            self.wakeUp.yield()
        }
        _ = await wakes.next()
        waited.cancel()
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
