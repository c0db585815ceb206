import Crypto
import Foundation
import Testing
import _CryptoExtras

@testable import GatewayCore

/// HighLevel's webhook signatures, checked as the gateway checks them: real keys, real signatures, over raw bytes.
@Suite struct WebhookSignatureTests {
    static let body = Array(#"{"type":"ContactUpdate","locationId":"loc-a","id":"c1","webhookId":"w1","timestamp":"2026-12-02T05:00:00.000Z"}"#.utf8)
    let signing = Curve25519.Signing.PrivateKey()

    private func pem(_ key: Curve25519.Signing.PublicKey) -> String {
        let der: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00] + key.rawRepresentation
        return "-----BEGIN PUBLIC KEY-----\n\(Data(der).base64EncodedString())\n-----END PUBLIC KEY-----\n"
    }

    private func ghl(_ body: [UInt8]) throws -> String {
        try signing.signature(for: Data(body)).base64EncodedString()
    }

    @Test func anEd25519SignatureOverTheRawBytesIsAuthenticWithEveryKeyForm() throws {
        let raw = signing.publicKey.rawRepresentation
        let hex = raw.map { String(format: "%02x", $0) }.joined()
        for text in [pem(signing.publicKey), raw.base64EncodedString(), hex, hex.uppercased()] {
            let keys = try HighLevelWebhookKeys(ed25519: text)
            #expect(HighLevelSignatureCheck.check(body: Self.body, ghlSignature: try ghl(Self.body), whSignature: nil, keys: keys) == .authentic)
        }
    }

    /// HighLevel's own published key (highlevel-api.md §6.3) parses.
    @Test func highLevelsPublishedKeysParse() throws {
        let ed = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=\n-----END PUBLIC KEY-----"
        _ = try HighLevelWebhookKeys(ed25519: ed)
    }

    @Test func aChangedByteAWrongKeyOrAMalformedSignatureIsRefused() throws {
        let keys = try HighLevelWebhookKeys(ed25519: pem(signing.publicKey))
        let signature = try ghl(Self.body)
        var changed = Self.body
        changed[changed.count - 3] ^= 1
        #expect(HighLevelSignatureCheck.check(body: changed, ghlSignature: signature, whSignature: nil, keys: keys)
            == .refused("X-GHL-Signature does not verify with the configured Ed25519 key"))
        let other = try HighLevelWebhookKeys(ed25519: pem(Curve25519.Signing.PrivateKey().publicKey))
        #expect(HighLevelSignatureCheck.check(body: Self.body, ghlSignature: signature, whSignature: nil, keys: other)
            != .authentic)
        for bad in ["", "not base64!", Data(repeating: 1, count: 63).base64EncodedString()] {
            #expect(HighLevelSignatureCheck.check(body: Self.body, ghlSignature: bad, whSignature: nil, keys: keys)
                == .refused("X-GHL-Signature is not the base64 of a 64-byte Ed25519 signature"))
        }
        #expect(HighLevelSignatureCheck.check(body: Self.body, ghlSignature: nil, whSignature: nil, keys: keys)
            == .refused("the request has no X-GHL-Signature"))
    }

    @Test func withoutKeysNothingIsAccepted() throws {
        #expect(HighLevelSignatureCheck.check(body: Self.body, ghlSignature: try ghl(Self.body), whSignature: nil, keys: nil)
            == .notConfigured)
    }

    /// The legacy header: accepted only with its key; a present X-GHL-Signature is never bypassed by it.
    @Test func theLegacyRSASignatureOnlyWithItsKeyAndNeverAsAFallback() throws {
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let whSignature = try rsa.signature(for: SHA256.hash(data: Self.body), padding: .insecurePKCS1v1_5)
            .rawRepresentation.base64EncodedString()
        let withRSA = try HighLevelWebhookKeys(ed25519: pem(signing.publicKey), rsa: rsa.publicKey.pemRepresentation)
        let withoutRSA = try HighLevelWebhookKeys(ed25519: pem(signing.publicKey))
        #expect(HighLevelSignatureCheck.check(body: Self.body, ghlSignature: nil, whSignature: whSignature, keys: withRSA) == .authentic)
        #expect(HighLevelSignatureCheck.check(body: Self.body, ghlSignature: nil, whSignature: whSignature, keys: withoutRSA)
            == .refused("X-WH-Signature is not accepted: no RSA key is configured (GATEWAY_WEBHOOK_RSA_PUBLIC_KEY)"))
        var changed = Self.body
        changed[5] ^= 1
        #expect(HighLevelSignatureCheck.check(body: changed, ghlSignature: nil, whSignature: whSignature, keys: withRSA) != .authentic)
        // A wrong Ed25519 signature with a right RSA one: refused, as HighLevel's SDKs do.
        let wrong = Data(repeating: 7, count: 64).base64EncodedString()
        #expect(HighLevelSignatureCheck.check(body: Self.body, ghlSignature: wrong, whSignature: whSignature, keys: withRSA)
            == .refused("X-GHL-Signature does not verify with the configured Ed25519 key"))
    }

    @Test func badKeysAreNamed() {
        #expect(throws: HighLevelWebhookKeys.Malformed("an Ed25519 public key is PEM, or base64 or hex of 32 bytes")) {
            try HighLevelWebhookKeys(ed25519: "banana")
        }
        #expect(throws: HighLevelWebhookKeys.Malformed("the PEM is not an Ed25519 public key")) {
            try HighLevelWebhookKeys(ed25519: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
        }
        #expect(throws: HighLevelWebhookKeys.Malformed("not an RSA public key in PEM (-----BEGIN PUBLIC KEY-----)")) {
            try HighLevelWebhookKeys(ed25519: Data(repeating: 9, count: 32).base64EncodedString(), rsa: "nope")
        }
    }

    @Test func theEventEnvelopeIsReadAndItsTimestampHeldToFiveMinutes() throws {
        let event = try HighLevelEvent(body: Self.body)
        #expect(event.type == "ContactUpdate" && event.webhookId == "w1" && event.locationId == "loc-a")
        #expect(event.contactId == "c1")
        let sent = try #require(ISO8601DateFormatter().date(from: "2026-12-02T05:00:00Z"))
        #expect(event.isFresh(at: sent.addingTimeInterval(299)) && event.isFresh(at: sent.addingTimeInterval(-299)))
        #expect(!event.isFresh(at: sent.addingTimeInterval(301)) && !event.isFresh(at: sent.addingTimeInterval(-301)))
        let task = try HighLevelEvent(body: Array(#"{"type":"TaskCreate","id":"t1","contactId":"c9","webhookId":"w2","timestamp":1764651600000}"#.utf8))
        #expect(task.contactId == "c9" && task.timestamp == Date(timeIntervalSince1970: 1_764_651_600))
    }

    @Test(arguments: [
        (#"[1]"#, "the body is not a JSON object"),
        (#"{"webhookId":"w","timestamp":1}"#, "the event has no type"),
        (#"{"type":"ContactCreate","timestamp":1}"#, "the event has no webhookId"),
        (#"{"type":"ContactCreate","webhookId":"w","timestamp":"yesterday"}"#,
         "the event's timestamp is missing or not a time (RFC 3339 or epoch milliseconds)"),
    ])
    func aMalformedEventIsNamed(body: String, problem: String) {
        #expect(throws: HighLevelEvent.Malformed(problem)) { try HighLevelEvent(body: Array(body.utf8)) }
    }
}
