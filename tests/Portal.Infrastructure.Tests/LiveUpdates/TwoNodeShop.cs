namespace Portal.Infrastructure.Tests.LiveUpdates;

using Portal.Contracts;
using Portal.Core.Environments;
using Portal.Infrastructure.Environments;

/// <summary>The settings two Portal nodes share: one PostgreSQL database and a project "two-nodes" with a "develop" environment whose media folder is given.</summary>
internal static class TwoNodeShop
{
    public static Dictionary<string, string?> Settings(TestDatabase database, string media, string preSnapshotCommand, params (string Key, string Value)[] more)
    {
        var shop = new ProjectDefinition
        {
            Id = "two-nodes",
            Title = "Two nodes",
            Admins = ["alice"],
            Environments =
            [
                new EnvironmentDefinition
                {
                    Name = "develop", Type = EnvironmentType.Development, PreSnapshotCommand = preSnapshotCommand,
                    Services = [new ServiceDefinition { Name = "pub/media", Kind = ServiceKind.Mount, Location = media }],
                },
            ],
        };
        var settings = new Dictionary<string, string?>(database.Settings) { ["Portal:Demo:Enabled"] = "false" };
        foreach (var (key, value) in ConfigurationPairs.Projects(shop).Concat(more.Select(m => new KeyValuePair<string, string?>(m.Key, m.Value))))
        {
            settings[key] = value;
        }

        return settings;
    }
}
