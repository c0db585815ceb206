import Foundation
import GatewayCore
import GatewaySQLite
import Hummingbird
import NIOCore

/// `/healthz` (the process answers), `/readyz` (the store answers) and `/openapi.json`. None needs a key.
struct HealthController {
    let gateway: Gateway

    func addRoutes(to router: Router<GatewayContext>) {
        router.get("/healthz") { _, context in
            context.note.update { $0.route = "GET /healthz" }
            return try JSONResponse.make(["status": "ok"])
        }
        router.get("/readyz") { _, context in
            context.note.update { $0.route = "GET /readyz" }
            do {
                try await gateway.store.ping()
            } catch {
                throw GatewayError.storeUnavailable("The store does not answer: \(error)")
            }
            return try JSONResponse.make(["status": "ready"])
        }
        let document = (try? JSONSerialization.data(
            withJSONObject: OpenAPIDocument.render(gateway.routes), options: [.sortedKeys])) ?? Data("{}".utf8)
        router.get("/openapi.json") { _, context in
            context.note.update { $0.route = "GET /openapi.json" }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
    }
}
