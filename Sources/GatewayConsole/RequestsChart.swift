import Foundation
import GatewayCore

/// The overview's chart: requests and errors (status 400 and up) over the last hour in twelve 5-minute bars, drawn
/// on the server as SVG from numbers only, so nothing a caller sent can reach the markup.
struct RequestsChart: Sendable, Equatable {
    static let buckets = 12
    static let bucketSeconds: Double = 300

    var requests: [Int]
    var errors: [Int]

    init(records: [AuditRecord], now: Date) {
        var requests = Array(repeating: 0, count: Self.buckets)
        var errors = requests
        let end = now.timeIntervalSince1970
        for record in records {
            let age = end - Double(record.timeMs) / 1000
            guard age >= 0, age < Double(Self.buckets) * Self.bucketSeconds else { continue }
            let index = Self.buckets - 1 - Int(age / Self.bucketSeconds)
            let weight = record.count ?? 1
            requests[index] += weight
            if record.status >= 400 { errors[index] += weight }
        }
        self.requests = requests
        self.errors = errors
    }

    var totalRequests: Int { requests.reduce(0, +) }
    var totalErrors: Int { errors.reduce(0, +) }

    var svg: String {
        let width = 600, height = 140, top = 10, bottom = 24, barWidth = 40, gap = 10
        let plot = height - top - bottom
        let peak = max(requests.max() ?? 0, 1)
        func bar(_ count: Int) -> Int { count == 0 ? 0 : max(2, count * plot / peak) }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" class="chart" role="img" \
            aria-labelledby="chart-title"><title id="chart-title">Requests over the last hour: \(totalRequests), \
            of which \(totalErrors) errors, in 5-minute intervals</title>
            """
        for index in 0..<Self.buckets {
            let x = index * (barWidth + gap) + gap / 2
            let all = bar(requests[index]), bad = bar(errors[index])
            out += "<rect class=\"requests\" x=\"\(x)\" y=\"\(top + plot - all)\" width=\"\(barWidth)\" height=\"\(all)\"/>"
            if bad > 0 {
                out += "<rect class=\"errors\" x=\"\(x)\" y=\"\(top + plot - bad)\" width=\"\(barWidth)\" height=\"\(bad)\"/>"
            }
        }
        out += "<line class=\"axis\" x1=\"0\" y1=\"\(top + plot)\" x2=\"\(width)\" y2=\"\(top + plot)\"/>"
        out += "<text x=\"0\" y=\"\(height - 6)\">60 min ago</text>"
        out += "<text x=\"\(width)\" y=\"\(height - 6)\" text-anchor=\"end\">now</text>"
        out += "<text x=\"\(width / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\">peak \(peak) per 5 min</text>"
        return out + "</svg>"
    }
}
