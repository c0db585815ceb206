import GatewayCore

/// Fail closed: the gateway does not act (call HighLevel, exchange a code) on a request its trail could not record.
struct AuditGate: Sendable {
    let audit: any AuditSink

    /// Refuses (503) before acting on a request that the audit trail could not record.
    func requireWritable() async throws {
        do {
            try await audit.ensureWritable()
        } catch {
            throw GatewayError.storeUnavailable(
                "The audit trail cannot record requests right now (its store is locked, read-only or full), so the "
                    + "gateway does not act on this one. Try again shortly; if it persists, an admin must check the store.")
        }
    }
}
