import Crypto
import Foundation

/// One try at spending a connection's refresh token, journaled (committed) before the token endpoint is called.
///
/// HighLevel's refresh tokens are single-use: a call that reached HighLevel spent the token whether or not its answer
/// came back. The journal lets any node tell, after a crash or on `invalid_grant`, whether the token was rotated by
/// someone (the stored generation moved on) or spent by an attempt whose answer was lost (no one can recover that).
public struct RefreshAttempt: Sendable, Equatable {
    /// How an attempt ended; `nil` while it is in flight, and for ever when its node died during the call.
    public enum Outcome: String, Sendable, CaseIterable {
        /// The new pair was committed.
        case rotated
        /// HighLevel answered `invalid_grant`: this attempt spent nothing.
        case refused
        /// The call failed without an answer that says whether the token was spent (a timeout, a lost connection,
        /// a 5xx): it may have been.
        case failed
    }

    public var id: String
    public var locationId: String
    /// The connection's generation whose refresh token is spent: the fencing token. A pair is committed only over
    /// this generation, so a late node cannot overwrite a newer pair.
    public var generation: Int64
    /// SHA-256 of the refresh token spent, hex: recognises the token without keeping it.
    public var tokenHash: String
    public var node: String
    public var startedAt: Date
    /// Until when the other nodes leave this refresh to this attempt: the token call's timeout and a margin. A node
    /// that dies holds the others up until then at most.
    public var leaseUntil: Date
    public var outcome: Outcome?
    public var finishedAt: Date?

    public init(
        id: String = UUID().uuidString.lowercased(), locationId: String, generation: Int64, tokenHash: String,
        node: String, startedAt: Date, leaseUntil: Date, outcome: Outcome? = nil, finishedAt: Date? = nil
    ) {
        self.id = id
        self.locationId = locationId
        self.generation = generation
        self.tokenHash = tokenHash
        self.node = node
        self.startedAt = startedAt
        self.leaseUntil = leaseUntil
        self.outcome = outcome
        self.finishedAt = finishedAt
    }

    /// The journal's name for a refresh token.
    public static func hash(refreshToken: String) -> String {
        SHA256.hash(data: Data(refreshToken.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether this attempt may have spent its token without anyone learning the answer.
    public var mayHaveSpentUnanswered: Bool { outcome == nil || outcome == .failed }
}

/// What a claim on a refresh got.
public enum RefreshClaim: Sendable, Equatable {
    /// Journaled: this attempt calls the token endpoint.
    case granted
    /// Another attempt on the same generation holds an unexpired lease: wait for its pair (or its lease's end).
    case held(by: RefreshAttempt)
    /// The stored connection is no longer at the claimed generation (rotated or replaced): read it again.
    case superseded
}

/// Where refresh attempts are journaled and leased. Every store implements it, so gateways sharing one store (a
/// PostgreSQL database, or an SQLite file on one machine) spend each refresh token once.
public protocol RefreshJournal: Sendable {
    /// In one transaction: grants and journals `attempt` if the connection is still at `attempt.generation` and no
    /// other attempt on that generation holds a lease unexpired at `now`.
    func claimRefresh(_ attempt: RefreshAttempt, now: Date) async throws -> RefreshClaim
    /// Records how an attempt ended (and so ends its lease).
    func finishRefresh(id: String, outcome: RefreshAttempt.Outcome, at date: Date) async throws
    /// A location's attempts, newest first.
    func refreshAttempts(locationId: String, limit: Int) async throws -> [RefreshAttempt]
}
