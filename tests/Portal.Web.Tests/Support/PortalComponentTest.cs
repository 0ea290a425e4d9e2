namespace Portal.Web.Tests.Support;

using System.Security.Claims;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Persistence;
using Portal.Web.Identity;

/// <summary>
/// The one base for component tests: MudBlazor, the real Portal services over a fresh demo data folder, and a signed-in user
/// (Alice, the demo Admin, unless a test signs in as someone else before rendering).
/// </summary>
public abstract class PortalComponentTest : BunitContext, IAsyncLifetime
{
    protected const string ProjectId = DemoSeeder.ProjectId;

    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "portal-web-tests-" + Guid.NewGuid().ToString("N"));
    private readonly BunitAuthorizationContext _authorization;

    protected PortalComponentTest()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddPortalForTests(_dataPath);
        _authorization = AddAuthorization();
        SignInAs(DemoSeeder.AdminUserId, "Alice");
    }

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await PortalTestServices.CreateSeededDataFolderAsync(_dataPath, Cancel);

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        if (Directory.Exists(_dataPath))
        {
            Directory.Delete(_dataPath, recursive: true);
        }
    }

    protected void SignInAs(string userId, string name)
    {
        _authorization.SetAuthorized(name);
        _authorization.SetClaims(new Claim(PortalClaims.UserId, userId), new Claim(PortalClaims.Name, name));
    }

    protected T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    protected Task<Core.Common.Actor> ActorAsync() => Service<CurrentActor>().GetAsync();

    /// <summary>Popovers (selects) and dialogs render into these providers, as in the app's layout.</summary>
    protected (IRenderedComponent<MudPopoverProvider> Popovers, IRenderedComponent<MudDialogProvider> Dialogs) RenderProviders() =>
        (Render<MudPopoverProvider>(), Render<MudDialogProvider>());

    protected async Task<EnvironmentView> EnvironmentAsync(string name) =>
        await Service<EnvironmentDirectory>().GetAsync(await ActorAsync(), ProjectId, name, Cancel);

    /// <summary>Stores a finished snapshot, as the worker would after a successful capture.</summary>
    protected async Task<Snapshot> AddSnapshotAsync(string environmentName, DateTimeOffset createdAt, long size = 40 * 1024 * 1024, bool safe = true,
        string createdBy = DemoSeeder.AdminUserId)
    {
        var environment = (await EnvironmentAsync(environmentName)).Environment;
        var snapshot = TestSnapshots.Created(environment, createdAt, createdBy, size, safe);
        var contexts = Service<IDbContextFactory<PortalDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(Cancel);
        db.Snapshots.Add(snapshot);
        await db.SaveChangesAsync(Cancel);
        return snapshot;
    }

    /// <summary>An open alert on the environment, as the alert raiser records it.</summary>
    protected async Task<Core.Alerts.Alert> AddAlertAsync(string environmentName, Core.Alerts.AlertKind kind, string message, DateTimeOffset raisedAt)
    {
        var environment = (await EnvironmentAsync(environmentName)).Environment;
        var alert = new Core.Alerts.Alert
        {
            ProjectId = ProjectId, EnvironmentId = environment.Id, EnvironmentName = environmentName, Kind = kind, Key = $"test:{Guid.NewGuid():N}",
            Message = message, RaisedAt = raisedAt,
        };
        var contexts = Service<IDbContextFactory<PortalDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(Cancel);
        db.Alerts.Add(alert);
        await db.SaveChangesAsync(Cancel);
        return alert;
    }

    /// <summary>What the worker writes when an activity pauses an environment or gives it back.</summary>
    protected async Task SetEnvironmentStatusAsync(string name, EnvironmentStatus status, string? reason = null)
    {
        var contexts = Service<IDbContextFactory<PortalDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(Cancel);
        var environment = db.Environments.Single(e => e.ProjectId == ProjectId && e.Name == name);
        environment.Status = status;
        environment.StatusReason = reason;
        await db.SaveChangesAsync(Cancel);
    }

    /// <summary>
    /// Another project with Alice as its admin, as a declaration writes it: "master" (production), then the named development
    /// environments, each the child of the one before when <paramref name="chained"/>, else of master.
    /// </summary>
    protected async Task AddProjectAsync(string id, string title, IEnumerable<string> environments, bool chained = false)
    {
        var contexts = Service<IDbContextFactory<PortalDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(Cancel);
        db.Projects.Add(new Core.Projects.Project { Id = id, Title = title });
        db.ProjectAccess.Add(new Core.Access.ProjectAccess { ProjectId = id, UserId = DemoSeeder.AdminUserId, Role = Core.Access.ProjectRole.Admin });
        db.Environments.Add(new ProjectEnvironment { ProjectId = id, Name = "master", Title = "Master", Type = EnvironmentType.Production });
        var parent = "master";
        foreach (var name in environments)
        {
            db.Environments.Add(new ProjectEnvironment { ProjectId = id, Name = name, Title = $"Title of {name}", ParentName = parent, Type = EnvironmentType.Development });
            parent = chained ? name : parent;
        }

        await db.SaveChangesAsync(Cancel);
    }

    protected IRenderedComponent<Components.Pages.EnvironmentPage> RenderPage(string environmentName) =>
        Render<Components.Pages.EnvironmentPage>(p => p
            .Add(x => x.ProjectId, ProjectId)
            .Add(x => x.EnvironmentName, environmentName));

    protected IActivityEvents Events => Service<IActivityEvents>();

    /// <summary>An in-progress update as the worker publishes it; a status only where the activity changed the environment's.</summary>
    protected static ActivityUpdate StatusChange(ProjectEnvironment environment, EnvironmentStatus? status) =>
        new(Core.Common.PortalIds.New(), environment.ProjectId, environment.Id, ActivityTypes.Snapshot, ActivityState.InProgress,
            null, 5, $"{environment.Name} paused", null, EnvironmentStatus: status);

    protected NavigationManager Navigation => Service<NavigationManager>();
}
