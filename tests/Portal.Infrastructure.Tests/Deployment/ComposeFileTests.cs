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
/// it declares must pass Portal's own validation and point at the servers, volumes and users the same file defines, and
/// the two nodes must share the database and the bucket but nothing that is a node's own.
/// </summary>
public sealed partial class ComposeFileTests
{
    /// <summary>The node the demo checks read; <see cref="TheTwoNodesShareTheDatabaseAndTheBucketButNotTheirIdsOrDataFolders"/> compares both.</summary>
    private const string Node = "portal-a";

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
        Assert.Contains("mariadb", DependsOn(Node));
    }

    [Fact]
    public void TheDemoShopRedisIsTheRedisService()
    {
        var host = Service(ServiceKind.Redis).Location.Split(',')[0];

        Assert.Equal("redis:6379", host);
        Assert.True(_services.Children.ContainsKey("redis"));
        Assert.Contains("redis", DependsOn(Node));
    }

    [Fact]
    public void RedisIsCapturedWithScanUnlessPortalSeesItsDirectoryAtTheSamePath()
    {
        var redisDir = Assert.Single(Volumes("redis"));
        var shared = Volumes(Node).Contains(redisDir);

        // Otherwise every capture would fork Redis and wait 10 s for a save file Portal cannot see.
        Assert.Equal(shared ? null : "Scan", Environment(Node).GetValueOrDefault("Engine__RedisMethod"));
    }

    [Fact]
    public void TheMediaMountLiesInsideAVolumeSoARestoreCanSwapItAndTheInitServiceCreatesItForPortalsUser()
    {
        var media = Service(ServiceKind.Mount).Location;
        var volume = Volumes(Node).Single(v => media.StartsWith(v.Target + "/", StringComparison.Ordinal));
        var command = string.Join(' ', ((YamlSequenceNode)Service("shop-files-init")["command"]).Children.Select(c => ((YamlScalarNode)c).Value));

        Assert.DoesNotContain(Volumes(Node), v => v.Target == media); // a mount point cannot be renamed
        Assert.Contains((volume.Source, volume.Target), Volumes("shop-files-init"));
        Assert.Contains($"mkdir -p {media}", command, StringComparison.Ordinal);
        Assert.Contains($"chown -R 1654:1654 {volume.Target}", command, StringComparison.Ordinal); // APP_UID of the aspnet image
        Assert.Contains("shop-files-init", DependsOn(Node));
    }

    [Fact]
    public void TheTwoNodesShareTheDatabaseAndTheBucketButNotTheirIdsOrDataFolders()
    {
        var (a, b) = (Environment("portal-a"), Environment("portal-b"));
        var minioInit = string.Join('\n', ((YamlSequenceNode)Service("minio-init")["command"]).Children.Select(c => ((YamlScalarNode)c).Value));
        var balancer = File.ReadAllText(RepositoryPaths.Of("deploy/haproxy.cfg"));

        foreach (var shared in new[] { "Database__ConnectionString", "Engine__StoreKind", "Engine__S3__Bucket", "Engine__S3__ServiceUrl", "Projects__0__Id" })
        {
            Assert.Equal(a[shared], b[shared]);
        }

        Assert.Equal("S3", a["Engine__StoreKind"]);
        Assert.Contains($"mc mb --ignore-existing local/{a["Engine__S3__Bucket"]}", minioInit, StringComparison.Ordinal);
        Assert.NotEqual(a["Activities__NodeId"], b["Activities__NodeId"]);
        Assert.NotEqual(Volumes("portal-a").Single(v => v.Target == "/data").Source, Volumes("portal-b").Single(v => v.Target == "/data").Source);
        Assert.Contains("portal-a", DependsOn("portal-b")); // one node migrates a fresh database first
        Assert.Contains("server portal-a portal-a:8080 cookie a", balancer, StringComparison.Ordinal);
        Assert.Contains("server portal-b portal-b:8080 cookie b", balancer, StringComparison.Ordinal);
        Assert.Contains("cookie PORTAL_NODE insert", balancer, StringComparison.Ordinal); // sticky: a Blazor circuit lives on one node
        Assert.Contains(("./deploy/haproxy.cfg", "/usr/local/etc/haproxy/haproxy.cfg"), Volumes("balancer"));
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
        .AddInMemoryCollection(Environment(Node).Select(p => KeyValuePair.Create(p.Key.Replace("__", ":", StringComparison.Ordinal), (string?)p.Value)))
        .Build();

    /// <summary>A service's environment with <c>${NAME:-default}</c> as its default and <c>${NAME:?message}</c> as a placeholder.</summary>
    private Dictionary<string, string> Environment(string service) =>
        Merged((YamlMappingNode)Service(service)["environment"]).ToDictionary(
            p => p.Key,
            p => Interpolation().Replace(((YamlScalarNode)p.Value).Value!, m => m.Groups["op"].Value == ":-" ? m.Groups["word"].Value : "set-by-the-user"));

    private List<string> DependsOn(string service) => [.. Merged((YamlMappingNode)Service(service)["depends_on"]).Keys];

    /// <summary>A service with the YAML merge keys (<c>&lt;&lt;: *portal</c>) applied, as Compose applies them.</summary>
    private Dictionary<string, YamlNode> Service(string service) => Merged((YamlMappingNode)_services[service]);

    /// <summary>The mapping's own keys over those it merges in with <c>&lt;&lt;</c>; YamlDotNet resolves aliases but not merges.</summary>
    private static Dictionary<string, YamlNode> Merged(YamlMappingNode mapping)
    {
        var merged = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        if (mapping.Children.TryGetValue(new YamlScalarNode("<<"), out var from))
        {
            foreach (var source in from is YamlSequenceNode many ? many.Children : [from])
            {
                foreach (var (key, value) in Merged((YamlMappingNode)source))
                {
                    merged[key] = value;
                }
            }
        }

        foreach (var (key, value) in mapping.Children.Where(p => ((YamlScalarNode)p.Key).Value != "<<"))
        {
            merged[((YamlScalarNode)key).Value!] = value;
        }

        return merged;
    }

    private List<(string Source, string Target)> Volumes(string service) =>
        ((YamlSequenceNode)Service(service)["volumes"]).Children
            .Select(v => ((YamlScalarNode)v).Value!.Split(':'))
            .Select(parts => (parts[0], parts[1]))
            .ToList();

    [GeneratedRegex(@"\$\{(?<name>[A-Z_]+)(?<op>:-|:\?)(?<word>[^}]*)\}")]
    private static partial Regex Interpolation();
}
