import Foundation

/// Connecting and disconnecting HighLevel locations: the one implementation behind the CLI and the admin API.
public struct ConnectionAdministration: Sendable {
    public struct AuthorizeLink: Sendable, Equatable, Codable {
        public var authorizeUrl: String
        public var state: String
        public var expiresAt: Date
    }

    private let connections: any ConnectionRepository
    private let states: any AuthorizationStateRepository
    private let settings: OAuthSettings
    private let endpoint: any TokenEndpoint
    private let clock: any WallClock
    /// Checks private integration tokens with HighLevel; `nil` where the gateway has no way upstream.
    private let tokenCheck: PrivateTokenCheck?
    /// How long an admin has to finish the consent screen.
    public var stateLifetime: TimeInterval = 15 * 60

    public init(
        connections: any ConnectionRepository, states: any AuthorizationStateRepository, settings: OAuthSettings,
        endpoint: any TokenEndpoint, tokenCheck: PrivateTokenCheck? = nil, clock: any WallClock = SystemWallClock()
    ) {
        self.tokenCheck = tokenCheck
        self.connections = connections
        self.states = states
        self.settings = settings
        self.endpoint = endpoint
        self.clock = clock
    }

    /// Issues a one-time `state` and the HighLevel address that carries it. With `locationId`, the state is bound to
    /// that location: a code that grants another one is refused. A key limited to some locations must name one of
    /// them, or it could connect (and replace) any location.
    public func authorizeLink(locationId: String? = nil, by actor: AdministrativeActor) async throws -> AuthorizeLink {
        // Only the id goes into the address; the secret is the callback's business (the token endpoint needs it).
        try requireClient()
        let (state, expiresAt) = try await issueState(locationId: locationId, by: actor)
        return AuthorizeLink(authorizeUrl: settings.authorizeAddress(state: state), state: state, expiresAt: expiresAt)
    }

    /// For the command line, which works on the database and not with the server's OAuth settings: a state, and the
    /// address of the gateway's own `/oauth/start` that sends the browser on to HighLevel with the server's client
    /// id, consent page and redirect URL (`consentAddress`). `gateway` is the gateway as a browser reaches it.
    public func startLink(gateway: String, locationId: String? = nil, by actor: AdministrativeActor) async throws
        -> AuthorizeLink
    {
        var base = gateway
        while base.hasSuffix("/") { base.removeLast() }
        let (state, expiresAt) = try await issueState(locationId: locationId, by: actor)
        return AuthorizeLink(authorizeUrl: base + "/oauth/start?state=" + state, state: state, expiresAt: expiresAt)
    }

    /// `GET /oauth/start?state=…`: HighLevel's consent page for a state issued by `startLink`. The state is checked
    /// only for its shape here; the callback checks that it is known, unused and unexpired, as for any state.
    public func consentAddress(state: String?) throws -> String {
        guard let state, (1...256).contains(state.utf8.count),
            state.utf8.allSatisfy({ $0 < 0x80 && (Character(UnicodeScalar($0)).isLetter || Character(UnicodeScalar($0)).isNumber) })
        else {
            throw GatewayError.badRequest(
                "The address has no valid 'state'. Start again with `contacts-gateway connections authorize-url`.")
        }
        try requireClient()
        return settings.authorizeAddress(state: state)
    }

    private func requireClient() throws {
        guard let clientId = settings.clientId, !clientId.isEmpty else {
            throw GatewayError.badRequest(
                "No OAuth client is configured on this gateway: set GATEWAY_CLIENT_ID and GATEWAY_CLIENT_SECRET for "
                    + "`serve` (serve --sandbox sets its own), or use `connections add-token` with a private "
                    + "integration token.")
        }
    }

    private func issueState(locationId: String?, by actor: AdministrativeActor) async throws -> (String, Date) {
        if let locationId, !PathIdentifier.isValid(locationId) {
            throw GatewayError.badRequest("The location id must be \(PathIdentifier.rule).")
        }
        try actor.requireAuthority(
            over: [], locations: locationId.map { [$0] }, to: "start an authorization")
        let now = clock.now()
        let state = RandomToken.alphanumeric(32)
        let stored = AuthorizationState(
            stateHash: AuthorizationState.hash(state), locationId: locationId, createdAt: now,
            expiresAt: now.addingTimeInterval(stateLifetime))
        try await states.insertAuthorizationState(stored)
        return (state, stored.expiresAt)
    }

