import CurlHTTP
import Crypto
import Foundation
import Logging
import Synchronization

/// Sends the sandbox's webhook events as HighLevel does (highlevel-api.md §6.1, §6.3): a POST of the compact JSON
/// event, `X-GHL-Signature` the base64 Ed25519 signature over exactly those bytes, sent again only when the
/// receiver answers 429; any other answer, or none, is final and the event is lost, as with HighLevel.
///
/// Events wait in a bounded queue that one task drains, so a request through the API never waits for the
/// receiver, and a receiver that is down or slow never blocks or fails the sandbox: it only delays (and, past the
/// queue's bound, drops) events. A 429's resend is scheduled apart, so it holds up no later event.
final class SandboxWebhookSender: Sendable {
    /// The raw 32 bytes of the public key, which a receiver verifies `X-GHL-Signature` with.
    let publicKey: [UInt8]
    // Raw bytes rather than swift-crypto's key type, which is not Sendable; the key is rebuilt per signature.
    private let privateKey: Data
    private let retryDelays: [Duration]
    private let timeout: Duration
    private let url: Mutex<String?>
    private let queue: AsyncStream<Pending>.Continuation
    /// Made on the first event: a sandbox that never sends one starts no libcurl thread.
    private let client = Mutex<CurlHTTPClient?>(nil)
    private let tally = Mutex(SandboxWebhookStats())
    private let logger: Logger

    /// How many events may wait to be sent; past it, new ones are dropped (and counted).
    static let queueBound = 1000

    private struct Pending: Sendable {
        let url: String
        let body: [UInt8]
    }

    init(url: String?, retryDelays: [Duration], timeout: Duration) {
        let key = Curve25519.Signing.PrivateKey()
        self.privateKey = key.rawRepresentation
        self.publicKey = Array(key.publicKey.rawRepresentation)
        self.retryDelays = retryDelays
        self.timeout = timeout
        self.url = Mutex(url)
        var logger = Logger(label: "HighLevelSandbox.webhooks")
        logger.logLevel = .warning
        self.logger = logger
        let (stream, continuation) = AsyncStream.makeStream(
            of: Pending.self, bufferingPolicy: .bufferingOldest(Self.queueBound))
        self.queue = continuation
        // Weak: the sandbox's deinit finishes the stream, which ends this task; it must not keep the sender alive.
        Task { [weak self] in
            for await pending in stream {
                guard let self else { return }
                await self.send(pending, attempt: 0)
            }
        }
    }

    deinit {
        queue.finish()
        client.withLock { $0?.shutdown() }
    }

    var webhookURL: String? {
        get { url.withLock { $0 } }
        set { url.withLock { $0 = newValue } }
    }

    var stats: SandboxWebhookStats { tally.withLock { $0 } }

    /// Queues one event for the URL set now; nothing when no URL is set. Never waits.
    func enqueue(_ event: JSONValue) {
        guard let url = webhookURL else { return }
        let body = Array(event.serialized().utf8)
        switch queue.yield(Pending(url: url, body: body)) {
        case .enqueued:
            tally.withLock { $0.queued += 1 }
        case .dropped, .terminated:
            tally.withLock { $0.dropped += 1 }
            logger.warning("webhook event dropped: the queue is full", metadata: ["url": "\(url)"])
        @unknown default:
            tally.withLock { $0.dropped += 1 }
        }
    }

    /// The base64 Ed25519 signature over `body`, as `X-GHL-Signature` carries it.
    func signature(_ body: [UInt8]) -> String {
        // The key's bytes came from a key made in init, so rebuilding it cannot fail.
        let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: privateKey)
        // Signing fails only on a broken random source; without a signature there is nothing to send.
        return (try? key.signature(for: body))?.base64EncodedString() ?? ""
    }

    private func httpClient() throws -> CurlHTTPClient {
        try client.withLock { client in
            if let client { return client }
            let made = try CurlHTTPClient()
            client = made
            return made
        }
    }

    private func send(_ pending: Pending, attempt: Int) async {
        let request = CurlRequest(
            method: "POST", url: pending.url,
            headers: [("Content-Type", "application/json"), ("X-GHL-Signature", signature(pending.body))],
            body: pending.body, timeout: timeout, connectTimeout: min(timeout, .seconds(2)))
        let status: Int
        do {
            status = try await httpClient().execute(request).status
        } catch {
            tally.withLock { $0.undelivered += 1 }
            logger.warning("webhook event not delivered: no answer", metadata: ["url": "\(pending.url)", "error": "\(error)"])
            return
        }
        if status == 429, attempt < retryDelays.count {
            tally.withLock { $0.retried += 1 }
            let delay = retryDelays[attempt]
            // Apart from the queue's task, so that the wait holds up no later event.
            Task { [weak self] in
                try? await Task.sleep(for: delay)
                await self?.send(pending, attempt: attempt + 1)
            }
            return
        }
        if (200..<300).contains(status) {
            tally.withLock { $0.delivered += 1 }
        } else {
            tally.withLock { $0.undelivered += 1 }
            logger.warning("webhook event not delivered", metadata: ["url": "\(pending.url)", "status": "\(status)"])
        }
    }
}
