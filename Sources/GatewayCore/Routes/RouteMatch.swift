/// What the route table says about a request's method and path.
public enum RouteMatch: Sendable, Equatable {
    case matched(UpstreamOperation, parameters: [String: String])
    /// The path has the shape of an operation, but a path id is not acceptable: 400, never sent upstream.
    case invalidParameter(UpstreamOperation, name: String, reason: String)
    case notFound
}
