namespace Portal.Infrastructure.Tests.Support;

using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Core.Access;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Persistence;

/// <summary>
/// What the metadata database holds of projects, environments, services and admins, one comparable line each, and the
/// same lines as a declaration says they should be, so a test compares the two and a failure shows the difference.
/// </summary>
public static class MetadataInventory
{
    /// <summary>The metadata database of a Portal that ran on this data folder and test database (Portal need not run).</summary>
    public static PortalDbContext Open(TestDatabase database, string dataPath) => database.IsPostgreSql
        ? new PostgresPortalDbContext(new DbContextOptionsBuilder<PostgresPortalDbContext>().UseNpgsql(database.ConnectionString).Options)
        : new SqlitePortalDbContext(new DbContextOptionsBuilder<SqlitePortalDbContext>()
            .UseSqlite($"Data Source={Path.Combine(dataPath, "portal.db")};Pooling=False").Options);

    public static async Task<List<string>> ReadAsync(TestDatabase database, string dataPath)
    {
        await using var db = Open(database, dataPath);
        var ct = TestContext.Current.CancellationToken;
        var lines = new List<string>();
        lines.AddRange((await db.Projects.AsNoTracking().ToListAsync(ct)).Select(p => $"project {p.Id} '{p.Title}'"));
        lines.AddRange((await db.ProjectAccess.AsNoTracking().Where(a => a.Role == ProjectRole.Admin).ToListAsync(ct)).Select(a => $"admin {a.ProjectId} {a.UserId}"));
        foreach (var environment in await db.Environments.AsNoTracking().Include(e => e.Services).ToListAsync(ct))
        {
            lines.Add(Line(environment.ProjectId, environment.Name, environment.Title, environment.ParentName, environment.Type, environment.Plan,
                environment.Status, environment.PreSnapshotCommand, environment.PostSnapshotCommand));
            lines.AddRange(environment.Services.Select(s => Line(environment.ProjectId, environment.Name, s.Name, s.Kind, s.Location)));
        }

        return [.. lines.Order(StringComparer.Ordinal)];
    }

    /// <summary>Each environment's and service's row id by name, to tell a row kept from one deleted and written again.</summary>
    public static async Task<SortedDictionary<string, Guid>> RowIdsAsync(TestDatabase database, string dataPath)
    {
        await using var db = Open(database, dataPath);
        var ids = new SortedDictionary<string, Guid>(StringComparer.Ordinal);
        foreach (var environment in await db.Environments.AsNoTracking().Include(e => e.Services).ToListAsync(TestContext.Current.CancellationToken))
        {
            ids[$"{environment.ProjectId}/{environment.Name}"] = environment.Id;
            foreach (var service in environment.Services)
            {
                ids[$"{environment.ProjectId}/{environment.Name}/{service.Name}"] = service.Id;
            }
        }

        return ids;
    }

    /// <summary>Fails, showing the difference, unless the database holds exactly these declarations and the removed environments, inactive.</summary>
    public static async Task AssertHoldsAsync(TestDatabase database, string dataPath, IEnumerable<ProjectDefinition> declared,
        params (string Project, EnvironmentDefinition Environment)[] removed) =>
        Assert.Equal(Expected(declared, removed), await ReadAsync(database, dataPath));

    /// <summary>The lines of these declarations, with environments since removed from them listed as inactive.</summary>
    public static List<string> Expected(IEnumerable<ProjectDefinition> declared, params (string Project, EnvironmentDefinition Environment)[] removed)
    {
        var lines = new List<string>();
        foreach (var project in declared)
        {
            lines.Add($"project {project.Id} '{(string.IsNullOrWhiteSpace(project.Title) ? project.Id : project.Title)}'");
            lines.AddRange(project.Admins.Distinct(StringComparer.Ordinal).Select(a => $"admin {project.Id} {a}"));
            lines.AddRange(project.Environments.SelectMany(e => Lines(project.Id, e, e.Status)));
        }

        lines.AddRange(removed.SelectMany(r => Lines(r.Project, r.Environment, EnvironmentStatus.Inactive)));
        return [.. lines.Order(StringComparer.Ordinal)];
    }

    private static IEnumerable<string> Lines(string project, EnvironmentDefinition environment, EnvironmentStatus status) =>
        environment.Services.Select(s => Line(project, environment.Name, s.Name, s.Kind, s.Location)).Prepend(
            Line(project, environment.Name, environment.Title ?? environment.Name, environment.Parent, environment.Type, environment.Plan, status,
                environment.PreSnapshotCommand, environment.PostSnapshotCommand));

    private static string Line(string project, string name, string title, string? parent, EnvironmentType type, EnvironmentPlan plan,
        EnvironmentStatus status, string? pre, string? post) =>
        $"environment {project}/{name} '{title}' parent={parent ?? "-"} {type} {plan} {status} pre='{pre}' post='{post}'";

    private static string Line(string project, string environment, string service, ServiceKind kind, string location) =>
        $"service {project}/{environment}/{service} {kind} {location}";
}
