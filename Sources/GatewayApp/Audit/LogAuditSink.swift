import Foundation
import GatewayCore
import Logging

/// Writes each audit event as one structured log line. It stands in until the durable, hash-chained trail lands;
/// it never fails, so it never makes a request fail.
public struct LogAuditSink: AuditSink {
    private let logger: Logger

    public init(logger: Logger = Logger(label: "contacts-gateway.audit")) { self.logger = logger }

    public func record(_ event: AuditEvent) async throws {
        var metadata: Logger.Metadata = [
            "requestId": "\(event.requestId)", "method": "\(event.method)", "route": "\(event.route)",
            "status": "\(event.status)", "outcome": "\(event.outcome.rawValue)",
            "durationMs": "\(String(format: "%.2f", event.durationMs))",
            "upstreamAttempts": "\(event.upstreamAttempts)",
        ]
        if let keyId = event.keyId { metadata["keyId"] = "\(keyId)" }
        if let location = event.locationId { metadata["locationId"] = "\(location)" }
        if let contact = event.contactId { metadata["contactId"] = "\(contact)" }
        if let upstream = event.upstreamStatus { metadata["upstreamStatus"] = "\(upstream)" }
        logger.info("request", metadata: metadata)
    }
}
