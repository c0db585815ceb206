import GatewayCore
import GatewaySQLite
import Hummingbird

/// `/healthz` (the process answers) and `/readyz` (the store answers). Neither needs a key.
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
    }
}
