namespace Portal.Bench.Tests;

public sealed class ReportTests : IDisposable
{
    private const string Begin = "<!-- bench:product:begin -->";
    private const string End = "<!-- bench:product:end -->";
    private const string Heading = "## Product path";
    private const string Engine = "## Snapshot engine";

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"benchmarks-{Guid.NewGuid():N}.md");

    [Fact]
    public void ANewSectionGoesAboveTheNamedSectionAndARerunReplacesOnlyItsBlockKeepingTheNotes()
    {
        File.WriteAllText(_path, $"# Benchmarks\n\n## Feed query\n\nfeed figures\n\n{Engine}\n\n<!-- bench:engine:begin -->\nengine figures\n<!-- bench:engine:end -->\n");

        Report.WriteDocs(_path, "first figures\n", Begin, End, Heading, Engine);
        File.WriteAllText(_path, File.ReadAllText(_path).Replace(End + "\n", End + "\n\nnotes kept across runs\n", StringComparison.Ordinal));
        Report.WriteDocs(_path, "second figures\n", Begin, End, Heading, Engine);

        var text = File.ReadAllText(_path);
        Assert.Equal(
            $"# Benchmarks\n\n## Feed query\n\nfeed figures\n\n{Heading}\n\n{Begin}\nsecond figures\n{End}\n\nnotes kept across runs\n\n{Engine}\n\n<!-- bench:engine:begin -->\nengine figures\n<!-- bench:engine:end -->\n",
            text);
    }

    [Fact]
    public void WithoutTheNamedSectionANewSectionIsAppended()
    {
        File.WriteAllText(_path, "# Benchmarks\n\n## Feed query\n\nfeed figures\n");

        Report.WriteDocs(_path, "figures\n", Begin, End, Heading, Engine);

        Assert.Equal($"# Benchmarks\n\n## Feed query\n\nfeed figures\n\n{Heading}\n\n{Begin}\nfigures\n{End}\n", File.ReadAllText(_path));
    }

    public void Dispose() => File.Delete(_path);
}
