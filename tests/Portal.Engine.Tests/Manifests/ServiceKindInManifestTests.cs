namespace Portal.Engine.Tests.Manifests;

using System.Text;
using System.Text.Json.Nodes;
using Portal.Contracts;
using Portal.Engine.Manifests;

public sealed class ServiceKindInManifestTests
{
    /// <summary>The names manifests on disk hold since version 1; the kind type moved to Portal.Contracts, the names must not.</summary>
    public static TheoryData<string, ServiceKind> StoredNames => new()
    {
        { "Mount", ServiceKind.Mount },
        { "Sqlite", ServiceKind.Sqlite },
        { "MySql", ServiceKind.MySql },
        { "PostgreSql", ServiceKind.PostgreSql },
        { "Redis", ServiceKind.Redis },
    };

    [Theory]
    [MemberData(nameof(StoredNames))]
    public void AnOldManifestsKindStillReadsAndIsWrittenTheSameWay(string stored, ServiceKind kind)
    {
        var json = Encoding.UTF8.GetBytes($$"""
            {"version":1,"snapshotId":"old","environmentKey":"env-1","createdAt":"2025-01-02T03:04:05+00:00",
            "services":[{"name":"svc","kind":"{{stored}}","size":0,"chunks":[]}]}
            """);

        var manifest = Manifest.FromJson(json, "old");

        Assert.Equal(kind, Assert.Single(manifest.Services).Kind);
        Assert.Equal(stored, JsonNode.Parse(manifest.ToJson())!["services"]![0]!["kind"]!.GetValue<string>());
    }
}
