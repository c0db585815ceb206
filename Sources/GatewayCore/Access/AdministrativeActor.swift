/// Who performs an administrative change, and so how far it may reach.
///
/// A key acting through the admin API (or the console) may hand out, and act on, only what it holds itself: keys
/// whose role's scopes are a subset of its own and whose locations lie within its own, roles whose scopes it holds,
/// connections of its own locations. Without that rule a key with only `keys.manage` could mint an `admin` key.
///
/// The operator is whoever runs a CLI command on the database: they hold the store (and its secret) and could change
/// any row, so no check here would stop them; the CLI acts as the operator, and so does the gateway for itself
/// (`serve --sandbox` making its first admin key, `/metrics` reading every connection).
public enum AdministrativeActor: Sendable, Equatable {
    case `operator`
    case key(Principal)

    /// Refuses (403, naming what is missing) a key that would reach beyond its own scopes or locations.
    ///
    /// `scopes` and `locations` describe what is handed out or acted on (`locations == nil`: every location);
    /// `what` names it for the message, e.g. "create a key with role 'admin'".
    public func requireAuthority(
        over scopes: Set<Scope>, locations: [String]?, to what: String
    ) throws(GatewayError) {
        guard case .key(let principal) = self else { return }
        let missing = scopes.subtracting(principal.role.scopes)
        if !missing.isEmpty {
            throw .beyondAuthority(
                "This key cannot \(what): its role '\(principal.role.name)' lacks "
                    + missing.sorted().map { "'\($0.rawValue)'" }.joined(separator: ", ") + ".")
        }
        guard let own = principal.locations else { return }
        guard let locations else {
            throw .beyondAuthority(
                "This key cannot \(what) for every location: it is itself limited to \(own.joined(separator: ", ")).")
        }
        let outside = locations.filter { !own.contains($0) }
        if !outside.isEmpty {
            throw .beyondAuthority(
                "This key cannot \(what) for \(outside.joined(separator: ", ")): it is limited to "
                    + "\(own.joined(separator: ", ")).")
        }
    }

    /// Refuses a key limited to other locations (403) acting on `locationId`.
    public func requireLocation(_ locationId: String, to what: String) throws(GatewayError) {
        try requireAuthority(over: [], locations: [locationId], to: what)
    }

    /// The key's own locations, `nil` for every location (the operator, or an unlimited key).
    public var locations: [String]? {
        guard case .key(let principal) = self else { return nil }
        return principal.locations
    }
}
