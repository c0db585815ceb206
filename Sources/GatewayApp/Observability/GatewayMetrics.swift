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
        let route = route ?? "unmatched"
        Counter(
            label: "gateway_requests_total",
            dimensions: [("route", route), ("status", String(status)), ("outcome", outcome)], factory: factory
        ).increment()
        Timer(label: "gateway_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
        if outcome == "rate_limited" {
            Counter(label: "gateway_rate_limited_total", dimensions: [("route", route)], factory: factory).increment()
        }
    }

    /// One HTTP exchange with HighLevel (`call` is `api` or `token`); `status` is `error` when no answer came.
    static func upstream(call: String, status: String, duration: Duration) {
        Counter(
            label: "gateway_upstream_requests_total", dimensions: [("call", call), ("status", status)],
            factory: factory
        ).increment()
        Timer(label: "gateway_upstream_duration_seconds", dimensions: [("call", call)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    static func tokenRefresh(failure: String?) {
        Counter(label: "gateway_token_refreshes_total", factory: factory).increment()
        if let failure {
            Counter(label: "gateway_token_refresh_failures_total", dimensions: [("reason", failure)], factory: factory)
                .increment()
        }
    }

    static func auditCommit(duration: Duration, failed: Bool) {
        Timer(label: "gateway_audit_commit_duration_seconds", factory: factory).recordNanoseconds(duration.nanoseconds)
        if failed { Counter(label: "gateway_audit_failures_total", factory: factory).increment() }
    }

    static func auditQueueDepth(_ depth: Int) {
        Gauge(label: "gateway_audit_queue_depth", factory: factory).record(depth)
    }

    static func upstreamBudget(locationId: String, remaining: Int) {
        Gauge(label: "gateway_upstream_budget_remaining", dimensions: [("location", locationId)], factory: factory)
            .record(remaining)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
