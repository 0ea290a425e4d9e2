namespace Portal.Cli;

using System.Globalization;
using System.Text;
using System.Text.Json;
using Portal.Contracts;

/// <summary>How a list is printed: the seed's ASCII table for people, or JSON, CSV or tab-separated lines for scripts.</summary>
internal enum OutputFormat
{
    Table,
    Json,
    Csv,
    Plain,
}

/// <summary>Rows to print: column names, each row's cells as text, and the API's objects themselves for JSON.</summary>
internal sealed record Listing(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows, object Items);

internal static class Output
{
    public static readonly string[] FormatNames = ["table", "json", "csv", "plain"];

    public static OutputFormat ParseFormat(string? name) => name switch
    {
        null or "table" => OutputFormat.Table,
        "json" => OutputFormat.Json,
        "csv" => OutputFormat.Csv,
        "plain" => OutputFormat.Plain,
        _ => throw new CliException(ExitCodes.Usage, $"--format must be one of {string.Join(", ", FormatNames)}; got '{name}'."),
    };

    public static void Write(TextWriter writer, OutputFormat format, Listing listing)
    {
        switch (format)
        {
            case OutputFormat.Json:
                writer.WriteLine(Json(listing.Items));
                break;
            case OutputFormat.Csv:
                foreach (var row in listing.Rows.Prepend(listing.Columns))
                {
                    writer.WriteLine(string.Join(',', row.Select(CsvCell)));
                }

                break;
            case OutputFormat.Plain:
                foreach (var row in listing.Rows)
                {
                    writer.WriteLine(string.Join('\t', row.Select(c => c.Replace('\t', ' ').Replace('\n', ' '))));
                }

                break;
            default:
                writer.Write(Table(listing.Columns, listing.Rows));
                break;
        }
    }

    public static string Json(object value) => JsonSerializer.Serialize(value, value.GetType(), JsonOptions);

    /// <summary>The seed's table: <c>+---+</c> borders, one space either side of each cell, columns as wide as their widest cell.</summary>
    public static string Table(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var widths = columns.Select((c, i) => rows.Select(r => r[i].Length).Prepend(c.Length).Max()).ToArray();
        var border = "+" + string.Join("+", widths.Select(w => new string('-', w + 2))) + "+";
        var table = new StringBuilder();
        table.AppendLine(border);
        table.AppendLine(Line(columns, widths));
        table.AppendLine(border);
        foreach (var row in rows)
        {
            table.AppendLine(Line(row, widths));
        }

        if (rows.Count > 0)
        {
            table.AppendLine(border);
        }

        return table.ToString();
    }

    /// <summary>A time as ISO-8601 with the local offset, as the seed prints it, e.g. 2023-03-08T17:07:01+00:00.</summary>
    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.ToLocalTime().ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture) : "";

    public static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var unit = (int)Math.Min(units.Length - 1, Math.Max(0, Math.Floor(Math.Log(Math.Max(bytes, 1), 1024))));
        var value = bytes / Math.Pow(1024, unit);
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }

    private static readonly JsonSerializerOptions JsonOptions = new(ApiJson.Options) { WriteIndented = true };

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        "| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |";

    private static string CsvCell(string cell) =>
        cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
}
