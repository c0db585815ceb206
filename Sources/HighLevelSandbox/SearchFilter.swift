/// The `filters` and `sort` parts of `POST /contacts/search` (highlevel-api.md §3.4, from the mirror doc and
/// issue #289): operators `eq`, `not_eq`, `contains`, `not_contains`, `exists`, `not_exists`, `range`, and
/// `{group: AND|OR, filters}`; top-level filters are AND-ed. Fields are top-level contact fields as the
/// search renders them (`firstNameLowerCase`, `email`, `tags`, `dnd`, `dateAdded`, `businessId`, …).
/// Nested paths such as custom fields are not evaluated (such a filter matches nothing).
struct SearchFilter {
    indirect enum Node {
        case condition(field: String, op: String, value: JSONValue)
        case group(isOr: Bool, [Node])
    }

    static let operators: Set<String> = ["eq", "not_eq", "contains", "not_contains", "exists", "not_exists", "range"]

    let root: Node

    init(_ filters: [JSONValue]) throws(SandboxFailure) {
        root = .group(isOr: false, try Self.parse(filters, path: "filters"))
    }

    private static func parse(_ filters: [JSONValue], path: String) throws(SandboxFailure) -> [Node] {
        var nodes: [Node] = []
        for (i, item) in filters.enumerated() {
            let here = "\(path).\(i)"
            guard let object = item.objectValue else { throw .unprocessable(["\(here) must be an object"]) }
            if let group = object["group"] {
                let kind = group.stringValue?.uppercased()
                guard kind == "OR" || kind == "AND" else { throw .unprocessable(["\(here).group must be one of the following values: AND, OR"]) }
                guard let inner = object["filters"]?.arrayValue else { throw .unprocessable(["\(here).filters must be an array"]) }
                nodes.append(.group(isOr: kind == "OR", try parse(inner, path: "\(here).filters")))
                continue
            }
            guard let field = object["field"]?.stringValue else { throw .unprocessable(["\(here).field must be a string"]) }
            guard let op = object["operator"]?.stringValue, operators.contains(op) else {
                throw .unprocessable(["\(here).operator must be one of the following values: \(operators.sorted().joined(separator: ", "))"])
            }
            nodes.append(.condition(field: field, op: op, value: object["value"] ?? .null))
        }
        return nodes
    }

    func matches(_ contact: [String: JSONValue]) -> Bool {
        Self.evaluate(root, contact)
    }

    private static func evaluate(_ node: Node, _ contact: [String: JSONValue]) -> Bool {
        switch node {
        case .group(let isOr, let nodes):
            if nodes.isEmpty { return true }
            return isOr ? nodes.contains { evaluate($0, contact) } : nodes.allSatisfy { evaluate($0, contact) }
        case .condition(let field, let op, let value):
            let actual = contact[field] ?? .null
            switch op {
            case "eq": return equals(actual, value)
            case "not_eq": return !equals(actual, value)
            case "contains": return contains(actual, value)
            case "not_contains": return !contains(actual, value)
            case "exists": return exists(actual)
            case "not_exists": return !exists(actual)
            case "range": return inRange(actual, value)
            default: return false
            }
        }
    }

    /// Array fields (tags, followers) match when any element matches; strings compare case-insensitively.
    private static func equals(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
        if case .array(let wanted) = expected { return wanted.contains { equals(actual, $0) } }
        if case .array(let items) = actual { return items.contains { equals($0, expected) } }
        if let a = actual.stringValue, let e = expected.stringValue { return a.lowercased() == e.lowercased() }
        if let a = number(actual), let e = number(expected) { return a == e }
        return actual == expected
    }

    private static func contains(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
        if case .array(let items) = actual { return items.contains { contains($0, expected) } }
        guard let a = actual.stringValue, let e = expected.stringValue else { return false }
        return a.lowercased().contains(e.lowercased())
    }

    private static func exists(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return false
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        default: return true
        }
    }

    private static func inRange(_ actual: JSONValue, _ bounds: JSONValue) -> Bool {
        guard let bounds = bounds.objectValue else { return false }
        for (key, bound) in bounds {
            let order = compare(actual, bound)
            guard let order else { return false }
            switch key {
            case "gte": if order < 0 { return false }
            case "gt": if order <= 0 { return false }
            case "lte": if order > 0 { return false }
            case "lt": if order >= 0 { return false }
            default: continue
            }
        }
        return true
    }

    /// Numbers numerically, strings (ISO dates included) lexicographically; `nil` when not comparable.
    static func compare(_ a: JSONValue, _ b: JSONValue) -> Int? {
        if let x = number(a), let y = number(b) { return x < y ? -1 : (x > y ? 1 : 0) }
        if let x = a.stringValue, let y = b.stringValue {
            let (l, r) = (x.lowercased(), y.lowercased())
            return l < r ? -1 : (l > r ? 1 : 0)
        }
        return nil
    }

    private static func number(_ v: JSONValue) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}
