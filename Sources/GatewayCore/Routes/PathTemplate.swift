/// An upstream path template such as `/contacts/{contactId}/tasks/{taskId}`, split into segments once.
public struct PathTemplate: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        case literal(String)
        /// A caller-supplied id. `allowed` narrows it to an enumeration (HighLevel's bulk-tags `{type}`).
        case parameter(name: String, allowed: Set<String>?)
    }

    public let text: String
    public let segments: [Segment]

    /// - Parameter allowedValues: enumerations for parameters that HighLevel restricts, keyed by parameter name.
    public init(_ text: String, allowedValues: [String: Set<String>] = [:]) {
        self.text = text
        // Splitting "/contacts/" keeps its empty last segment: HighLevel's create and list paths end in a slash.
        self.segments = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") {
                let name = String(part.dropFirst().dropLast())
                return .parameter(name: name, allowed: allowedValues[name])
            }
            return .literal(String(part))
        }
    }

    public var parameterNames: [String] {
        segments.compactMap { if case .parameter(let name, _) = $0 { name } else { nil } }
    }

    public var literalCount: Int {
        segments.reduce(0) { count, segment in if case .literal = segment { count + 1 } else { count } }
    }

    /// The concrete path for validated parameters. Ids are restricted to unreserved characters, so they need no encoding.
    public func render(_ parameters: [String: String]) -> String {
        var path = ""
        for segment in segments {
            path += "/"
            switch segment {
            case .literal(let text): path += text
            case .parameter(let name, _): path += parameters[name] ?? ""
            }
        }
        return path
    }

    public var description: String { text }
}
