/// Where the pipeline hands each request's audit record. The durable, hash-chained trail implements this;
/// `record` returns once the event is as durable as the configured durability promises.
public protocol AuditSink: Sendable {
    func record(_ event: AuditEvent) async throws
}
