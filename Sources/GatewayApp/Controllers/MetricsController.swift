import Foundation
import GatewayCore
import Hummingbird
import NIOCore
import Prometheus

/// `GET /metrics`: Prometheus text, no key needed. Gauges that are states (the audit queue, the upstream budget
/// left per location) are read at scrape time.
struct MetricsController {
    let gateway: Gateway

    func addRoutes(to router: Router<GatewayContext>) {
        router.get("/metrics") { _, context in
            context.note.update { $0.route = "GET /metrics" }
            if let trail = gateway.audit as? AuditTrail { GatewayMetrics.auditQueueDepth(trail.queueDepth) }
            if let connections = try? await gateway.connections.list(by: .operator) {
                for connection in connections {
                    if let remaining = gateway.upstreamCaller.remaining(locationId: connection.locationId) {
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
