import Foundation

/// One attempt to hand a delivery to its subscriber: a signed `POST` (Standard Webhooks headers), at most `timeout`
/// long, redirects not followed (the client follows none), and its answer sorted into a ``DeliveryProgress/Outcome``.
public struct DeliveryAttempt: Sendable {
    public let deliveryId: String
    public let url: SubscriptionURL
    public let body: [UInt8]
    public let signer: StandardWebhookSigner
    public let timeout: Duration

    public init(deliveryId: String, url: SubscriptionURL, body: [UInt8], signer: StandardWebhookSigner, timeout: Duration) {
        self.deliveryId = deliveryId
        self.url = url
        self.body = body
        self.signer = signer
        self.timeout = timeout
    }

    /// The request, signed for `now`; every attempt has the same `webhook-id` and a new timestamp.
    public func request(at now: Date) -> UpstreamRequest {
        let timestamp = Int64(now.timeIntervalSince1970.rounded(.down))
        return UpstreamRequest(
            method: "POST", url: url.description,
            headers: [
                ("Content-Type", "application/json"),
                ("User-Agent", "ContactsGateway-Webhooks"),
                ("webhook-id", deliveryId),
                ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", signer.signature(id: deliveryId, timestamp: timestamp, body: body)),
            ],
            body: body, timeout: timeout)
    }

    public func send(through client: some UpstreamClient, at now: Date) async -> DeliveryProgress.Outcome {
        let response: UpstreamResponse
        do {
            response = try await client.send(request(at: now))
        } catch let error as UpstreamError {
            return .noAnswer(error.kind == .timeout ? "no answer within \(DurationText.text(timeout))" : error.message)
        } catch {
            return .noAnswer("\(error)")
        }
        var retryAfter: Duration?
        if response.status == 429 || response.status == 503,
            let seconds = RetryPolicy.parseRetryAfter(response.header("Retry-After"), now: now.timeIntervalSince1970)
        {
            retryAfter = .milliseconds(Int64((seconds * 1000).rounded()))
        }
        return .answered(status: response.status, retryAfter: retryAfter)
    }
}
