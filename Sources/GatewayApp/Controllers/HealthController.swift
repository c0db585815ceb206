import Foundation
import GatewayCore
import Hummingbird
import NIOCore

/// `/healthz` (the process answers), `/readyz` (the store answers) and `/openapi.json`. None needs a key.
struct HealthController {
    let health: any StoreHealth
    /// The OpenAPI document, rendered once.
    let document: Data

    func addRoutes(to router: some RouterMethods<GatewayContext>) {
        router.on(.healthz) { _, _ in try JSONResponse.make(["status": "ok"]) }
        router.on(.readyz) { _, _ in
            do {
                try await health.ping()
            } catch {
                throw GatewayError.storeUnavailable("The store does not answer: \(error)")
            }
            return try JSONResponse.make(["status": "ready"])
        }
        let document = ByteBuffer(bytes: document)
        router.on(.openAPI) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: document))
        }
    }
}
