/// A UTC instant in whole milliseconds, split into calendar fields (proleptic Gregorian).
struct CivilTime {
    var year, month, day, hour, minute, second, millisecond: Int64

    init(milliseconds: Int64) {
        let ms = milliseconds % 1000 < 0 ? milliseconds % 1000 + 1000 : milliseconds % 1000
        let seconds = (milliseconds - ms) / 1000
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        millisecond = ms
    }
}
