import Metrics
import Prometheus

/// The gateway's metrics, in one Prometheus registry per process.
///
/// Tests run many gateways in one process and `MetricsSystem.bootstrap` may run only once, so the registry is a
/// process-wide lazy value (Swift runs a static's initializer exactly once): the first use bootstraps the metrics
/// system with it, so libraries that emit through swift-metrics land in `/metrics` too, and every metric here is made
/// with the registry's factory explicitly.
public enum GatewayMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(makeFactory(registry))
        return registry
    }()

    static let factory: PrometheusMetricsFactory = makeFactory(registry)

    private static func makeFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
        ]
        return factory
    }

    /// One request the edge answered: `route` is the template (never the raw path, whose ids would explode the
    /// label set), or `unmatched`.
    static func request(route: String?, status: Int, outcome: String, duration: Duration) {
        let labels = RequestLabels(route: route ?? "unmatched", status: status, outcome: outcome)
        let handles = requestHandles.get(labels, make: RequestHandles.init)
        handles.count.increment()
        handles.duration.recordNanoseconds(duration.nanoseconds)
        handles.rateLimited?.increment()
    }

    /// One HTTP exchange with HighLevel (`call` is `api` or `token`); `status` is `error` when no answer came.
    static func upstream(call: String, status: String, duration: Duration) {
        let handles = upstreamHandles.get(UpstreamLabels(call: call, status: status), make: UpstreamHandles.init)
        handles.count.increment()
        handles.duration.recordNanoseconds(duration.nanoseconds)
    }

    static func tokenRefresh(failure: String?) {
        Counter(label: "gateway_token_refreshes_total", factory: factory).increment()
        if let failure {
            Counter(label: "gateway_token_refresh_failures_total", dimensions: [("reason", failure)], factory: factory)
                .increment()
        }
    }

    /// A refresh token spent by an attempt whose answer was lost: its location needs authorizing again. Alert on it.
    /// One delivery attempt: `delivered`, `retry` (it will be tried again), `dead` or `disabled` (a 410).
    static func deliveryAttempt(outcome: String, duration: Duration) {
        Counter(label: "gateway_webhook_delivery_attempts_total", dimensions: [("outcome", outcome)], factory: factory)
            .increment()
        Metrics.Timer(label: "gateway_webhook_delivery_duration_seconds", factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    /// One reconciliation pass over one location (`finished` or `failed`), and the changes it found without an event.
    static func reconciliationPass(outcome: String, found: Int) {
        Counter(label: "gateway_reconcile_passes_total", dimensions: [("outcome", outcome)], factory: factory)
            .increment()
        Counter(label: "gateway_reconcile_found_total", factory: factory).increment(by: found)
    }

    /// A key's decision that could not ask the shared rate ledger (PostgreSQL away).
    static func rateLedgerFailure() {
        Counter(label: "gateway_rate_ledger_failures_total", factory: factory).increment()
    }

    static func outbox(pending: Int, oldestPendingAge: Double) {
        Gauge(label: "gateway_webhook_outbox_pending", factory: factory).record(pending)
        Gauge(label: "gateway_webhook_outbox_oldest_pending_seconds", factory: factory).record(oldestPendingAge)
    }

    static func refreshAnswerLost() {
        Counter(label: "gateway_token_refresh_answers_lost_total", factory: factory).increment()
    }

    static func auditCommit(duration: Duration, failed: Bool) {
        auditCommitTimer.recordNanoseconds(duration.nanoseconds)
        if failed { Counter(label: "gateway_audit_failures_total", factory: factory).increment() }
    }

    static func auditQueueDepth(_ depth: Int) {
        Gauge(label: "gateway_audit_queue_depth", factory: factory).record(depth)
    }

    /// A connection reset on arrival: all `GATEWAY_MAX_CONNECTIONS` were taken.
    static func connectionRefused() {
        connectionsRefused.increment()
    }

    /// A request whose `part` (`head` or `body`) came too late; its connection was closed for it.
    static func requestReadTimeout(part: String) {
        Counter(label: "gateway_request_read_timeouts_total", dimensions: [("part", part)], factory: factory).increment()
    }

    static func upstreamBudget(locationId: String, remaining: Int) {
        Gauge(label: "gateway_upstream_budget_remaining", dimensions: [("location", locationId)], factory: factory)
            .record(remaining)
    }
}

extension GatewayMetrics {
    // Every request records four metrics. Asking the factory for each one anew validated and looked up its name and
    // labels under the registry's lock every time (about 3% of the gateway's CPU in `bench/run`'s profile); the
    // handles are kept instead, one set per label combination, which the route table and status codes keep few.
    struct RequestLabels: Hashable, Sendable {
        var route: String
        var status: Int
        var outcome: String
    }

    struct RequestHandles: Sendable {
        let count: Metrics.Counter
        let duration: Metrics.Timer
        let rateLimited: Metrics.Counter?

        init(_ labels: RequestLabels) {
            count = Metrics.Counter(
                label: "gateway_requests_total",
                dimensions: [("route", labels.route), ("status", String(labels.status)), ("outcome", labels.outcome)],
                factory: factory)
            duration = Metrics.Timer(
                label: "gateway_request_duration_seconds", dimensions: [("route", labels.route)], factory: factory)
            rateLimited = labels.outcome == "rate_limited"
                ? Metrics.Counter(
                    label: "gateway_rate_limited_total", dimensions: [("route", labels.route)], factory: factory)
                : nil
        }
    }

    struct UpstreamLabels: Hashable, Sendable {
        var call: String
        var status: String
    }

    struct UpstreamHandles: Sendable {
        let count: Metrics.Counter
        let duration: Metrics.Timer

        init(_ labels: UpstreamLabels) {
            count = Metrics.Counter(
                label: "gateway_upstream_requests_total",
                dimensions: [("call", labels.call), ("status", labels.status)], factory: factory)
            duration = Metrics.Timer(
                label: "gateway_upstream_duration_seconds", dimensions: [("call", labels.call)], factory: factory)
        }
    }

    static let requestHandles = MetricHandles<RequestLabels, RequestHandles>()
    static let upstreamHandles = MetricHandles<UpstreamLabels, UpstreamHandles>()
    static let auditCommitTimer = Metrics.Timer(label: "gateway_audit_commit_duration_seconds", factory: factory)
    // Kept: a flood of refused connections must not take the registry's lock for each one.
    static let connectionsRefused = Metrics.Counter(label: "gateway_connections_refused_total", factory: factory)
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
