import Foundation

/// The one JSON shape of everything the gateway prints or answers itself (admin API, CLI): keys sorted for stable
/// output, slashes unescaped, dates in RFC 3339 with milliseconds.
public enum GatewayJSON {
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty
            ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.rfc3339(date))
        }
        return encoder
    }
}
