namespace Portal.Bench;

using System.Globalization;
using StackExchange.Redis;

/// <summary>BGSAVE as the benchmarks time it, and waiting until the server runs no save (a benchmark may poll; tests may not).</summary>
internal static class RedisSaves
{
    /// <summary>Portal's capture ends once it has read the file, which can be before the save's own fsync and rename.</summary>
    public static async Task NoSaveRunningAsync(IServer server, CancellationToken cancellationToken)
    {
        while ((await PersistenceAsync(server))["rdb_bgsave_in_progress"] != "0")
        {
            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>BGSAVE, then INFO persistence until the save counter moved and no save is running.</summary>
    public static async Task BackgroundSaveAsync(IServer server, CancellationToken cancellationToken)
    {
        // LASTSAVE has one-second resolution, so two saves within a second look alike; rdb_saves counts every save.
        var before = long.Parse((await PersistenceAsync(server))["rdb_saves"], CultureInfo.InvariantCulture);
        await server.SaveAsync(SaveType.BackgroundSave);
        while (true)
        {
            var info = await PersistenceAsync(server);
            if (info["rdb_bgsave_in_progress"] == "0" && long.Parse(info["rdb_saves"], CultureInfo.InvariantCulture) > before)
            {
                if (info["rdb_last_bgsave_status"] != "ok")
                {
                    throw new InvalidOperationException("BGSAVE failed: " + string.Join(", ", info));
                }

                return;
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>The RDB file a BGSAVE writes (CONFIG GET dir and dbfilename).</summary>
    public static async Task<string> RdbPathAsync(IServer server)
    {
        var dir = (await server.ConfigGetAsync("dir")).Single().Value;
        var file = (await server.ConfigGetAsync("dbfilename")).Single().Value;
        return Path.Combine(dir, file);
    }

    private static async Task<Dictionary<string, string>> PersistenceAsync(IServer server) =>
        (await server.InfoAsync("persistence")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
}
