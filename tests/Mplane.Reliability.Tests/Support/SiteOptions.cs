namespace Mplane.Reliability.Tests.Sites;

/// <summary>What a <see cref="RepositorySite"/> runs and how quickly it reacts; the defaults suit a test.</summary>
internal sealed record SiteOptions
{
    /// <summary>The database of every program the site runs (their <c>MPLANE_PG</c>): a test database, or a <see cref="SiteCluster"/>'s.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>A word in the temporary folder's name.</summary>
    public string Purpose { get; init; } = "site";

    /// <summary>
    /// The modules enabled in <c>conf/repository.yaml</c>: any of math_repo, scheduler, analysis and
    /// status (the others stay off). math_repo is what the probe ships to.
    /// </summary>
    public IReadOnlyList<string> Modules { get; init; } = ["math_repo", "scheduler", "analysis"];

    /// <summary>The jobs copied from the project's <c>conf/jobs</c> into the site's.</summary>
    public IReadOnlyList<string> Jobs { get; init; } = ["flows_5min", "clients_5min", "features_5min"];

    /// <summary>The scheduler's <c>poll</c>.</summary>
    public string SchedulerPoll { get; init; } = "250ms";

    /// <summary>The analysis module's <c>interval</c>.</summary>
    public string AnalysisInterval { get; init; } = "1s";

    /// <summary>The host's <c>restart_penalty</c> and <c>max_restart_penalty</c>.</summary>
    public (string First, string Max) RestartPenalty { get; init; } = ("500ms", "2s");

    /// <summary>math_probe's <c>scan_interval</c>.</summary>
    public string ProbeScanInterval { get; init; } = "500ms";
}
