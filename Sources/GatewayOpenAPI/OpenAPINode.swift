import Foundation
import Yams

/// A JSON value whose objects keep the order they were written in, so the generated document reads in the order a
/// person would look for things (summary before responses) and comes out byte for byte the same on every run.
public indirect enum OpenAPINode: Sendable, Equatable {
    case object([Member])
    case array([OpenAPINode])
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case null

    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: OpenAPINode
    }

    /// An object's member by key; setting `nil` removes it, setting a new key appends it.
    public subscript(key: String) -> OpenAPINode? {
        get {
            guard case .object(let members) = self else { return nil }
            return members.first { $0.key == key }?.value
        }
        set {
            guard case .object(var members) = self else { return }
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
            self = .object(members)
        }
    }

    public var members: [Member] {
        if case .object(let members) = self { members } else { [] }
    }

    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The object with its members ordered by key.
    func sortedByKey() -> OpenAPINode {
        guard case .object(let members) = self else { return self }
        return .object(members.sorted { $0.key < $1.key })
    }
}

extension OpenAPINode: ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral, ExpressibleByStringLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral
{
    public init(dictionaryLiteral elements: (String, OpenAPINode)...) {
        self = .object(elements.map { Member(key: $0.0, value: $0.1) })
    }
    public init(arrayLiteral elements: OpenAPINode...) { self = .array(elements) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension OpenAPINode: Decodable {
    /// A parsed JSON value, whose objects have no order: their members are sorted by key.
    public init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: AnyKey.self) {
            self = .object(try object.allKeys.map(\.stringValue).sorted().map {
                Member(key: $0, value: try object.decode(OpenAPINode.self, forKey: AnyKey(stringValue: $0)))
            })
        } else if var array = try? decoder.unkeyedContainer() {
            var items: [OpenAPINode] = []
            while !array.isAtEnd { items.append(try array.decode(OpenAPINode.self)) }
            self = .array(items)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .null
            } else if let value = try? single.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? single.decode(Int.self) {
                self = .integer(value)
            } else if let value = try? single.decode(Double.self) {
                self = .number(value)
            } else {
                self = .string(try single.decode(String.self))
            }
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension OpenAPINode {
    /// JSON text, indented by one space per level as `openapi/gateway.json` has always been.
    public var jsonText: String {
        var out = ""
        write(to: &out, indent: 0)
        return out + "\n"
    }

    private func write(to out: inout String, indent: Int) {
        let pad = String(repeating: " ", count: indent + 1)
        let close = String(repeating: " ", count: indent)
        switch self {
        case .object(let members) where members.isEmpty: out += "{}"
        case .array(let items) where items.isEmpty: out += "[]"
        case .object(let members):
            out += "{\n"
            for (index, member) in members.enumerated() {
                out += pad + Self.quoted(member.key) + ": "
                member.value.write(to: &out, indent: indent + 1)
                out += index == members.count - 1 ? "\n" : ",\n"
            }
            out += close + "}"
        case .array(let items):
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += pad
                item.write(to: &out, indent: indent + 1)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += close + "]"
        case .string(let text): out += Self.quoted(text)
        case .integer(let value): out += String(value)
        case .number(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// YAML text: the same document, with strings quoted wherever YAML would read them as something else.
    public func yamlText() throws -> String {
        try Yams.serialize(node: yamlNode, width: 120, allowUnicode: true)
    }

    private var yamlNode: Node {
        switch self {
        case .object(let members):
            .mapping(Node.Mapping(members.map { (Node.scalar($0.key.represented()), $0.value.yamlNode) }))
        case .array(let items): .sequence(Node.Sequence(items.map(\.yamlNode)))
        case .string(let text): .scalar(text.represented())
        case .integer(let value): .scalar(Node.Scalar(String(value), Tag(.int)))
        case .number(let value): .scalar(Node.Scalar(String(value), Tag(.float)))
        case .bool(let value): .scalar(Node.Scalar(value ? "true" : "false", Tag(.bool)))
        case .null: .scalar(Node.Scalar("null", Tag(.null)))
        }
    }
}
