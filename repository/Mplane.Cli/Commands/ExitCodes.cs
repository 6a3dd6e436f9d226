namespace Mplane.Cli.Commands;

/// <summary>Exit codes shared by all subcommands.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The work failed (a server, a file or the database refused).</summary>
    public const int Failure = 1;

    /// <summary>The command line or the configuration is wrong.</summary>
    public const int Usage = 2;
}
