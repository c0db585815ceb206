import Crypto
import Foundation
import _CryptoExtras

/// Whether a webhook body comes from HighLevel: `X-GHL-Signature` (Ed25519) when present, with no fallback, as both
/// of HighLevel's SDKs do; otherwise `X-WH-Signature` (RSA-SHA256, PKCS#1 v1.5) only when its key is configured.
/// Always over the raw bytes as received, never over re-encoded JSON.
public enum HighLevelSignatureCheck {
    public enum Verdict: Sendable, Equatable {
        case authentic
        /// 401: the reason is for the log and the problem's detail, and names no secret.
        case refused(String)
        /// 503: no key is configured, so nothing can be accepted.
        case notConfigured
    }

    public static func check(
        body: some DataProtocol, ghlSignature: String?, whSignature: String?, keys: HighLevelWebhookKeys?
    ) -> Verdict {
        guard let keys else { return .notConfigured }
        let bytes = Data(body)
        if let ghlSignature {
            guard let signature = Data(base64Encoded: ghlSignature.trimmingCharacters(in: .whitespaces)),
                signature.count == 64
            else { return .refused("X-GHL-Signature is not the base64 of a 64-byte Ed25519 signature") }
            return keys.ed25519.isValidSignature(signature, for: bytes)
                ? .authentic : .refused("X-GHL-Signature does not verify with the configured Ed25519 key")
        }
        if let whSignature {
            guard let rsa = keys.rsa else {
                return .refused("X-WH-Signature is not accepted: no RSA key is configured (GATEWAY_WEBHOOK_RSA_PUBLIC_KEY)")
            }
            guard let raw = Data(base64Encoded: whSignature.trimmingCharacters(in: .whitespaces)) else {
                return .refused("X-WH-Signature is not base64")
            }
            let signature = _RSA.Signing.RSASignature(rawRepresentation: raw)
            return rsa.isValidSignature(signature, for: SHA256.hash(data: bytes), padding: .insecurePKCS1v1_5)
                ? .authentic : .refused("X-WH-Signature does not verify with the configured RSA key")
        }
        return .refused("the request has no X-GHL-Signature")
    }
}
