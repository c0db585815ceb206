/// Request-body validation in the style of HighLevel's NestJS/class-validator stack: unknown properties
/// are rejected ("property x should not exist") and each failing constraint contributes one message to
/// the 422 `message` array. Required fields come from the `required` lists in contacts.json.
struct BodyRules {
    enum Kind {
        case string
        case bool
        case number
        case stringArray
        case array
        case object
        case isoDate
        case email
        /// A string or `null` (bulk business: `null` removes the business).
        case nullableString
        /// Anything (e.g. `dateOfBirth`, which HighLevel accepts in many formats).
        case any
    }

    let fields: [String: Kind]
    let required: Set<String>

    init(_ fields: [String: Kind], required: Set<String> = []) {
        self.fields = fields
        self.required = required
    }

    func with(_ extra: [String: Kind], required extraRequired: Set<String> = []) -> BodyRules {
        BodyRules(fields.merging(extra) { _, new in new }, required: required.union(extraRequired))
    }

    func without(_ names: Set<String>) -> BodyRules {
        BodyRules(fields.filter { !names.contains($0.key) }, required: required.subtracting(names))
    }

    func validate(_ body: [String: JSONValue]) throws(SandboxFailure) {
        var messages: [String] = []
        for key in body.keys.sorted() where fields[key] == nil {
            messages.append("property \(key) should not exist")
        }
        for name in fields.keys.sorted() {
            guard let kind = fields[name] else { continue }
            let value = body[name]
            let present: Bool
            switch value {
            case .none: present = false
            case .some(.null): present = (kind == .nullableString && body.keys.contains(name))
            default: present = true
            }
            if !present {
                if required.contains(name) { messages += Self.missingMessages(name, kind) }
                continue
            }
            if let value, let message = Self.check(name, kind, value) { messages.append(message) }
        }
        if !messages.isEmpty { throw .unprocessable(messages) }
    }

    private static func missingMessages(_ name: String, _ kind: Kind) -> [String] {
        switch kind {
        case .string, .email, .nullableString: return ["\(name) should not be empty", "\(name) must be a string"]
        case .bool: return ["\(name) must be a boolean value"]
        case .number: return ["\(name) must be a number conforming to the specified constraints"]
        case .stringArray, .array: return ["\(name) must be an array"]
        case .object: return ["\(name) must be an object"]
        case .isoDate: return ["\(name) must be a valid ISO 8601 date string"]
        case .any: return ["\(name) should not be empty"]
        }
    }

    private static func check(_ name: String, _ kind: Kind, _ value: JSONValue) -> String? {
        switch kind {
        case .string:
            return value.stringValue == nil ? "\(name) must be a string" : nil
        case .nullableString:
            if value == .null { return nil }
            return value.stringValue == nil ? "\(name) must be a string" : nil
        case .bool:
            return value.boolValue == nil ? "\(name) must be a boolean value" : nil
        case .number:
            return value.isNumber ? nil : "\(name) must be a number conforming to the specified constraints"
        case .stringArray:
            guard value.arrayValue != nil else { return "\(name) must be an array" }
            return value.stringArray == nil ? "each value in \(name) must be a string" : nil
        case .array:
            return value.arrayValue == nil ? "\(name) must be an array" : nil
        case .object:
            return value.objectValue == nil ? "\(name) must be an object" : nil
        case .isoDate:
            guard let s = value.stringValue, ISODate.isValid(s) else { return "\(name) must be a valid ISO 8601 date string" }
            return nil
        case .email:
            guard let s = value.stringValue else { return "\(name) must be a string" }
            return Self.looksLikeEmail(s) ? nil : "\(name) must be an email"
        case .any:
            return nil
        }
    }

    private static func looksLikeEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !s.contains(" ") else { return false }
        return !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
    }
}
