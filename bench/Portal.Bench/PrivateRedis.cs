namespace Portal.Bench;

using System.Diagnostics;
using System.Globalization;
using Portal.Testing;

/// <summary>A redis-server of the benchmark's own on a free loopback port, its files in a folder of the run; stopped by its process id.</summary>
internal sealed class PrivateRedis : IAsyncDisposable
{
    private readonly Process _process;

    private PrivateRedis(Process process, int port)
    {
        _process = process;
        Address = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    public string Address { get; }

    public static async Task<PrivateRedis> StartAsync(string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var port = Loopback.FreePort();
        // No automatic saves: the only BGSAVEs are the ones the benchmark and Portal ask for.
        var start = new ProcessStartInfo("redis-server",
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", folder, "--save", "", "--appendonly", "no", "--logfile", Path.Combine(folder, "redis.log")]);
        return new PrivateRedis(await ChildServer.StartAsync(start, port, "redis-server", cancellationToken), port);
    }

    public async ValueTask DisposeAsync() => await ChildServer.StopAsync(_process);
}
