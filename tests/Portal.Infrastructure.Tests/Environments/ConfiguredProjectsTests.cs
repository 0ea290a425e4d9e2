namespace Portal.Infrastructure.Tests.Environments;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tests.Support;

public sealed class ConfiguredProjectsTests
{
    [Fact]
    public async Task DeclaredServicesAreCheckedAndTheirProblemsShownOnTheEnvironmentInsteadOfFailingTheStart()
    {
        var shop = Directory.CreateTempSubdirectory("portal-shop-").FullName;
        Directory.CreateDirectory(Path.Combine(shop, "media"));
        var closedPort = Loopback.FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["Projects:0:Id"] = "shop",
            ["Projects:0:Title"] = "Shop",
            ["Projects:0:Admins:0"] = "dana",
            ["Projects:0:Environments:0:Name"] = "master",
            ["Projects:0:Environments:0:Type"] = "Production",
            ["Projects:0:Environments:0:Services:0:Name"] = "pub/media",
            ["Projects:0:Environments:0:Services:0:Kind"] = "Mount",
            ["Projects:0:Environments:0:Services:0:Location"] = Path.Combine(shop, "media"),
            ["Projects:0:Environments:0:Services:1:Name"] = "var",
            ["Projects:0:Environments:0:Services:1:Kind"] = "Mount",
            ["Projects:0:Environments:0:Services:1:Location"] = Path.Combine(shop, "missing-var"),
            ["Projects:0:Environments:0:Services:2:Name"] = "redis",
            ["Projects:0:Environments:0:Services:2:Kind"] = "Redis",
            ["Projects:0:Environments:0:Services:2:Location"] = $"127.0.0.1:{closedPort}",
        };
        try
        {
            await using var host = await PortalTestHost.StartAsync(mediaFiles: 1, settings: settings);
            var ct = TestContext.Current.CancellationToken;
            await host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ServiceHealthMonitor>().Single().CheckAllAsync(ct);

            var dana = new Actor("dana", "Dana");
            var view = await host.InScopeAsync<EnvironmentDirectory, EnvironmentView>(d => d.GetAsync(dana, "shop", "master", ct));

            Assert.Equal(["pub/media", "redis", "var"], view.Environment.Services.Select(s => s.Name).Order(StringComparer.Ordinal));
            Assert.Equal(EnvironmentRole.Admin, view.Role);
            Assert.Equal(2, view.ServiceProblems.Count);
            Assert.Contains($"Mount 'var': the folder {Path.Combine(shop, "missing-var")} does not exist.", view.ServiceProblems);
            Assert.Contains(view.ServiceProblems, p => p.StartsWith($"Service 'redis': cannot reach Redis at 127.0.0.1:{closedPort}", StringComparison.Ordinal));

            // The demo project next to it is unaffected and healthy.
            var demo = await host.InScopeAsync<EnvironmentDirectory, EnvironmentView>(d => d.GetAsync(PortalTestHost.Alice, "demo-shop", "develop-branch", ct));
            Assert.Empty(demo.ServiceProblems);
        }
        finally
        {
            Directory.Delete(shop, recursive: true);
        }
    }

    [Fact]
    public async Task ADeclarationThatCannotBeRightStopsTheStartNamingTheSetting()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Projects:0:Id"] = "Shop With Spaces",
            ["Projects:1:Id"] = "ok",
            ["Projects:1:Environments:0:Name"] = "master",
            ["Projects:1:Environments:0:Parent"] = "nowhere",
            ["Projects:1:Environments:0:Status"] = "Paused",
            ["Projects:1:Environments:0:Title"] = new string('t', 201),
            ["Projects:1:Admins:0"] = " ",
            ["Projects:1:Environments:0:Services:0:Name"] = "media",
            ["Projects:1:Environments:0:Services:0:Kind"] = "Mount",
            ["Projects:1:Environments:0:Services:0:Location"] = "relative/path",
            ["Projects:1:TimeZone"] = "Mars/Olympus_Mons",
            ["Projects:1:Environments:0:Schedule:Cron"] = "*/5 * * * *",
            ["Projects:1:Webhooks:0:Url"] = "ftp://alerts.example.com/",
            ["Projects:1:Webhooks:0:Secret"] = "short",
            ["Projects:1:Webhooks:1:Url"] = "https://alerts.example.com/portal",
            ["Projects:1:Webhooks:1:Secret"] = "a-secret-long-enough-to-sign",
            ["Projects:1:Webhooks:2:Url"] = "https://alerts.example.com/portal",
            ["Projects:1:Webhooks:2:Secret"] = "a-secret-long-enough-to-sign",
        };

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => PortalTestHost.StartAsync(mediaFiles: 1, settings: settings));

        Assert.Contains("Projects:0:Id must be lowercase letters, digits and '-' (got 'Shop With Spaces').", failure.Failures);
        Assert.Contains("Projects:1:Environments:0:Services:0:Location must be an absolute path for a Mount (got 'relative/path').", failure.Failures);
        Assert.Contains("Projects:1: environment 'master' names parent 'nowhere', which is not declared.", failure.Failures);
        Assert.Contains("Projects:1:Environments:0:Status must be Active or Inactive (got 'Paused').", failure.Failures);
        Assert.Contains("Projects:1:Environments:0:Title must be at most 200 characters (got 201).", failure.Failures);
        Assert.Contains("Projects:1:Admins:0 must be a user id (the token's oid or sub).", failure.Failures);
        Assert.Contains("Projects:1:TimeZone must be a time zone this machine knows, e.g. 'Europe/Berlin' or 'UTC' (got 'Mars/Olympus_Mons').", failure.Failures);
        Assert.Contains("Projects:1:Webhooks:0:Url must be an absolute http or https address of at most 2000 characters (got 'ftp://alerts.example.com/').", failure.Failures);
        Assert.Contains("Projects:1:Webhooks:0:Secret must be at least 16 characters: it signs every alert the receiver trusts.", failure.Failures);
        Assert.Contains("Projects:1:Webhooks:2:Url 'https://alerts.example.com/portal' is declared twice.", failure.Failures);
        Assert.Contains("Projects:1:Environments:0:Schedule:Cron: The cron expression '*/5 * * * *' fires every 5 minutes; snapshots can be scheduled at most once an hour.", failure.Failures);
    }

    [Fact]
    public async Task ADeclaredProjectMayNameADemoUserAsItsAdminAndBothProjectsStart()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Projects:0:Id"] = "shop",
            ["Projects:0:Admins:0"] = PortalTestHost.Alice.UserId,
            ["Projects:0:Environments:0:Name"] = "master",
        };
        var ct = TestContext.Current.CancellationToken;

        await using var host = await PortalTestHost.StartAsync(mediaFiles: 1, settings: settings);

        var shop = await host.InScopeAsync<EnvironmentDirectory, EnvironmentView>(d => d.GetAsync(PortalTestHost.Alice, "shop", "master", ct));
        var demo = await host.InScopeAsync<EnvironmentDirectory, EnvironmentView>(d => d.GetAsync(PortalTestHost.Alice, "demo-shop", "develop-branch", ct));
        Assert.Equal((EnvironmentRole.Admin, EnvironmentRole.Admin), (shop.Role, demo.Role));
    }
}
