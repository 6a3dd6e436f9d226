using Npgsql;

namespace Mplane.Postgres;

/// <summary>How to reach a private cluster over TCP on loopback or over its unix socket.</summary>
/// <param name="Port">The server's port.</param>
/// <param name="SocketDirectory">The folder of its unix socket.</param>
/// <param name="User">The role to connect as.</param>
/// <param name="Password">The role's password.</param>
/// <param name="Database">The project's database.</param>
public sealed record ClusterConnection(int Port, string SocketDirectory, string User, string Password, string Database)
{
    /// <summary>The host of the TCP listener.</summary>
    public const string Host = "127.0.0.1";

    /// <summary>An Npgsql connection string for <paramref name="database"/> (default: the project's).</summary>
    public string ConnectionString(string? database = null) => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = User,
        Password = Password,
        Database = database ?? Database,
    }.ConnectionString;
}
