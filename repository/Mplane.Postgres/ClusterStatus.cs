namespace Mplane.Postgres;

/// <summary>Where a private cluster stands.</summary>
public enum ClusterRunState
{
    /// <summary>No cluster has been created in the folder.</summary>
    NotInitialised,

    /// <summary>The cluster exists and its server is not running.</summary>
    Stopped,

    /// <summary>The server is running.</summary>
    Running,
}

/// <summary>A cluster's state, with its server's process id and connection details when known.</summary>
/// <param name="State">Created, stopped or running.</param>
/// <param name="Directory">The cluster's folder.</param>
/// <param name="ProcessId">The postmaster's process id while running.</param>
/// <param name="Connection">How to reach it, once created.</param>
public sealed record ClusterStatus(ClusterRunState State, string Directory, int? ProcessId, ClusterConnection? Connection);

/// <summary>What <see cref="EmbeddedCluster.StartAsync"/> did.</summary>
public enum StartOutcome
{
    /// <summary>initdb created the cluster and its server was started.</summary>
    Created,

    /// <summary>An existing, stopped cluster was started.</summary>
    Started,

    /// <summary>The server was already running and is reused as it is.</summary>
    Reused,
}

/// <summary>The result of a start.</summary>
/// <param name="Outcome">What was done.</param>
/// <param name="Status">The cluster afterwards.</param>
public sealed record StartResult(StartOutcome Outcome, ClusterStatus Status)
{
    /// <summary>The connection to the running cluster.</summary>
    public ClusterConnection Connection => Status.Connection!;
}
