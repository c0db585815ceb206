import GatewayCore
import Synchronization

/// `X-Request-Id`: the caller's when well formed, so a request can be followed across systems, else a new one.
enum RequestIdentifier {
    static func accept(_ presented: String?) -> String? {
        guard let presented, !presented.isEmpty, presented.utf8.count <= 128 else { return nil }
        let allowed = presented.utf8.allSatisfy { byte in
            PathIdentifier.isValid(String(UnicodeScalar(byte))) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
        }
        return allowed ? presented : nil
    }

    /// 20 characters of [A-Za-z0-9]: 8 random ones chosen once per process, so that two processes (or restarts) do
    /// not share ids, then a per-process counter passed through a keyed bijection of 64-bit integers, so that ids
    /// never repeat within a process and do not show in the open how many requests it served.
    ///
    /// Not drawn from the CSPRNG per request: that cost a `getrandom` call per request (2.5% of the gateway's CPU
    /// in `bench/run`'s profile), and an id is a label, not a secret.
    static func make() -> String {
        let serial = counter.wrappingAdd(1, ordering: .relaxed).newValue
        var value = scramble(serial ^ key)
        return String(unsafeUninitializedCapacity: 20) { out in
            for index in 0..<8 { out[index] = prefix[index] }
            // 62^12 > 2^64: twelve base-62 digits hold any value.
            for index in stride(from: 19, through: 8, by: -1) {
                out[index] = alphabet[Int(value % 62)]
                value /= 62
            }
            return 20
        }
    }

    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
    private static let prefix = Array(RandomToken.alphanumeric(8).utf8)
    private static let key = UInt64.random(in: .min ... .max)
    private static let counter = Atomic<UInt64>(0)

    /// SplitMix64's finalizer: each step (xor with a right shift of itself, multiplication by an odd constant) can be
    /// undone, so distinct inputs give distinct outputs.
    static func scramble(_ input: UInt64) -> UInt64 {
        var z = input
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
