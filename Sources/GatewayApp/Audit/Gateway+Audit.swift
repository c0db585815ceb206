import GatewayCore

extension Gateway {
    /// Refuses (503) before the gateway acts on a request that its audit trail could not record.
    func requireAuditWritable() async throws {
        do {
            try await audit.ensureWritable()
        } catch {
            throw GatewayError.storeUnavailable(
                "The audit trail cannot record requests right now (its store is locked, read-only or full), so the "
                    + "gateway does not act on this one. Try again shortly; if it persists, an admin must check the store.")
        }
    }
}
