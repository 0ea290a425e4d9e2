namespace Portal.Infrastructure.Tests.Support;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Contracts;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;

/// <summary>
/// A shop declared in configuration, with Portal's data folder beside it in one temp folder: each environment's mounts are
/// real folders holding a file, so a snapshot of it has something to capture. Declarations are built fresh on each call,
/// so a test changes its copy between starts without touching the one it compares against.
/// </summary>
public sealed class DeclaredShop : IDisposable
{
    public const string ProjectId = "shop";
    public const string Admin = "dana";

    private readonly string _root = Directory.CreateTempSubdirectory("portal-declared-").FullName;

    /// <summary>Portal's own data folder (<c>Portal:DataPath</c>).</summary>
    public string DataPath => Path.Combine(_root, "portal");

    public ProjectDefinition Project(params EnvironmentDefinition[] environments) =>
        new() { Id = ProjectId, Title = "Shop", Admins = [Admin], Environments = [.. environments] };

    /// <summary>An environment with two mounts, <c>pub/media</c> and <c>var</c>.</summary>
    public EnvironmentDefinition Environment(string name, string? parent = null, EnvironmentType type = EnvironmentType.Development) => new()
    {
        Name = name,
        Title = $"{name} branch",
        Parent = parent,
        Type = type,
        Services = [Mount(name, "pub/media"), Mount(name, "var")],
    };

    public ServiceDefinition Mount(string environment, string name)
    {
        var folder = Path.Combine(_root, "shop", environment, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "kept.txt"), $"{environment} {name}");
        return new ServiceDefinition { Name = name, Kind = ServiceKind.Mount, Location = folder };
    }

    /// <summary>The declarations as the settings Portal reads, with the demo project off so the database holds only them.</summary>
    public static Dictionary<string, string?> Settings(params ProjectDefinition[] projects) =>
        new(ConfigurationPairs.Projects(projects)) { ["Portal:Demo:Enabled"] = "false" };

    /// <summary>A safe snapshot through the REST API as the declared admin, waited for until it succeeded; returns its id.</summary>
    public static async Task<string> TakeSnapshotAsync(PortalProcess portal, string environment)
    {
        using var dana = await portal.SignedInClientAsync(DeclaredShop.Admin, TestContext.Current.CancellationToken);
        var created = await dana.PostAsJsonAsync(new Uri($"api/projects/shop/environments/{environment}/snapshots", UriKind.Relative), new { live = false }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var activity = await created.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (activity.GetProperty("state").GetString() != "complete")
        {
            Assert.True(DateTime.UtcNow < deadline, $"the snapshot did not finish in time:\n{portal.Output}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
            activity = await dana.GetFromJsonAsync<JsonElement>(new Uri($"api/projects/shop/activities/{activity.GetProperty("id").GetString()}", UriKind.Relative), TestContext.Current.CancellationToken);
        }

        Assert.True(activity.GetProperty("result").GetString() == "success", activity.GetProperty("log").GetString());
        return activity.GetProperty("snapshot_id").GetString()!;
    }

    /// <summary>POSTs an activity and waits for it to finish; its final state as the API shows it.</summary>
    public static async Task<JsonElement> RunAsync(PortalProcess portal, HttpClient client, string path, object body)
    {
        var cancel = TestContext.Current.CancellationToken;
        using var created = await client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, cancel);
        Assert.True(created.StatusCode == HttpStatusCode.Accepted, await created.Content.ReadAsStringAsync(cancel));
        var activity = await created.Content.ReadFromJsonAsync<JsonElement>(cancel);
        // The activity's own address, whichever project it is in.
        var self = new Uri(created.Headers.Location!.OriginalString.TrimStart('/'), UriKind.Relative);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (activity.GetProperty("state").GetString() != "complete")
        {
            Assert.True(DateTime.UtcNow < deadline, $"the activity did not finish in time:\n{portal.Output}");
            await Task.Delay(200, cancel);
            activity = await client.GetFromJsonAsync<JsonElement>(self, cancel);
        }

        return activity;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
