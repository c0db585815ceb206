import Foundation
import Synchronization

/// Calls HighLevel for one location the way its limits and failures ask: shaped to the per-location budget
/// (callers wait in order for a slot, up to their deadline), retried where safe with backoff, and cut off by a
/// circuit breaker when the location's upstream keeps failing.
public final class UpstreamCaller: Sendable {
    public struct Settings: Sendable {
        /// `nil`: shaping off.
        public var limit: Rate?
        public var dailyLimit: Int?
        public var retry: RetryPolicy
        public var breakerThreshold: Int
        public var breakerOpenSeconds: Double
        /// Callers allowed to wait for a slot per location; past it, 503 at once.
        public var maxWaiting: Int

        /// HighLevel's budget per location and day.
        public static let highLevelDailyLimit = 200_000

        public init(
            limit: Rate? = Rate(count: 100, perSeconds: 10), dailyLimit: Int? = highLevelDailyLimit,
            retry: RetryPolicy = .init(),
            breakerThreshold: Int = 5, breakerOpenSeconds: Double = 5, maxWaiting: Int = 1000
        ) {
            self.limit = limit
            self.dailyLimit = dailyLimit
            self.retry = retry
            self.breakerThreshold = breakerThreshold
            self.breakerOpenSeconds = breakerOpenSeconds
            self.maxWaiting = maxWaiting
        }
    }

    public struct Result: Sendable {
        public var response: UpstreamResponse
        public var attempts: Int
    }

    /// No usable answer: the problem for the caller, and how many times HighLevel was called (0 when the budget or
    /// the breaker refused before any call), for the audit record.
    public struct Failure: Error, Sendable {
        public var problem: GatewayError
        public var attempts: Int
    }

    private struct LocationState {
        var window: SlidingWindowBudget?
        var daily: DailyBudget?
        var breaker: CircuitBreaker
        var waiting = 0
    }

    private let client: any UpstreamClient
    private let settings: Settings
    private let states = Mutex<[String: LocationState]>([:])
    private let epoch = ContinuousClock.now

    /// Counts every gateway's calls per location when several share a store; `nil`: this process's window only.
    private let ledger: (any SharedUpstreamLedger)?
    private let onLedgerFailure: @Sendable (any Error) -> Void

    public init(
        client: any UpstreamClient, settings: Settings = .init(), ledger: (any SharedUpstreamLedger)? = nil,
        onLedgerFailure: @escaping @Sendable (any Error) -> Void = { _ in }
    ) {
        self.client = client
        self.settings = settings
        self.ledger = ledger
        self.onLedgerFailure = onLedgerFailure
    }

    /// Sends `request` for `locationId`, trying again where safe, until `deadline`.
    /// Throws `Failure` (429/503 for the budget or the breaker, 502/504 for upstream failures) or CancellationError.
    public func send(_ request: UpstreamRequest, locationId: String, deadline: ContinuousClock.Instant) async throws
        -> Result
    {
        var attempt = 0
        while true {
            let grant: Grant?
            do {
                try admitThroughBreaker(locationId)
                grant = try await waitForSlot(locationId, deadline: deadline)
            } catch let problem as GatewayError {
                throw Failure(problem: problem, attempts: attempt)
            }
            // However the attempt ends, from then on it ages out of HighLevel's window.
            defer {
                if let grant {
                    finish(grant.local, locationId: locationId)
                    finishSharedSlot(grant.shared)
                }
            }
            attempt += 1
            var attemptRequest = request
            let remaining = deadline - ContinuousClock.now
            guard remaining > .milliseconds(1) else {
                let timeout = UpstreamError(kind: .timeout, requestMayHaveReachedServer: false, message: "no time left")
                throw Failure(problem: timeout.gatewayError, attempts: attempt - 1)
            }
            attemptRequest.timeout = min(request.timeout, remaining)
            let outcome: RetryPolicy.Outcome
            do {
                let response = try await client.send(attemptRequest)
                learn(from: response, locationId: locationId)
                outcome = .response(
                    status: response.status,
                    retryAfterSeconds: RetryPolicy.parseRetryAfter(response.header("Retry-After"), now: Date().timeIntervalSince1970))
                let decision = decide(request.method, attempt, outcome, deadline)
                guard case .retry(let delay) = decision else { return Result(response: response, attempts: attempt) }
                try await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            } catch let error as UpstreamError {
                failed(locationId)
                guard case .retry(let delay) = decide(request.method, attempt, .failure(error), deadline) else {
                    throw Failure(problem: error.gatewayError, attempts: attempt)
                }
                try await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            }
        }
    }

