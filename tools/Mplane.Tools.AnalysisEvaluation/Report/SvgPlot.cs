using System.Globalization;
using System.Security;
using System.Text;
using Mplane.Generators.Tstat;

namespace Mplane.Tools.AnalysisEvaluation.Report;

/// <summary>
/// A self-contained SVG of one feature's score and threshold over the run (log scale), with the
/// alarmed bins marked and the labelled anomalies shaded by kind. Plain text: no plotting library.
/// </summary>
public sealed class SvgPlot(ScoreSeries series)
{
    private const double Width = 1200;
    private const double Height = 440;
    private const double Left = 70;
    private const double Right = 45;
    private const double Top = 56;
    private const double Bottom = 50;

    private static readonly Dictionary<AnomalyKind, string> KindColours = new()
    {
        [AnomalyKind.PortScan] = "#f4a261",
        [AnomalyKind.Ddos] = "#9b5de5",
        [AnomalyKind.Outage] = "#2a9d8f",
        [AnomalyKind.FlashCrowd] = "#e9c46a",
    };

    private readonly (double Low, double High) _range = Range(series.Points.SelectMany(p => new[] { p.Score, p.Threshold }).Where(v => v > 0).ToList());

    /// <summary>The SVG document.</summary>
    public string Render()
    {
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        svg.Append(Invariant($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n"));
        svg.Append(Invariant($"<text x=\"{Left}\" y=\"20\" font-size=\"15\">{Escape(series.Detector)} score of {Escape(series.Feature)} (log scale), seed {series.Traffic.Seed}, default settings: {series.Points.Count(p => p.IsAlarm)} alarmed bins</text>\n"));
        Labels(svg);
        Axes(svg);
        Lines(svg, p => p.Threshold, "#666666", "stroke-dasharray=\"5 3\"");
        Lines(svg, p => p.Score, "#1d4e89", string.Empty);
        foreach (var p in series.Points.Where(p => p.IsAlarm))
        {
            svg.Append(Invariant($"<circle cx=\"{X(p.Bin + (series.Bin / 2)):0.#}\" cy=\"{Y(p.Score):0.#}\" r=\"3\" fill=\"#d62828\"/>\n"));
        }

        Legend(svg);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private void Labels(StringBuilder svg)
    {
        foreach (var label in series.Labels)
        {
            var x = X(label.Start);
            svg.Append(Invariant(
                $"<rect x=\"{x:0.#}\" y=\"{Top}\" width=\"{Math.Max(1, X(label.End) - x):0.#}\" height=\"{Height - Top - Bottom}\" fill=\"{KindColours[label.Kind]}\" fill-opacity=\"0.45\"><title>{label.Kind.Name()} {Format.Time(label.Start)} {Escape(label.Key)}</title></rect>\n"));
        }
    }

    private void Axes(StringBuilder svg)
    {
        for (var v = _range.Low; v <= _range.High * 1.0001; v *= 10)
        {
            svg.Append(Invariant($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(v):0.#}\" y2=\"{Y(v):0.#}\" stroke=\"#dddddd\"/>\n"));
            svg.Append(Invariant($"<text x=\"{Left - 6}\" y=\"{Y(v) + 4:0.#}\" text-anchor=\"end\">{Format.Number(v, "0.####")}</text>\n"));
        }

        var start = series.Traffic.Start;
        for (var t = start; t <= series.Traffic.End; t += TimeSpan.FromHours(6))
        {
            var day = (t - start).Ticks % TimeSpan.TicksPerDay == 0;
            svg.Append(Invariant($"<line x1=\"{X(t):0.#}\" x2=\"{X(t):0.#}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"{(day ? "#999999" : "#eeeeee")}\"/>\n"));
            svg.Append(Invariant($"<text x=\"{X(t):0.#}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{t.UtcDateTime:MM-dd HH:mm}</text>\n"));
        }

        svg.Append(Invariant($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"none\" stroke=\"#333333\"/>\n"));
        svg.Append(Invariant($"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 10}\" text-anchor=\"middle\">simulated time (UTC)</text>\n"));
    }

    /// <summary>The series as polylines, broken where bins are missing (no decision).</summary>
    private void Lines(StringBuilder svg, Func<ScorePoint, double> value, string colour, string style)
    {
        foreach (var run in Runs())
        {
            var points = string.Join(' ', run.Select(p => Invariant($"{X(p.Bin + (series.Bin / 2)):0.#},{Y(value(p)):0.#}")));
            svg.Append(Invariant($"<polyline points=\"{points}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.2\" {style}/>\n"));
        }
    }

    private void Legend(StringBuilder svg)
    {
        var x = Left;
        void Item(string symbol, string text)
        {
            svg.Append(Invariant($"<g transform=\"translate({x:0.#},40)\">{symbol}<text x=\"22\" y=\"4\">{Escape(text)}</text></g>\n"));
            x += 34 + (text.Length * 6.5);
        }

        Item("<line x1=\"0\" x2=\"18\" stroke=\"#1d4e89\" stroke-width=\"1.5\"/>", "score");
        Item("<line x1=\"0\" x2=\"18\" stroke=\"#666666\" stroke-dasharray=\"5 3\"/>", "threshold");
        Item("<circle cx=\"9\" r=\"3\" fill=\"#d62828\"/>", "alarm");
        foreach (var (kind, colour) in KindColours)
        {
            Item(Invariant($"<rect x=\"0\" y=\"-6\" width=\"18\" height=\"12\" fill=\"{colour}\" fill-opacity=\"0.45\"/>"), $"{kind.Name()} (labelled)");
        }
    }

    private IEnumerable<List<ScorePoint>> Runs()
    {
        var run = new List<ScorePoint>();
        foreach (var p in series.Points)
        {
            if (run.Count > 0 && p.Bin - run[^1].Bin > series.Bin)
            {
                yield return run;
                run = [];
            }

            run.Add(p);
        }

        if (run.Count > 0)
        {
            yield return run;
        }
    }

    private double X(DateTimeOffset t) =>
        Left + ((t - series.Traffic.Start) / (series.Traffic.End - series.Traffic.Start) * (Width - Left - Right));

    private double Y(double v)
    {
        var clamped = Math.Clamp(v, _range.Low, _range.High);
        return Height - Bottom - ((Math.Log10(clamped) - Math.Log10(_range.Low)) / (Math.Log10(_range.High) - Math.Log10(_range.Low)) * (Height - Top - Bottom));
    }

    /// <summary>The decades that hold every positive value (at least one decade).</summary>
    private static (double Low, double High) Range(IReadOnlyList<double> values)
    {
        var low = values.Count == 0 ? -2 : Math.Floor(Math.Log10(values.Min()));
        var high = values.Count == 0 ? 0 : Math.Ceiling(Math.Log10(values.Max()));
        return (Math.Pow(10, low), Math.Pow(10, Math.Max(high, low + 1)));
    }

    private static string Escape(string text) => SecurityElement.Escape(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
