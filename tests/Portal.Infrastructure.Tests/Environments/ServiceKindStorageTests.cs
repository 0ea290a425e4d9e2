namespace Portal.Infrastructure.Tests.Environments;

using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Core.Environments;
using Portal.Infrastructure.Persistence;

public sealed class ServiceKindStorageTests
{
    /// <summary>Rows written before the kind type moved to Portal.Contracts hold these names; both providers must still read them.</summary>
    private static readonly string[] StoredNames = ["Mount", "Sqlite", "MySql", "PostgreSql", "Redis"];

    [Fact]
    public void TheKindColumnKeepsItsNamesOnBothProviders()
    {
        DbContext[] contexts =
        [
            new SqlitePortalDbContext(new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite("Data Source=:memory:").Options),
            new PostgresPortalDbContext(new DbContextOptionsBuilder<PostgresPortalDbContext>().UseNpgsql("Host=127.0.0.1").Options),
        ];
        foreach (var context in contexts)
        {
            using (context)
            {
                var column = context.Model.FindEntityType(typeof(EnvironmentService))!.FindProperty(nameof(EnvironmentService.Kind))!;
                var converter = column.GetTypeMapping().Converter!;

                Assert.Equal(typeof(string), converter.ProviderClrType);
                Assert.Equal(StoredNames, Enum.GetValues<ServiceKind>().Select(kind => (string?)converter.ConvertToProvider(kind)));
                Assert.Equal(Enum.GetValues<ServiceKind>(), StoredNames.Select(name => (ServiceKind)converter.ConvertFromProvider(name)!));
            }
        }
    }
}
