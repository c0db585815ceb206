import Foundation

/// Reads the `route` filter of an audit search as people write it: the record's own label
/// (`GET /contacts/{contactId}`), a template or a concrete path without the method (`/contacts/search`), or a
/// method and a concrete path (`GET /contacts/abc123`). A filter that names no route of the gateway is refused,
/// saying so, rather than silently matching nothing.
public enum AuditRouteFilter {
    /// Every label a record's `route` can hold for a matched request.
    public static var labels: [String] {
        RouteTable.contacts.operations.map(\.label) + GatewayRoute.all.map(\.label) + [FailedAuthentications.auditRoute]
            + [WebhookDelivery.auditRoute]
    }

    public static func label(for text: String) throws(GatewayError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if labels.contains(trimmed) { return trimmed }
        let parts = trimmed.split(separator: " ", maxSplits: 1).map(String.init)
        let method = parts.count == 2 ? parts[0].uppercased() : nil
        let path = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces) : trimmed
        guard path.hasPrefix("/") else {
            throw .badRequest(
                "The route '\(text)' is neither a route like 'GET /contacts/{contactId}' nor a path like '/contacts/search'.")
        }
        let routes: [(method: String, template: String)] =
            RouteTable.contacts.operations.map { ($0.method, $0.path.text) } + GatewayRoute.all.map { ($0.method, $0.path) }
        let candidates = routes.filter { method == nil || $0.method == method }
        // A template written out beats a concrete path that a parameter would also match (`/contacts/search` is the
        // search, not a contact named "search").
        var found = candidates.filter { $0.template == path }
        if found.isEmpty { found = candidates.filter { matches(template: $0.template, path: path) } }
        let labels = found.map { "\($0.method) \($0.template)" }
        switch labels.count {
        case 1: return labels[0]
        case 0:
            throw .badRequest(
                "The route '\(text)' matches none of the gateway's routes; write one as the records do, e.g. "
                    + "'GET /contacts/{contactId}' or 'POST /contacts/search'.")
        default:
            throw .badRequest(
                "The route '\(text)' matches several routes: \(labels.joined(separator: ", ")). Name the method too.")
        }
    }

    /// Segment by segment: a `{parameter}` matches any one non-empty segment.
    private static func matches(template: String, path: String) -> Bool {
        let want = template.split(separator: "/", omittingEmptySubsequences: false)
        let have = path.split(separator: "/", omittingEmptySubsequences: false)
        guard want.count == have.count else { return false }
        return zip(want, have).allSatisfy { pattern, segment in
            pattern.hasPrefix("{") && pattern.hasSuffix("}") ? !segment.isEmpty : pattern == segment
        }
    }
}
