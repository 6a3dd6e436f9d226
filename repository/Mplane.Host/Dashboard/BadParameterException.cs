namespace Mplane.Host.Dashboard;

/// <summary>
/// A query parameter the dashboard's API refuses. The endpoints answer it with 400 and a JSON body
/// naming the parameter, so that a caller (or the page's own error line) knows which one to fix.
/// </summary>
/// <param name="parameter">The parameter's name in the query string.</param>
/// <param name="problem">What is wrong with it.</param>
internal sealed class BadParameterException(string parameter, string problem) : Exception($"{parameter}: {problem}")
{
    /// <summary>The parameter's name in the query string.</summary>
    public string Parameter { get; } = parameter;
}
