namespace Mplane.Components.Client;

/// <summary>Text that came from a peer (labels, values, error messages), made safe to print on a terminal.</summary>
public static class PeerText
{
    /// <summary>
    /// <paramref name="text"/> with control characters (a terminal's escape sequences among them) as
    /// '?' and line breaks and tabs as spaces, so that a peer can neither forge lines of output nor
    /// drive the user's terminal.
    /// </summary>
    public static string Printable(string text) =>
        string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = source[i] switch
                {
                    '\n' or '\r' or '\t' => ' ',
                    var c when char.IsControl(c) || c is '\u2028' or '\u2029' or '\u200e' or '\u200f' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069') => '?',
                    var c => c,
                };
            }
        });
}
