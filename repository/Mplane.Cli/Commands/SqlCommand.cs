using System.CommandLine;
using System.Globalization;
using Mplane.Streams.Engine;
using Mplane.Streams.Statements;
using Npgsql;

namespace Mplane.Cli.Commands;

/// <summary>
/// <c>mplane sql "STATEMENT"</c> and <c>mplane sql --file FILE</c>: stream statements (CREATE/ALTER/DROP
/// STREAM TABLE, START/STOP/PAUSE/RESUME CONTINUOUS, INSERT into a stream table) carried out by the
/// stream engine, any other SQL passed to the database as it is (functions, queries of the outputs),
/// in order; a query's rows are printed. The first failing statement stops the script, naming its line.
/// </summary>
internal static class SqlCommand
{
    public static Command Create()
    {
        var statement = new Argument<string?>("STATEMENT") { Description = "One statement (or several, separated by ';').", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file") { Description = "A file of statements separated by ';'.", HelpName = "FILE" };
        var command = new Command("sql", "Run stream statements (the TimeTrails model) and plain SQL on the repository's database.") { statement, file };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var (script, source) = (parse.GetValue(statement), parse.GetValue(file)) switch
            {
                ({ } text, null) => (text, "the statement"),
                (null, { } path) => (await ReadAsync(path, ct).ConfigureAwait(false), path),
                _ => throw new UsageException("sql: give a STATEMENT or --file FILE (one of them)"),
            };

            IReadOnlyList<(int Line, StreamStatement? Statement, string Text)> statements;
            try
            {
                statements = StatementParser.ParseScript(script);
            }
            catch (StatementException e)
            {
                throw new UsageException($"sql: {source}: {e.Message}");
            }

            await using var dataSource = await Database.OpenAsync(ct).ConfigureAwait(false);
            var commands = new StreamCommands(dataSource);
            foreach (var (line, parsed, text) in statements)
            {
                try
                {
                    if (parsed is not null)
                    {
                        Console.WriteLine(await commands.ExecuteAsync(parsed, ct).ConfigureAwait(false));
                    }
                    else
                    {
                        await PlainAsync(dataSource, text, ct).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is StreamException or PostgresException)
                {
                    var message = e is PostgresException pg ? pg.MessageText : e.Message;
                    await Console.Error.WriteLineAsync($"mplane: sql: {source}, line {line}: {message}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static async Task<string> ReadAsync(string path, CancellationToken ct)
    {
        try
        {
            return await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"sql: --file {path}: {e.Message}");
        }
    }

    /// <summary>Runs plain SQL; a query's rows are printed tab-separated under their column names.</summary>
    private static async Task PlainAsync(NpgsqlDataSource dataSource, string text, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(text);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (reader.FieldCount == 0)
        {
            Console.WriteLine(reader.RecordsAffected >= 0 ? $"ok ({reader.RecordsAffected} rows)" : "ok");
            return;
        }

        Console.WriteLine(string.Join('\t', Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)));
        var rows = 0;
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            rows++;
            Console.WriteLine(string.Join('\t', Enumerable.Range(0, reader.FieldCount).Select(i =>
                reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        }

        Console.WriteLine($"({rows} {(rows == 1 ? "row" : "rows")})");
    }
}
