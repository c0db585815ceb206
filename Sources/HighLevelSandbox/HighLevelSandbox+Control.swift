import Foundation
import Synchronization

/// `/_sandbox/` controls: the in-process API over HTTP, for tests and benchmarks in other processes.
/// These bodies are the sandbox's own (nothing of HighLevel's to imitate); they are never faulted
/// or rate limited and need no token.
extension HighLevelSandbox {
    func controlStats(_ call: SandboxCall) throws -> SandboxOutcome {
        let data = try JSONEncoder().encode(stats())
        return .json(200, try JSONDecoder().decode(JSONValue.self, from: data))
    }

    func controlAddFault(_ call: SandboxCall) throws -> SandboxOutcome {
        let fault: SandboxFault
        do {
            fault = try JSONDecoder().decode(SandboxFault.self, from: Data(call.body))
        } catch {
            throw SandboxFailure.oauth(400, "Invalid fault: \(error)")
        }
        guard fault.times > 0 else { throw SandboxFailure.oauth(400, "Invalid fault: times must be at least 1") }
        if let status = fault.status, !(100...599).contains(status) {
            throw SandboxFailure.oauth(400, "Invalid fault: status must be 100...599")
        }
        addFault(fault)
        let echoed = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(fault))
        return .json(201, ["fault": echoed])
    }

    func controlClearFaults(_ call: SandboxCall) throws -> SandboxOutcome {
        let count = state.withLock { s in
            let n = s.faults.count
            s.faults.removeAll()
            return n
        }
        return .json(200, ["cleared": .int(count)])
    }

    func controlPrivateToken(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        guard let locationId = body["locationId"]?.stringValue, !locationId.isEmpty else {
            throw SandboxFailure.oauth(400, "Missing parameter: locationId")
        }
        return .json(201, ["token": .string(issuePrivateIntegrationToken(locationId: locationId)), "locationId": .string(locationId)])
    }

    func controlLocationActive(_ call: SandboxCall) throws -> SandboxOutcome {
        let body = try call.jsonObject()
        guard let active = body["active"]?.boolValue else { throw SandboxFailure.oauth(400, "Missing parameter: active") }
        let locationId = call.parameter("locationId")
        setLocationActive(locationId, active)
        return .json(200, ["locationId": .string(locationId), "active": .bool(active)])
    }

    func controlExpireTokens(_ call: SandboxCall) throws -> SandboxOutcome {
        let locationId = call.parameter("locationId")
        return .json(200, ["locationId": .string(locationId), "expired": .int(expireAccessTokensCounting(locationId: locationId))])
    }

    /// The key a receiver verifies `X-GHL-Signature` with, and where events go now (`null`: none are sent).
    func controlWebhookPublicKey(_ call: SandboxCall) throws -> SandboxOutcome {
        .json(200, [
            "publicKey": .string(webhookPublicKey), "algorithm": "Ed25519",
            "webhookUrl": webhookURL.map(JSONValue.string) ?? .null,
        ])
    }
}
