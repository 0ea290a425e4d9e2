namespace Portal.Bench.Tests;

public sealed class EngineDataSetTests
{
    [Fact]
    public void TheProductShopIsTheIssuesShopFromASeedTheEngineModeDoesNotUse()
    {
        var product = DataShape.Product(ProductBenchOptions.Parse(["product"]));
        var engine = DataShape.Engine(EngineBenchOptions.Parse(["engine"]));

        Assert.Equal((12_500, 4, 500_000, 100_000), (product.MediaFiles + product.VarFiles, product.Tables, product.RowsPerTable, product.RedisKeys));
        Assert.NotEqual(engine.Seed, product.Seed);
    }
}
