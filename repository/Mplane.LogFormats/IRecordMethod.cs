namespace Mplane.LogFormats;

/// <summary>
/// A record method in DSS's sense: a family of formats that it can recognise from an input's first
/// line and describe with a dictionary of typed fields.
/// </summary>
public interface IRecordMethod
{
    /// <summary>The method's name (<c>tstat</c>, <c>mawi</c>), as <c>--method</c> takes it.</summary>
    string Name { get; }

    /// <summary>What the method reads, in one line.</summary>
    string Description { get; }

    /// <summary>Every field the method knows, typed: the union over its formats.</summary>
    IReadOnlyList<FieldDefinition> Dictionary { get; }

    /// <summary>Whether <paramref name="firstLine"/> (without its newline) starts an input of this method.</summary>
    bool Recognises(ReadOnlySpan<byte> firstLine);

    /// <summary>
    /// The format of an input whose first line is <paramref name="firstLine"/>; <paramref name="consumesLine"/>
    /// tells whether that line is a header rather than a record.
    /// </summary>
    /// <exception cref="LogFormatException">The line cannot start an input of this method.</exception>
    RecordFormat CreateFormat(ReadOnlySpan<byte> firstLine, string source, out bool consumesLine);
}

/// <summary>An input that cannot be read; the message names the file and, where known, the line.</summary>
public sealed class LogFormatException(string message, Exception? inner = null) : Exception(message, inner);
