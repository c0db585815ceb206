/// Where the pipeline hands each request's audit record. The durable, hash-chained trail implements this;
/// `record` returns once the event is as durable as the configured durability promises.
public protocol AuditSink: Sendable {
    func record(_ event: AuditRecord) async throws
    /// Throws when a record could not be written now: the gateway then refuses before acting (fail closed).
    func ensureWritable() async throws
    /// Returns once everything recorded so far has been written (or has failed).
    func flush() async
}

extension AuditSink {
    public func ensureWritable() async throws {}
    public func flush() async {}
}
