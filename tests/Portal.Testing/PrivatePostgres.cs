namespace Portal.Testing;

using System.Diagnostics;

/// <summary>
/// A PostgreSQL server of the test's own, in a temp folder on a free loopback port, that the test may stop and start
/// again (the shared test servers must never be stopped). Run as root, the server runs as the postgres user, as build.sh does.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _folder;
    private readonly string _bin;
    private readonly int _port;

    private PrivatePostgres(string folder, string bin, int port)
    {
        _folder = folder;
        _bin = bin;
        _port = port;
    }

    /// <summary>Connects as the superuser to the given database (created by <see cref="CreateDatabaseAsync"/>).</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={_port};Username=postgres;Database={database};Timeout=5;Command Timeout=10";

    public bool IsRunning { get; private set; }

    public static async Task<PrivatePostgres> CreateAsync(CancellationToken cancellationToken)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(Directory.Exists).OrderBy(d => d, StringComparer.Ordinal).LastOrDefault()
            : null;
        if (bin is null)
        {
            var message = "PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are missing: install postgresql, as ./build.sh does.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
        }

        var folder = Directory.CreateTempSubdirectory("portal-private-pg-").FullName;
        var server = new PrivatePostgres(folder, bin!, Loopback.FreePort());
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                await RunAsync("chown", ["postgres", folder], cancellationToken);
            }

            await server.PgAsync("initdb", ["-D", server.Data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], cancellationToken);
            await server.StartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await PgAsync("pg_ctl", ["-D", Data, "-l", Path.Combine(_folder, "log"), "-w", "-o", $"-p {_port} -k {_folder} -c listen_addresses=127.0.0.1", "start"], cancellationToken);
        IsRunning = true;
    }

    /// <summary>A fast shutdown: open sessions are ended, as when the database host goes down for maintenance.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await PgAsync("pg_ctl", ["-D", Data, "-m", "fast", "-w", "stop"], cancellationToken);
        IsRunning = false;
    }

    public async Task CreateDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (IsRunning)
        {
            await StopAsync(CancellationToken.None);
        }

        Npgsql.NpgsqlConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private string Data => Path.Combine(_folder, "data");

    private Task PgAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        Environment.IsPrivilegedProcess
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, program), .. arguments], cancellationToken)
            : RunAsync(Path.Combine(_bin, program), arguments, cancellationToken);

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}{await error}");
        }
    }
}
