// math_repo: receives log files from math_probes and hands them to the warehouse import.
// The transfer itself is issue #5; until it lands this executable says so plainly.
Console.Error.WriteLine(
    """
    math_repo: receives Tstat log files from math_probe instances and hands them to the warehouse import.
    Usage: math_repo --config FILE

    Not implemented yet: the transfer protocol arrives with the MATH work (issue #5).
    """);
return args is ["--help"] or ["-h"] ? 0 : 2;
