namespace Portal.Infrastructure.Tests.Deployment;

using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Portal.Contracts;
using Portal.Core.Access;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;
using YamlDotNet.RepresentationModel;

/// <summary>
/// docker-compose.yml cannot be started on a machine without a Docker engine, so it is read: the demo shop environment
/// it declares must pass Portal's own validation and point at the servers, volumes and users the same file defines.
/// </summary>
public sealed partial class ComposeFileTests
{
    private readonly YamlMappingNode _services;

    public ComposeFileTests()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(RepositoryPaths.Of("docker-compose.yml")))
        {
            yaml.Load(reader);
        }

        _services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    [Fact]
    public void TheDemoShopDeclarationPassesPortalsValidationAndAnAdminMappingNamesIt()
    {
        var projects = DeclaredProjects();
        var mappings = PortalSettings().GetSection("Access:RoleMappings").Get<List<RoleMapping>>() ?? [];

        var result = new ConfiguredProjectsValidator().Validate(null, projects);

        Assert.True(result.Succeeded, result.FailureMessage);
        var environment = Assert.Single(Assert.Single(projects.Items).Environments);
        Assert.Equal([ServiceKind.MySql, ServiceKind.Redis, ServiceKind.Mount], environment.Services.Select(s => s.Kind));
        var mapping = Assert.Single(mappings);
        Assert.Null(mapping.Problem("Access:RoleMappings:0"));
        Assert.Equal((projects.Items[0].Id, ProjectRole.Admin), (mapping.Project, mapping.ProjectRole));
    }

    [Fact]
    public void TheDemoShopDatabaseIsTheMariaDbServiceWithItsOwnDatabaseUserAndPassword()
    {
        var location = Service(ServiceKind.MySql).Location;
        var connection = new DbConnectionStringBuilder { ConnectionString = location };
        var mariadb = Environment("mariadb");

        Assert.Equal("mariadb", connection["Server"]);
        Assert.Equal(mariadb["MARIADB_DATABASE"], connection["Database"]);
        Assert.Equal(mariadb["MARIADB_USER"], connection["User ID"]);
        Assert.Equal(mariadb["MARIADB_PASSWORD"], connection["Password"]);
        Assert.Contains("mariadb", DependsOn("portal"));
    }

    [Fact]
    public void TheDemoShopRedisIsTheRedisService()
    {
        var host = Service(ServiceKind.Redis).Location.Split(',')[0];

        Assert.Equal("redis:6379", host);
        Assert.True(_services.Children.ContainsKey("redis"));
        Assert.Contains("redis", DependsOn("portal"));
    }

    [Fact]
    public void RedisIsCapturedWithScanUnlessPortalSeesItsDirectoryAtTheSamePath()
    {
        var redisDir = Assert.Single(Volumes("redis"));
        var shared = Volumes("portal").Contains(redisDir);

        // Otherwise every capture would fork Redis and wait 10 s for a save file Portal cannot see.
        Assert.Equal(shared ? null : "Scan", Environment("portal").GetValueOrDefault("Engine__RedisMethod"));
    }

    [Fact]
    public void TheMediaMountLiesInsideAVolumeSoARestoreCanSwapItAndTheInitServiceCreatesItForPortalsUser()
    {
        var media = Service(ServiceKind.Mount).Location;
        var volume = Volumes("portal").Single(v => media.StartsWith(v.Target + "/", StringComparison.Ordinal));
        var init = (YamlMappingNode)_services["shop-files-init"];
        var command = string.Join(' ', ((YamlSequenceNode)init["command"]).Children.Select(c => ((YamlScalarNode)c).Value));

        Assert.DoesNotContain(Volumes("portal"), v => v.Target == media); // a mount point cannot be renamed
        Assert.Contains((volume.Source, volume.Target), Volumes("shop-files-init"));
        Assert.Contains($"mkdir -p {media}", command, StringComparison.Ordinal);
        Assert.Contains($"chown -R 1654:1654 {volume.Target}", command, StringComparison.Ordinal); // APP_UID of the aspnet image
        Assert.Contains("shop-files-init", DependsOn("portal"));
    }

    private ServiceDefinition Service(ServiceKind kind) =>
        DeclaredProjects().Items.SelectMany(p => p.Environments).SelectMany(e => e.Services).Single(s => s.Kind == kind);

    /// <summary>The Projects section as Portal binds it at start.</summary>
    private ConfiguredProjects DeclaredProjects()
    {
        var projects = new ConfiguredProjects();
        PortalSettings().GetSection(ConfiguredProjects.Section).Bind(projects.Items);
        return projects;
    }

    /// <summary>The portal service's environment as .NET configuration reads it (<c>__</c> is <c>:</c>).</summary>
    private IConfiguration PortalSettings() => new ConfigurationBuilder()
        .AddInMemoryCollection(Environment("portal").Select(p => KeyValuePair.Create(p.Key.Replace("__", ":", StringComparison.Ordinal), (string?)p.Value)))
        .Build();

    /// <summary>A service's environment with <c>${NAME:-default}</c> as its default and <c>${NAME:?message}</c> as a placeholder.</summary>
    private Dictionary<string, string> Environment(string service) =>
        ((YamlMappingNode)((YamlMappingNode)_services[service])["environment"]).Children.ToDictionary(
            p => ((YamlScalarNode)p.Key).Value!,
            p => Interpolation().Replace(((YamlScalarNode)p.Value).Value!, m => m.Groups["op"].Value == ":-" ? m.Groups["word"].Value : "set-by-the-user"));

    private List<string> DependsOn(string service) =>
        ((YamlMappingNode)((YamlMappingNode)_services[service])["depends_on"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToList();

    private List<(string Source, string Target)> Volumes(string service) =>
        ((YamlSequenceNode)((YamlMappingNode)_services[service])["volumes"]).Children
            .Select(v => ((YamlScalarNode)v).Value!.Split(':'))
            .Select(parts => (parts[0], parts[1]))
            .ToList();

    [GeneratedRegex(@"\$\{(?<name>[A-Z_]+)(?<op>:-|:\?)(?<word>[^}]*)\}")]
    private static partial Regex Interpolation();
}
