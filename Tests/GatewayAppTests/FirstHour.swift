import Testing

/// Issue 19's suites (the first hour of a new admin), one after another: they start many processes of the
/// executable (CLI commands, `serve`), and run all at once they would starve the timing-sensitive tests that run
/// beside them on a small machine.
@Suite(.serialized) enum FirstHour {}