    /// The location's circuit breaker as it stands (for the console); `nil` before the location's first call.
    public func breaker(locationId: String) -> CircuitBreaker.State? {
        states.withLock { $0[locationId]?.breaker.state }
    }

    /// What is left of the location's window, for the response headers and metrics.
    public func remaining(locationId: String) -> Int? {
        let now = seconds(ContinuousClock.now)
        return states.withLock { $0[locationId]?.window?.remaining(now: now) }
    }

    // MARK: - Steps

    private func decide(
        _ method: String, _ attempt: Int, _ outcome: RetryPolicy.Outcome, _ deadline: ContinuousClock.Instant
    ) -> RetryPolicy.Decision {
        let remaining = deadline - ContinuousClock.now
        let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18
        return settings.retry.decide(
            method: method, attempt: attempt, outcome: outcome, remainingSeconds: seconds,
            random: Double.random(in: 0..<1))
    }

    private func admitThroughBreaker(_ locationId: String) throws {
        let now = seconds(ContinuousClock.now)
        let admission = states.withLock { states in
            states[locationId, default: newState()].breaker.admit(now: now)
        }
        if case .rejected(let retryAfter) = admission {
            throw GatewayError(
                status: 503, slug: "upstream-circuit-open", title: "Service Unavailable",
                detail: "HighLevel failed repeatedly for location '\(locationId)'; the gateway fails fast for a few "
                    + "seconds before it tries again.",
                headers: ["Retry-After": String(max(1, Int(retryAfter.rounded(.up))))])
        }
    }

    /// Takes a place in the location's window and daily budget, waiting for it in line if the deadline allows.
    /// Returns the window's grant (nil when shaping is off), to be finished when the attempt ends.
    private func waitForSlot(_ locationId: String, deadline: ContinuousClock.Instant) async throws -> Grant? {
        guard settings.limit != nil || settings.dailyLimit != nil else { return nil }
        let start = seconds(ContinuousClock.now)
        let queued: Swift.Result<UInt64?, GatewayError> = states.withLock { states in
            var state = states[locationId, default: newState()]
            defer { states[locationId] = state }
            if let dailyRetry = state.daily?.take(now: start) {
                return .failure(budgetExhausted(locationId, retryAfter: dailyRetry - start, daily: true))
            }
            guard state.window != nil else { return .success(nil) }
            guard state.waiting < settings.maxWaiting else {
                return .failure(budgetExhausted(locationId, retryAfter: settings.limit?.perSeconds ?? 1, daily: false))
            }
            state.waiting += 1
            return .success(state.window?.ticket())
        }
        guard let ticket = try queued.get() else { return nil }
        defer { states.withLock { $0[locationId]?.waiting -= 1 } }
        let latest = seconds(deadline)
        while true {
            let now = seconds(ContinuousClock.now)
            let acquisition = states.withLock { $0[locationId]?.window?.acquire(ticket, now: now) } ?? .granted(ticket)
            let retryAt: Double?
            switch acquisition {
            case .granted(let id):
                do {
                    return Grant(local: id, shared: try await takeSharedSlot(locationId, until: latest))
                } catch {
                    finish(id, locationId: locationId)
                    throw error
                }
            case .wait(let until):
                retryAt = until
            }
            if let retryAt, retryAt > latest {
                abandon(ticket, locationId: locationId)
                throw budgetExhausted(locationId, retryAfter: retryAt - now, daily: false)
            }
            if now >= latest {
                abandon(ticket, locationId: locationId)
                throw budgetExhausted(locationId, retryAfter: settings.limit?.perSeconds ?? 1, daily: false)
            }
            // A known time is slept to; otherwise the head waits for a request in flight to end: look again soon.
            let wake = min(retryAt ?? now + 0.02, latest)
            do {
                try await Task.sleep(until: epoch + .microseconds(Int64(wake * 1_000_000)), clock: .continuous)
            } catch {
                abandon(ticket, locationId: locationId)
                throw error
            }
        }
    }

