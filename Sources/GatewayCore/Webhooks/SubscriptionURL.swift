import Foundation

/// Where a subscription's deliveries go: an absolute `http` or `https` URL with a host, no credentials in it (they
/// would show in every listing) and no fragment. Checked when the subscription is made, so a delivery never finds out.
public struct SubscriptionURL: Sendable, Equatable, CustomStringConvertible {
    public struct Refused: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public let description: String

    public init(_ text: String) throws(Refused) {
        guard text.utf8.count <= 2048 else { throw Refused("the URL is longer than 2048 bytes") }
        guard !text.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw Refused("the URL holds spaces or control characters")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw Refused("\"\(text)\" is not an absolute URL")
        }
        guard scheme == "http" || scheme == "https" else {
            throw Refused("only http and https URLs take deliveries, not \(scheme)")
        }
        guard let host = components.host, !host.isEmpty else { throw Refused("the URL has no host") }
        guard components.user == nil && components.password == nil else {
            throw Refused("the URL holds credentials; the delivery's signature is the credential")
        }
        guard components.fragment == nil else { throw Refused("the URL has a fragment") }
        description = text
    }
}