    /// Finishes an authorization: the state must be known, unused and unexpired, or nothing is stored.
    public func completeAuthorization(code: String?, state: String?) async throws -> Connection {
        guard let state, !state.isEmpty, state.count <= 256 else {
            throw GatewayError.badRequest("The callback has no 'state'. Start again with `connections authorize-url`.")
        }
        guard let code, !code.isEmpty, code.count <= 4096 else {
            throw GatewayError.badRequest("The callback has no 'code'. Start again with `connections authorize-url`.")
        }
        guard let started = try await states.consumeAuthorizationState(hash: AuthorizationState.hash(state), now: clock.now())
        else {
            throw GatewayError.badRequest(
                "The 'state' is unknown, expired or already used. Start again with `connections authorize-url`.")
        }
        let grant: TokenGrant
        do {
            grant = try await endpoint.exchange(code: code)
        } catch {
            switch error {
            case .transient(let message):
                throw GatewayError.upstreamUnreachable("HighLevel's token endpoint failed: \(message). Start again.")
            case .invalidGrant(let message), .locationNotActive(let message), .rejected(_, let message):
                throw GatewayError.badRequest("HighLevel refused the authorization code: \(message). Start again.")
            }
        }
        guard let locationId = grant.locationId, PathIdentifier.isValid(locationId) else {
            throw GatewayError.upstreamUnreachable(
                "HighLevel granted a token without a location (userType \(grant.userType ?? "unknown")); "
                    + "the gateway connects sub-accounts (locations) only.")
        }
        if let expected = started.locationId, expected != locationId {
            throw GatewayError.badRequest(
                "This authorization was started for location '\(expected)', but HighLevel granted '\(locationId)'; "
                    + "nothing was stored. Start again and choose '\(expected)', or start without --location.")
        }
        guard let refreshToken = grant.refreshToken else {
            throw GatewayError.upstreamUnreachable("HighLevel granted no refresh token; the connection would not last.")
        }
        let now = clock.now()
        return try await connections.save(
            Connection(
                locationId: locationId, kind: .oauth, accessToken: grant.accessToken, refreshToken: refreshToken,
                accessTokenIssuedAt: now, accessTokenExpiresAt: now.addingTimeInterval(TimeInterval(grant.expiresInSeconds)),
                scope: grant.scope, companyId: grant.companyId, userId: grant.userId, createdAt: now, updatedAt: now))
    }

    /// Stores a private integration token for a location. HighLevel is asked first whether the token works there
    /// (`verify`; `PrivateTokenCheck`), and a location that is connected already keeps its connection unless
    /// `replace` says to replace it (409 otherwise): a typo in the location must not overwrite another one's token.
    public func addPrivateToken(
        locationId: String, token: String, replace: Bool = false, verify: Bool = true, by actor: AdministrativeActor
    ) async throws -> Connection {
        guard PathIdentifier.isValid(locationId) else {
            throw GatewayError.badRequest("The location id must be \(PathIdentifier.rule).")
        }
        try actor.requireLocation(locationId, to: "connect the location")
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 4096,
            trimmed.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw GatewayError.badRequest("The token must be 1 to 4096 visible ASCII characters.")
        }
        if !replace, let existing = try await connections.connection(locationId: locationId) {
            throw GatewayError.conflict(
                "Location '\(locationId)' is connected already (\(existing.kind.rawValue)); nothing was changed. "
                    + "Replace its connection with --replace (API: \"replace\": true).")
        }
        if verify {
            guard let tokenCheck else {
                throw GatewayError.internalError("This gateway cannot check tokens with HighLevel; use --no-verify.")
            }
            try await tokenCheck.verify(locationId: locationId, token: trimmed)
        }
        let now = clock.now()
        return try await connections.save(
            Connection(locationId: locationId, kind: .privateToken, accessToken: trimmed, createdAt: now, updatedAt: now))
    }

    public func remove(locationId: String, by actor: AdministrativeActor) async throws {
        try actor.requireLocation(locationId, to: "remove the connection")
        guard try await connections.removeConnection(locationId: locationId) else {
            throw GatewayError.notFound("No connection for location '\(locationId)'.")
        }
    }

    /// Every connection, or for a key limited to some locations, those of its locations.
    public func list(by actor: AdministrativeActor) async throws -> [Connection] {
        let all = try await connections.connections()
        guard let own = actor.locations else { return all }
        return all.filter { own.contains($0.locationId) }
    }
}