    /// With several gateways on one store: the head of this gateway's line also takes a place in the location's
    /// shared window, waiting for one while the deadline allows; returns the place, to be finished when the attempt
    /// ends. A store that cannot be asked leaves this gateway's own window in charge (its requests fail closed at
    /// the audit gate anyway).
    private func takeSharedSlot(_ locationId: String, until latest: Double) async throws -> Int64? {
        guard let ledger, let limit = settings.limit else { return nil }
        while true {
            let slot: UpstreamSlot
            do {
                slot = try await ledger.takeUpstreamSlot(
                    locationId: locationId, limit: limit.count, window: limit.perSeconds, hold: Self.sharedSlotHold,
                    at: Date())
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                onLedgerFailure(error)
                return nil
            }
            let wait: Double
            switch slot {
            case .taken(let id): return id
            case .wait(let seconds): wait = seconds
            }
            let now = seconds(ContinuousClock.now)
            guard now + wait <= latest else {
                throw budgetExhausted(locationId, retryAfter: wait, daily: false)
            }
            try await Task.sleep(for: .milliseconds(Int64(wait * 1000) + 1))
        }
    }

    /// How long a shared place counts as in flight when its gateway never says the call ended: past any upstream
    /// timeout.
    static let sharedSlotHold: Double = 120

    /// The attempt in shared place `id` ended now; off the caller's path, which has its answer already.
    private func finishSharedSlot(_ id: Int64?) {
        guard let id, let ledger, let window = settings.limit?.perSeconds else { return }
        let end = Date()
        let onLedgerFailure = onLedgerFailure
        Task {
            do {
                try await ledger.finishUpstreamSlot(id: id, window: window, at: end)
            } catch {
                onLedgerFailure(error)
            }
        }
    }

    private func abandon(_ ticket: UInt64, locationId: String) {
        states.withLock { $0[locationId]?.window?.abandon(ticket) }
    }

    /// A place in this gateway's window, and in the shared one when gateways share a store.
    private struct Grant {
        let local: UInt64
        let shared: Int64?
    }

    private func finish(_ grant: UInt64, locationId: String) {
        let now = seconds(ContinuousClock.now)
        states.withLock { $0[locationId]?.window?.finish(grant, at: now) }
    }

    private func learn(from response: UpstreamResponse, locationId: String) {
        let now = seconds(ContinuousClock.now)
        let remaining = response.header("X-RateLimit-Remaining").flatMap { Int($0) }
        let dailyRemaining = response.header("X-RateLimit-Daily-Remaining").flatMap { Int($0) }
        let failure = [502, 503, 504].contains(response.status)
        states.withLock { states in
            guard var state = states[locationId] else { return }
            if let remaining { state.window?.observe(remaining: remaining, now: now) }
            if let dailyRemaining { state.daily?.observe(remaining: dailyRemaining, now: now) }
            if failure { state.breaker.recordFailure(now: now) } else { state.breaker.recordSuccess() }
            states[locationId] = state
        }
    }

    private func failed(_ locationId: String) {
        let now = seconds(ContinuousClock.now)
        states.withLock { $0[locationId]?.breaker.recordFailure(now: now) }
    }

    private func budgetExhausted(_ locationId: String, retryAfter: Double, daily: Bool) -> GatewayError {
        GatewayError(
            status: 429, slug: "upstream-budget-exhausted", title: "Too Many Requests",
            detail: daily
                ? "HighLevel's daily limit for location '\(locationId)' is used up."
                : "HighLevel's limit for location '\(locationId)' is used up for longer than this request may wait.",
            headers: ["Retry-After": String(max(1, Int(retryAfter.rounded(.up))))])
    }

    private func newState() -> LocationState {
        LocationState(
            window: settings.limit.map { SlidingWindowBudget(limit: $0.count, window: $0.perSeconds) },
            daily: settings.dailyLimit.map { DailyBudget(limit: $0) },
            breaker: CircuitBreaker(failureThreshold: settings.breakerThreshold, openDuration: settings.breakerOpenSeconds))
    }

    private func seconds(_ instant: ContinuousClock.Instant) -> Double {
        let elapsed = instant - epoch
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
