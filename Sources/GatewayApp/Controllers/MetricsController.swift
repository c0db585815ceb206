import Foundation
import GatewayCore
import Hummingbird
import NIOCore
import Prometheus

/// `GET /metrics`: Prometheus text, no key needed. Gauges that are states (the audit queue, the upstream budget
/// left per location) are read at scrape time.
struct MetricsController {
    let audit: any AuditSink
    let connections: ConnectionAdministration
    let upstreamCaller: UpstreamCaller

    func addRoutes(to router: some RouterMethods<GatewayContext>) {
        router.on(.metrics) { _, _ in
            if let trail = audit as? AuditTrail { GatewayMetrics.auditQueueDepth(trail.queueDepth) }
            if let all = try? await connections.list(by: .operator) {
                for connection in all {
                    if let remaining = upstreamCaller.remaining(locationId: connection.locationId) {
                        GatewayMetrics.upstreamBudget(locationId: connection.locationId, remaining: remaining)
                    }
                }
            }
            let bytes = GatewayMetrics.registry.emitToBuffer()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
