using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Mplane.Streams.Engine;
using Mplane.Streams.Statements;
using Mplane.Warehouse.Sql;
using Npgsql;

namespace Mplane.Host;

/// <summary>
/// The repository's API for stream tables, mapped only when a token is configured (default deny);
/// every request must carry it (<c>Authorization: Bearer</c>, compared in constant time):
/// <list type="bullet">
/// <item><c>POST /streams/statements</c>: a script of stream statements (text, at most 1 MB); plain SQL is
/// refused, so the API cannot run arbitrary SQL. Answers what each statement did, or 400 naming the
/// line and the problem (the statements before it stay done).</item>
/// <item><c>POST /streams/tables/{name}/rows</c>: the bulk API, a JSON array of rows, each an array of
/// values (strings, numbers, booleans or null) in the table's column order, copied in one transaction.</item>
/// </list>
/// </summary>
public static class StreamsEndpoints
{
    /// <summary>The largest body accepted.</summary>
    public const int MaxBodyBytes = 1 << 20;

    /// <summary>The shortest token accepted.</summary>
    public const int MinTokenLength = 16;

    /// <summary>Maps the endpoints, guarded by <paramref name="token"/>.</summary>
    public static void MapStreams(this WebApplication app, string token)
    {
        if (token.Length < MinTokenLength)
        {
            throw new ArgumentException($"the streams API token must have at least {MinTokenLength} characters", nameof(token));
        }

        var expected = SHA256.HashData(Encoding.UTF8.GetBytes("Bearer " + token));
        bool Authorized(HttpContext context) =>
            CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString())), expected);

        app.MapPost("/streams/statements", async (HttpContext context, NpgsqlDataSource dataSource) =>
        {
            if (!Authorized(context))
            {
                return Results.Json(new { error = "a valid bearer token is required" }, statusCode: StatusCodes.Status401Unauthorized);
            }

            if (await BodyAsync(context).ConfigureAwait(false) is not { } script)
            {
                return Results.Json(new { error = $"the body is over {MaxBodyBytes} bytes" }, statusCode: StatusCodes.Status413PayloadTooLarge);
            }

            IReadOnlyList<(int Line, StreamStatement? Statement, string Text)> statements;
            try
            {
                statements = StatementParser.ParseScript(script);
            }
            catch (StatementException e)
            {
                return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status400BadRequest);
            }

            // Column lists with expressions (DEFAULT, CHECK, GENERATED) would run the caller's SQL: names and types only.
            var expressive = statements.Where(s => s.Statement is CreateStreamTable c && !PlainColumns.Are(c.Columns)).Select(s => (int?)s.Line).FirstOrDefault();
            if (expressive is { } at)
            {
                return Results.Json(new { error = $"line {at}: columns here are names and types only (with NOT NULL or key markers)" }, statusCode: StatusCodes.Status400BadRequest);
            }

            var plain = statements.Where(s => s.Statement is null).Select(s => (int?)s.Line).FirstOrDefault();
            if (plain is { } line0)
            {
                return Results.Json(new { error = $"line {line0}: only stream statements are accepted here, not plain SQL" }, statusCode: StatusCodes.Status400BadRequest);
            }

            var commands = new StreamCommands(dataSource);
            var done = new List<string>();
            foreach (var (line, statement, _) in statements)
            {
                try
                {
                    done.Add(await commands.ExecuteAsync(statement!, context.RequestAborted).ConfigureAwait(false));
                }
                catch (Exception e) when (e is StreamException or PostgresException)
                {
                    var message = e is PostgresException pg ? pg.MessageText : e.Message;
                    return Results.Json(new { error = $"line {line}: {message}", done }, statusCode: StatusCodes.Status400BadRequest);
                }
            }

            return Results.Json(new { done });
        });

        app.MapPost("/streams/tables/{name}/rows", async (HttpContext context, string name, NpgsqlDataSource dataSource) =>
        {
            if (!Authorized(context))
            {
                return Results.Json(new { error = "a valid bearer token is required" }, statusCode: StatusCodes.Status401Unauthorized);
            }

            if (!Identifier.IsValid(name))
            {
                return Results.Json(new { error = $"'{name}' is not a stream table name" }, statusCode: StatusCodes.Status400BadRequest);
            }

            if (await BodyAsync(context).ConfigureAwait(false) is not { } body)
            {
                return Results.Json(new { error = $"the body is over {MaxBodyBytes} bytes" }, statusCode: StatusCodes.Status413PayloadTooLarge);
            }

            List<IReadOnlyList<string?>> rows;
            try
            {
                rows = Rows(body);
            }
            catch (Exception e) when (e is JsonException or FormatException)
            {
                return Results.Json(new { error = $"the body must be a JSON array of rows, each an array of values: {e.Message}" }, statusCode: StatusCodes.Status400BadRequest);
            }

            try
            {
                var copied = await new StreamRows(dataSource).CopyAsync(Identifier.Of(name, "stream table"), rows, context.RequestAborted).ConfigureAwait(false);
                return Results.Json(new { rows = copied });
            }
            catch (Exception e) when (e is StreamException or PostgresException)
            {
                return Results.Json(new { error = e is PostgresException pg ? pg.MessageText : e.Message }, statusCode: StatusCodes.Status400BadRequest);
            }
        });
    }

    /// <summary>Each row's values as text (what COPY reads), null for JSON null.</summary>
    private static List<IReadOnlyList<string?>> Rows(string body)
    {
        using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 4 });
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("not an array");
        }

        return [.. document.RootElement.EnumerateArray().Select((row, i) => row.ValueKind != JsonValueKind.Array
            ? throw new FormatException($"row {i + 1} is not an array")
            : (IReadOnlyList<string?>)[.. row.EnumerateArray().Select(v => v.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Number => v.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => throw new FormatException($"row {i + 1} holds a {v.ValueKind}, not a value"),
            })])];
    }

    private static async Task<string?> BodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
