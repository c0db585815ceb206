import Foundation
import GatewayCore
import Logging
import ServiceLifecycle

/// Signs a checkpoint of the audit trail every `GATEWAY_AUDIT_CHECKPOINT_INTERVAL` while the server runs, and a last
/// one at graceful shutdown, once the trail has written everything the server recorded.
///
/// A round that changes nothing writes nothing (the store compares with the checkpoint written last). A round that
/// fails, or that the store refuses because the trail contradicts a signed checkpoint, is logged and never stops the
/// server: the records are still committed, and `audit verify` names what is wrong.
struct AuditCheckpointService: Service, CustomStringConvertible {
    let audit: any AuditRepository
    /// The trail whose queue is flushed before the last checkpoint.
    let trail: any AuditSink
    let signer: AuditCheckpointSigner
    let node: String
    let interval: Duration
    let clock: any WallClock
    let logger: Logger

    /// What ServiceLifecycle logs for it: the schedule and the key, never the signer's insides.
    var description: String { "AuditCheckpointService(every \(interval) as \(node), \(signer.publicKey.verifierKey))" }

    func run() async throws {
        // Returning before the shutdown would stop the whole server (ServiceGroup treats it as a failure).
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                await checkpoint(when: "interval")
            }
        }
        // Shutting down gracefully (not cancelled outright): the server has stopped and answered its requests.
        guard !Task.isCancelled else { return }
        await trail.flush()
        await checkpoint(when: "shutdown")
    }

    @discardableResult
    func checkpoint(when: String) async -> AuditCheckpointRound? {
        let nowMs = ISOTime.milliseconds(clock.now())
        do {
            let round = try await audit.signAuditCheckpoint(signer: signer, node: node, nowMs: nowMs)
            switch round.plan {
            case .sign(let checkpoint):
                let level: Logger.Level = when == "shutdown" ? .info : .debug
                logger.log(level: level, "audit checkpoint signed", metadata: [
                    "seq": "\(checkpoint.seq)", "when": "\(when)", "id": "\(round.id.map(String.init) ?? "-")",
                ])
            case .refuse(let reason):
                logger.error(
                    "audit checkpoint not signed: the trail contradicts what was signed before; run contacts-gateway audit verify",
                    metadata: ["reason": "\(reason)", "when": "\(when)"])
            case .empty, .unchanged: break
            }
            return round
        } catch {
            logger.warning("audit checkpoint failed", metadata: ["error": "\(error)", "when": "\(when)"])
            return nil
        }
    }
}
