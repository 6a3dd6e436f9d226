// math_probe: ships finished Tstat log files from a probe to math_repo.
// The transfer itself (original pull protocol, authorized push mode) is issue #5; until it lands
// this executable says so plainly instead of pretending to work.
Console.Error.WriteLine(
    """
    math_probe: log transfer from a Tstat probe to math_repo.
    Usage (the original's): math_probe --config FILE --repoUrl host:port --startTime 2006-01-02T15:04:05

    Not implemented yet: the transfer protocol arrives with the MATH work (issue #5).
    """);
return args is ["--help"] or ["-h"] ? 0 : 2;
