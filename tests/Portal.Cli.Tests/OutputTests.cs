namespace Portal.Cli.Tests;

using System.Text.Json;

public sealed class OutputTests
{
    [Fact]
    public void ATableIsDrawnExactlyInTheSeedsStyle()
    {
        var table = Output.Table(["Created", "Snapshot ID", "Restorable"], [["2023-03-08T17:07:01+00:00", "my-snapshot", "true"]]);

        Assert.Equal(
            """
            +---------------------------+-------------+------------+
            | Created                   | Snapshot ID | Restorable |
            +---------------------------+-------------+------------+
            | 2023-03-08T17:07:01+00:00 | my-snapshot | true       |
            +---------------------------+-------------+------------+

            """.ReplaceLineEndings(Environment.NewLine), table);
    }

    [Fact]
    public void AnEmptyTableStillShowsItsColumns()
    {
        var table = Output.Table(["Created", "Snapshot ID"], []);

        Assert.Equal(["+---------+-------------+", "| Created | Snapshot ID |", "+---------+-------------+"], table.TrimEnd().Split(Environment.NewLine));
    }

    [Fact]
    public void CsvQuotesCellsHoldingCommasQuotesOrNewlines()
    {
        using var writer = new StringWriter();

        Output.Write(writer, OutputFormat.Csv, new Listing(["ID", "Description"], [["a1", "Alice said \"hi\", twice"]], new object()));

        Assert.Equal(["ID,Description", "a1,\"Alice said \"\"hi\"\", twice\""], writer.ToString().TrimEnd().Split(Environment.NewLine));
    }

    [Fact]
    public void PlainIsTabSeparatedWithoutAHeader()
    {
        using var writer = new StringWriter();

        Output.Write(writer, OutputFormat.Plain, new Listing(["ID", "Title"], [["demo-shop", "Demo\tshop"]], new object()));

        Assert.Equal("demo-shop\tDemo shop" + Environment.NewLine, writer.ToString());
    }

    [Fact]
    public void JsonIsTheApiObjectsInTheApisSnakeCase()
    {
        using var writer = new StringWriter();

        Output.Write(writer, OutputFormat.Json, new Listing([], [], new[] { new Portal.Contracts.ProjectDto("demo-shop", "Demo shop") }));

        var project = Assert.Single(JsonDocument.Parse(writer.ToString()).RootElement.EnumerateArray());
        Assert.Equal("Demo shop", project.GetProperty("title").GetString());
    }

    [Fact]
    public void TimesAreIso8601WithTheirOffset()
    {
        var text = Output.Time(new DateTimeOffset(2023, 3, 8, 17, 7, 1, TimeSpan.Zero));

        var parsed = DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(new DateTimeOffset(2023, 3, 8, 17, 7, 1, TimeSpan.Zero), parsed);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", text);
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(5L * 1024 * 1024 * 1024, "5 GiB")]
    public void SizesAreShownInBinaryUnits(long bytes, string expected) => Assert.Equal(expected, Output.Size(bytes));

    [Fact]
    public void AnUnknownFormatIsAUsageError()
    {
        var error = Assert.Throws<CliException>(() => Output.ParseFormat("yaml"));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }
}
