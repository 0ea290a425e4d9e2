namespace Portal.Cli.Tests.Support;

using System.Net;
using System.Net.Http.Json;
using Portal.Contracts;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;

/// <summary>
/// One real Portal for a test class: the demo project (SQLite, real files under its data folder) plus a declared project
/// "cli-shop" whose environments fail or wait in their pre-snapshot command (and whose alerts go to a webhook no one answers), with API tokens for Alice (admin) and Carol
/// (viewer) created the way a user does, by POST /api/me/tokens from a signed-in session.
/// </summary>
public sealed class CliPortal : IAsyncLifetime
{
    public const string Demo = "demo-shop";
    public const string Declared = "cli-shop";

    private readonly TempFolder _root = new();

    public PortalProcess Portal { get; private set; } = default!;

    public string AliceToken { get; private set; } = "";

    public string CarolToken { get; private set; } = "";

    /// <summary>The declared project's webhook: a loopback port nothing listens on, so every try to deliver an alert fails for real.</summary>
    public string WebhookUrl { get; } = $"http://127.0.0.1:{Loopback.FreePort()}/portal-alerts";

    /// <summary>A demo environment's folder on disk, to change its files between a snapshot and a restore.</summary>
    public string DemoFolder(string environment) => Path.Combine(Portal.DataPath, "demo", environment);

    public async ValueTask InitializeAsync()
    {
        var declared = new ProjectDefinition
        {
            Id = Declared,
            Title = "CLI shop",
            Admins = ["alice"],
            Webhooks = [new WebhookDefinition { Url = WebhookUrl, Secret = "cli-tests-webhook-secret" }],
            Environments =
            [
                Environment("failing", "echo 'maintenance mode refused' >&2; exit 3"),
                Environment("slow", "sleep 8"),
            ],
        };
        var settings = new Dictionary<string, string?>(ConfigurationPairs.Projects(declared))
        {
            ["Portal:Demo:MediaFiles"] = "300",
            ["Alerts:DispatchInterval"] = "00:00:00.200", // alerts are raised by a background job; alert:list tests poll for them
        };
        Portal = await PortalProcess.StartAsync(_root.Combine("portal"), settings, TestContext.Current.CancellationToken);
        AliceToken = await CreateTokenAsync("alice");
        CarolToken = await CreateTokenAsync("carol");
    }

    /// <summary>A CLI whose runs reach this Portal with the given token through PORTAL_URL and PORTAL_TOKEN.</summary>
    public CliProcess Cli(string token, TempFolder home)
    {
        var cli = new CliProcess(home.Path);
        cli.Variables["PORTAL_URL"] = Portal.BaseUri.ToString();
        cli.Variables["PORTAL_TOKEN"] = token;
        return cli;
    }

    public async Task<string> CreateTokenAsync(string user, bool readOnly = false)
    {
        using var client = await Portal.SignedInClientAsync(user, TestContext.Current.CancellationToken);
        var response = await client.PostAsJsonAsync(new Uri("api/me/tokens", UriKind.Relative),
            new CreateTokenRequest { Name = $"cli tests ({user})", ReadOnly = readOnly }, ApiJson.Options, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /api/me/tokens answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        var created = await response.Content.ReadFromJsonAsync<CreatedTokenDto>(ApiJson.Options, TestContext.Current.CancellationToken);
        return created!.Token;
    }

    public async ValueTask DisposeAsync()
    {
        if (Portal is not null)
        {
            await Portal.DisposeAsync();
        }

        _root.Dispose();
    }

    private EnvironmentDefinition Environment(string name, string preSnapshotCommand)
    {
        var media = Directory.CreateDirectory(_root.Combine("shop", name, "pub", "media")).FullName;
        File.WriteAllText(Path.Combine(media, "logo.png"), name);
        return new EnvironmentDefinition
        {
            Name = name,
            Type = EnvironmentType.Development,
            PreSnapshotCommand = preSnapshotCommand,
            Services = [new ServiceDefinition { Name = "pub/media", Kind = ServiceKind.Mount, Location = media }],
        };
    }
}

/// <summary>The tests that run the tool against a real Portal share one, one test at a time (the machine has two cores).</summary>
[CollectionDefinition(Name)]
public sealed class CliPortalCollection : ICollectionFixture<CliPortal>
{
    public const string Name = "A real Portal for the CLI";
}
