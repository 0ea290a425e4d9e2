namespace Portal.Infrastructure.Demo;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Contracts;
using Portal.Core.Access;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Projects;
using Portal.Infrastructure.Persistence;

/// <summary>Creates the "Demo shop" project, its users and history, and each environment's data on disk; safe to run at every start.</summary>
public sealed class DemoSeeder(
    IDbContextFactory<PortalDbContext> contexts,
    IOptions<PortalOptions> options,
    TimeProvider time,
    ILogger<DemoSeeder> logger)
{
    public const string ProjectId = "demo-shop";
    public const string AdminUserId = "alice";
    public const string ContributorUserId = "bob";
    public const string ViewerUserId = "carol";

    private sealed record DemoEnvironment(string Name, string Title, string? Parent, EnvironmentType Type, EnvironmentPlan Plan, EnvironmentStatus Status);

    private static readonly DemoEnvironment[] Environments =
    [
        new("master", "Master", null, EnvironmentType.Production, EnvironmentPlan.Starter, EnvironmentStatus.Active),
        new("staging", "Staging", "master", EnvironmentType.Staging, EnvironmentPlan.Starter, EnvironmentStatus.Active),
        new("integration", "Integration", "staging", EnvironmentType.Development, EnvironmentPlan.Pro, EnvironmentStatus.Active),
        new("develop-branch", "Develop branch", "integration", EnvironmentType.Development, EnvironmentPlan.Pro, EnvironmentStatus.Active),
        new("old-feature", "Old feature", "integration", EnvironmentType.Development, EnvironmentPlan.Pro, EnvironmentStatus.Inactive),
        new("production", "Pro Production", "master", EnvironmentType.Production, EnvironmentPlan.Pro, EnvironmentStatus.Active),
        new("pro-staging", "Pro Staging", "production", EnvironmentType.Staging, EnvironmentPlan.Pro, EnvironmentStatus.Active),
    ];

    public string EnvironmentRoot(string environmentName) =>
        Path.Combine(options.Value.ResolvedDataPath, "demo", environmentName);

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Projects.AnyAsync(p => p.Id == ProjectId, cancellationToken))
        {
            await AddProjectAsync(db, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Created the demo project {ProjectId}", ProjectId);
        }

        foreach (var environment in Environments)
        {
            var root = EnvironmentRoot(environment.Name);
            if (!File.Exists(Path.Combine(root, DemoData.DatabaseFile)))
            {
                // Written to a sibling folder first so a crash never leaves a half-generated environment behind.
                var staging = root + ".seeding";
                if (Directory.Exists(staging))
                {
                    Directory.Delete(staging, recursive: true);
                }

                DemoData.Write(staging, environment.Name, options.Value.Demo.MediaFiles);
                if (Directory.Exists(root))
                {
                    Directory.Delete(root, recursive: true);
                }

                Directory.Move(staging, root);
            }
        }
    }

    private async Task AddProjectAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var project = new Project { Id = ProjectId, Title = "Demo shop", CreatedAt = now };
        db.Projects.Add(project);
        // A declared project may already name a demo user as its admin, which adds that user first.
        PortalUser[] users =
        [
            new() { Id = AdminUserId, DisplayName = "Alice", Email = "alice@example.com" },
            new() { Id = ContributorUserId, DisplayName = "Bob", Email = "bob@example.com" },
            new() { Id = ViewerUserId, DisplayName = "Carol", Email = "carol@example.com" },
        ];
        var known = await db.Users.Where(u => u.Id == AdminUserId || u.Id == ContributorUserId || u.Id == ViewerUserId).Select(u => u.Id).ToListAsync(cancellationToken);
        db.Users.AddRange(users.Where(u => !known.Contains(u.Id)));
        db.ProjectAccess.AddRange(
            new ProjectAccess { ProjectId = ProjectId, UserId = AdminUserId, Role = ProjectRole.Admin },
            new ProjectAccess { ProjectId = ProjectId, UserId = ContributorUserId, Role = ProjectRole.Viewer },
            new ProjectAccess { ProjectId = ProjectId, UserId = ViewerUserId, Role = ProjectRole.Viewer });
        db.EnvironmentTypeAccess.AddRange(Enum.GetValues<EnvironmentType>().Select(type =>
            new EnvironmentTypeAccess { ProjectId = ProjectId, UserId = ContributorUserId, EnvironmentType = type, Role = EnvironmentRole.Contributor }));

        var age = 0;
        foreach (var definition in Environments)
        {
            var environment = new ProjectEnvironment
            {
                ProjectId = ProjectId,
                Name = definition.Name,
                Title = definition.Title,
                ParentName = definition.Parent,
                Type = definition.Type,
                Plan = definition.Plan,
                Status = definition.Status,
                CreatedAt = now.AddDays(-30),
            };
            var root = EnvironmentRoot(definition.Name);
            environment.Services.AddRange(DemoData.Mounts.Select(mount =>
                new EnvironmentService { EnvironmentId = environment.Id, Kind = ServiceKind.Mount, Name = mount, Location = Path.Combine(root, mount) }));
            environment.Services.Add(new EnvironmentService
            {
                EnvironmentId = environment.Id,
                Kind = ServiceKind.Sqlite,
                Name = "database",
                Location = Path.Combine(root, DemoData.DatabaseFile),
            });
            db.Environments.Add(environment);
            db.Activities.AddRange(History(environment, now.AddHours(-age)));
            age += 7;
        }
    }

    /// <summary>A few days of finished activities of several types, so the feed is worth filtering.</summary>
    private static IEnumerable<Activity> History(ProjectEnvironment environment, DateTimeOffset now)
    {
        (string Type, string User, string Text, double HoursAgo, bool Failed)[] entries =
        [
            (ActivityTypes.Branch, "Alice", $"Alice branched {environment.Name} from {environment.ParentName ?? "nothing"}", 240, false),
            (ActivityTypes.Push, "Bob", $"Bob pushed 3 commits to {environment.Name}", 200, false),
            (ActivityTypes.Variable, "Alice", $"Alice updated variable env:ADMIN_EMAIL on {environment.Name}", 150, false),
            (ActivityTypes.Push, "Bob", $"Bob pushed 1 commit to {environment.Name}", 96, true),
            (ActivityTypes.Redeploy, "Alice", $"Alice redeployed {environment.Name}", 95, false),
            (ActivityTypes.Cron, "Portal", $"Cron job catalog_index_refresh ran on {environment.Name}", 30, false),
            (ActivityTypes.Sync, "Alice", $"Alice synced {environment.Name} with {environment.ParentName ?? "itself"}", 20, false),
            (ActivityTypes.Cron, "Portal", $"Cron job sitemap_generate ran on {environment.Name}", 2, false),
        ];
        return entries.Select(e => new Activity
        {
            Id = PortalIds.New(),
            ProjectId = environment.ProjectId,
            EnvironmentId = environment.Id,
            EnvironmentName = environment.Name,
            Type = e.Type,
            State = ActivityState.Complete,
            Result = e.Failed ? ActivityResult.Failure : ActivityResult.Success,
            Reason = e.Failed ? "build hook exited with code 1" : null,
            CompletionPercent = 100,
            CreatedAt = now.AddHours(-e.HoursAgo),
            StartedAt = now.AddHours(-e.HoursAgo),
            CompletedAt = now.AddHours(-e.HoursAgo).AddSeconds(40),
            Text = e.Text,
            InitiatedBy = e.User.ToLowerInvariant(),
            Log = $"{e.Text}\n",
        });
    }
}
