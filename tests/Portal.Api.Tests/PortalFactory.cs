namespace Portal.Api.Tests;

using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Access;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Demo;
using Portal.Infrastructure.Persistence;

/// <summary>Portal in-process on its embedded default (SQLite in a temp folder, demo seeded), in the given environment.</summary>
public partial class PortalFactory : WebApplicationFactory<Program>
{
    public const string EnvironmentAdminId = "erin";
    public const string NoRoleId = "dave";
    public const string NoRoleEmail = "dave@example.org";

    private readonly string _dataPath = Directory.CreateTempSubdirectory("portal-access-").FullName;
    private readonly string _environment;
    private readonly Dictionary<string, string?> _settings;

    public PortalFactory(string environment = "Development", Dictionary<string, string?>? settings = null)
    {
        _environment = environment;
        _settings = settings ?? [];
        ClientOptions.BaseAddress = new Uri("https://localhost");
        ClientOptions.AllowAutoRedirect = false;
    }

    public Action<IServiceCollection>? TestServices { get; init; }

    /// <summary>Portal's data folder (<c>Portal:DataPath</c>): portal.db and the snapshot store.</summary>
    public string DataPath => _dataPath;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        builder.UseSetting("Portal:DataPath", _dataPath);
        builder.UseSetting("Portal:Demo:Enabled", _environment == "Development" ? "true" : "false");
        builder.UseSetting("Portal:Demo:MediaFiles", "2");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (TestServices is { } configure)
        {
            builder.ConfigureTestServices(configure);
        }
    }

    /// <summary>Adds an environment admin (development only, no project role) and a user with no role at all.</summary>
    public async Task SeedMatrixUsersAsync(CancellationToken cancellationToken)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(cancellationToken);
        if (await db.Users.AnyAsync(u => u.Id == EnvironmentAdminId, cancellationToken))
        {
            return;
        }

        db.Users.AddRange(
            new PortalUser { Id = EnvironmentAdminId, DisplayName = "Erin" },
            new PortalUser { Id = NoRoleId, DisplayName = "Dave", Email = NoRoleEmail });
        db.EnvironmentTypeAccess.Add(new EnvironmentTypeAccess
        {
            ProjectId = DemoSeeder.ProjectId, UserId = EnvironmentAdminId, EnvironmentType = EnvironmentType.Development, Role = EnvironmentRole.Admin,
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>A complete, restorable snapshot of an environment, as the worker leaves one.</summary>
    public async Task<string> AddRestorableSnapshotAsync(string environmentName, CancellationToken cancellationToken) =>
        (await AddSnapshotAsync(environmentName, DateTimeOffset.UtcNow.AddHours(-1), SnapshotStatus.Created, cancellationToken)).Id;

    /// <summary>A snapshot row taken at <paramref name="createdAt"/> (8 days ago: expired) and left in <paramref name="status"/>.</summary>
    public async Task<Snapshot> AddSnapshotAsync(string environmentName, DateTimeOffset createdAt, SnapshotStatus status, CancellationToken cancellationToken)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(cancellationToken);
        var environment = await db.Environments.SingleAsync(e => e.ProjectId == DemoSeeder.ProjectId && e.Name == environmentName, cancellationToken);
        var snapshot = TestSnapshots.Created(environment, createdAt, DemoSeeder.AdminUserId);
        snapshot.Status = status;
        db.Snapshots.Add(snapshot);
        await db.SaveChangesAsync(cancellationToken);
        return snapshot;
    }

    /// <summary>A client signed in through the Development local sign-in (one GET), keeping the session cookie.</summary>
    public async Task<HttpClient> SignedInClientAsync(string userId, CancellationToken cancellationToken)
    {
        var client = CreateClient();
        var response = await client.GetAsync($"/account/local-login?user={userId}&returnUrl=/", cancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>Signs the client's browser out as the user menu does: a POST carrying the antiforgery token of a page it loaded.</summary>
    public static async Task<HttpResponseMessage> SignOutAsync(HttpClient client, string returnUrl, CancellationToken cancellationToken)
    {
        var (name, token) = await AntiforgeryFieldAsync(client, cancellationToken);
        return await client.PostAsync("/authentication/logout", new FormUrlEncodedContent([new(name, token), new("returnUrl", returnUrl)]), cancellationToken);
    }

    /// <summary>The antiforgery field (name, token) the local sign-in page renders for this client's browser.</summary>
    public static async Task<(string Name, string Token)> AntiforgeryFieldAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var page = await client.GetStringAsync("/account/local-login", cancellationToken);
        var token = TokenField().Match(page);
        Assert.True(token.Success, "the local sign-in page renders an antiforgery field");
        return (token.Groups["name"].Value, WebUtility.HtmlDecode(token.Groups["value"].Value));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the temp folder is the OS's to clean.
        }
    }

    [GeneratedRegex("name=\"(?<name>__RequestVerificationToken)\" value=\"(?<value>[^\"]+)\"")]
    private static partial Regex TokenField();
}
