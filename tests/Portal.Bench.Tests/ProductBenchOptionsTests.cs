namespace Portal.Bench.Tests;

public sealed class ProductBenchOptionsTests
{
    [Fact]
    public void OnlyTheFullShopInThreeRoundsIsAFullRun()
    {
        Assert.True(ProductBenchOptions.Parse(["product"]).IsFullRun);
        Assert.False(ProductBenchOptions.Parse(["product", "--scale", "0.1"]).IsFullRun);
        Assert.False(ProductBenchOptions.Parse(["product", "--runs", "1"]).IsFullRun);
    }

    [Fact]
    public void DocsPathWritesTheDocsThere()
    {
        var options = ProductBenchOptions.Parse(["product", "--docs-path", "/tmp/b.md", "--runs", "2"]);

        Assert.Equal((true, "/tmp/b.md", 2), (options.WriteDocs, options.DocsPath, options.Runs));
    }

    [Theory]
    [InlineData("--scale", "0")]
    [InlineData("--scale", "11")]
    [InlineData("--runs", "0")]
    [InlineData("--shape", "1")]
    public void AnOptionOutOfRangeOrUnknownIsRefusedWithItsName(string option, string value)
    {
        var refusal = Assert.Throws<ArgumentException>(() => ProductBenchOptions.Parse(["product", option, value]));

        Assert.Contains(option, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOptionWithoutItsValueIsRefused()
    {
        Assert.Throws<ArgumentException>(() => ProductBenchOptions.Parse(["product", "--runs"]));
    }

    [Fact]
    public void OnlyMeasuresTheNamedAreasAndTheEnvironmentBringsTheFilesItsCheckNeeds()
    {
        var all = ProductBenchOptions.Parse(["product", "--runs", "1"]);
        var some = ProductBenchOptions.Parse(["product", "--only", "mariadb,environment", "--runs", "1"]);

        Assert.All(ProductBenchOptions.Areas, area => Assert.True(all.Measures(area), area));
        Assert.Equal(["environment", "files", "mariadb"], some.Only.Order(StringComparer.Ordinal));
        Assert.False(some.Measures("redis"));
        Assert.Equal(1, some.Runs);
    }

    [Theory]
    [InlineData("disk")]
    [InlineData("")]
    [InlineData("files,disk")]
    public void OnlyRefusesAnAreaItDoesNotKnow(string areas)
    {
        var refusal = Assert.Throws<ArgumentException>(() => ProductBenchOptions.Parse(["product", "--only", areas]));

        Assert.Contains("--only", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APartialRunNeverWritesTheDocs()
    {
        Assert.Throws<ArgumentException>(() => ProductBenchOptions.Parse(["product", "--only", "redis", "--docs"]));
        Assert.Throws<ArgumentException>(() => ProductBenchOptions.Parse(["product", "--docs-path", "/tmp/b.md", "--only", "redis"]));
    }
}
