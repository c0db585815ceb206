import Foundation

/// Signing in to the console with a key, and recognising the session afterwards.
///
/// A session is only a pointer to its key: every request resolves the key again through the ``KeyDirectory``, so the
/// session ends at once when the key is revoked or expires (within the directory's one-second refresh when another
/// process revoked it), and its scopes are the key's as they are now, exactly as on the admin API.
public struct ConsoleSessions: Sendable {
    /// How long a session lasts at most, whatever the key's own expiry.
    public static let lifetime: TimeInterval = 12 * 3600

    /// A session just begun: the token for the cookie (shown nowhere else) and its form token.
    public struct Started: Sendable {
        public var token: String
        public var csrf: String
        public var principal: Principal
        public var session: ConsoleSession
    }

    /// A recognised session.
    public struct Current: Sendable {
        public var session: ConsoleSession
        public var principal: Principal
        public var csrf: String
    }

    private let repository: any ConsoleSessionRepository
    private let directory: KeyDirectory
    private let clock: any WallClock

    public init(repository: any ConsoleSessionRepository, directory: KeyDirectory, clock: any WallClock = SystemWallClock()) {
        self.repository = repository
        self.directory = directory
        self.clock = clock
    }

    /// Authenticates `key` (401 as on the API for a wrong, revoked or expired one) and stores a session for it.
    public func signIn(key: String) async throws -> Started {
        let principal = try await directory.authenticate(key.trimmingCharacters(in: .whitespacesAndNewlines))
        let token = RandomToken.alphanumeric(43)
        let now = clock.now()
        let session = ConsoleSession(
            tokenHash: ConsoleSession.hash(token), keyId: principal.keyId, createdAt: now,
            expiresAt: now.addingTimeInterval(Self.lifetime))
        try await repository.insertConsoleSession(session)
        return Started(token: token, csrf: ConsoleSession.csrfToken(for: token), principal: principal, session: session)
    }

    /// The session a cookie's token names, with its key as it is now; `nil` when there is none, it is over, or its
    /// key no longer authenticates (revoked, expired, its role deleted). A store that cannot be read throws.
    public func current(token: String?) async throws -> Current? {
        guard let token, !token.isEmpty, token.utf8.count <= 128 else { return nil }
        guard let session = try await repository.consoleSession(tokenHash: ConsoleSession.hash(token), now: clock.now())
        else { return nil }
        do {
            let principal = try await directory.principal(keyId: session.keyId)
            return Current(session: session, principal: principal, csrf: ConsoleSession.csrfToken(for: token))
        } catch let error as GatewayError where error.status == 401 {
            // The key is gone: so is every session of it.
            try await repository.deleteConsoleSession(tokenHash: session.tokenHash)
            return nil
        }
    }

    /// Ends the session a cookie's token names (sign-out).
    public func signOut(token: String?) async throws {
        guard let token, !token.isEmpty, token.utf8.count <= 128 else { return }
        try await repository.deleteConsoleSession(tokenHash: ConsoleSession.hash(token))
    }
}
