namespace Portal.Engine.Tests;

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MySqlConnector;

/// <summary>
/// A throwaway MariaDB whose data directory sits on a 256 MB tmpfs of its own, so a test can fill that disk without
/// touching anything else. Needs root (to mount and to let mariadbd drop to the mysql user) and the mariadb-server
/// package, as `./build.sh test` provides; stopped by its PID and unmounted when the test class ends.
/// </summary>
public sealed class SmallDiskMariaDb : IAsyncLifetime
{
    private const long DiskBytes = 256L << 20;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "portal-small-disk-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _server;
    private bool _mounted;
    private string? _problem;

    /// <summary>Connection string of the server's portal user (every privilege), without a database.</summary>
    public string Server { get; private set; } = "";

    /// <summary>The server's @@datadir, as its messages name it.</summary>
    public string DataDirectory => Path.Combine(_root, "data") + "/";

    private string Ballast => Path.Combine(_root, "ballast");

    /// <summary>Fails under CI=true and skips elsewhere when the server could not be started here, saying why.</summary>
    public void Require()
    {
        if (_problem is null)
        {
            return;
        }

        var message = $"The small-disk MariaDB could not start: {_problem}";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }

    public async ValueTask InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or MySqlException or TimeoutException)
        {
            _problem = ex.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            server.Kill();
            await server.WaitForExitAsync(CancellationToken.None);
            server.Dispose();
        }

        if (_mounted)
        {
            await RunAsync("umount", _root);
        }

        Directory.Delete(_root, recursive: true);
        Directory.Delete(TempDirectory, recursive: true);
    }

    // Off the small disk, and not /tmp: a starting mariadbd deletes every #sql* file in its tmpdir, other servers' temp tables included.
    private string TempDirectory => _root + "-tmp";

    /// <summary>Fills the disk until about freeBytes are left.</summary>
    public void LeaveFree(long freeBytes)
    {
        File.Delete(Ballast);
        var size = new DriveInfo(DataDirectory).AvailableFreeSpace - freeBytes;
        using var ballast = new FileStream(Ballast, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, PreallocationSize = size });
        ballast.SetLength(size);
    }

    /// <summary>Gives the disk its space back.</summary>
    public void FreeAll() => File.Delete(Ballast);

    private async Task StartAsync()
    {
        Directory.CreateDirectory(_root);
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("it needs root, to mount a tmpfs and run mariadbd as the mysql user.");
        }

        await RunAsync("mount", "-t", "tmpfs", "-o", $"size={DiskBytes},mode=755", "tmpfs", _root);
        _mounted = true;
        var data = Path.Combine(_root, "data");
        Directory.CreateDirectory(data);
        await RunAsync("chown", "-R", "mysql:mysql", _root);
        Directory.CreateDirectory(TempDirectory);
        await RunAsync("chown", "mysql:mysql", TempDirectory);
        // Small redo log and buffer pool: the disk is for the test's tables.
        string[] innodb = ["--innodb-log-file-size=8M", "--innodb-buffer-pool-size=32M"];
        await RunAsync("mariadb-install-db", ["--no-defaults", "--user=mysql", $"--datadir={data}", "--auth-root-authentication-method=socket", "--skip-test-db", .. innodb]);

        var port = FreePort();
        var socket = Path.Combine(_root, "mariadb.sock");
        var start = new ProcessStartInfo(File.Exists("/usr/sbin/mariadbd") ? "/usr/sbin/mariadbd" : "mariadbd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--no-defaults", "--user=mysql", $"--datadir={data}", $"--port={port}", $"--socket={socket}",
                     $"--pid-file={Path.Combine(_root, "mariadb.pid")}", "--bind-address=127.0.0.1", "--skip-name-resolve",
                     $"--log-error={Path.Combine(_root, "server.log")}", $"--tmpdir={TempDirectory}", .. innodb])
        {
            start.ArgumentList.Add(argument);
        }

        _server = Process.Start(start) ?? throw new InvalidOperationException("mariadbd did not start.");
        var deadline = Stopwatch.StartNew();
        while (!await CanConnectAsync(socket))
        {
            if (_server.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"mariadbd did not answer on {socket}: {await ReadLogAsync()}");
            }

            await Task.Delay(200);
        }

        await RunAsync("mariadb", "--no-defaults", $"--socket={socket}", "-uroot", "-e",
            "CREATE USER 'portal'@'127.0.0.1' IDENTIFIED BY 'portal'; GRANT ALL ON *.* TO 'portal'@'127.0.0.1' WITH GRANT OPTION;");
        Server = $"Server=127.0.0.1;Port={port};User ID=portal;Password=portal";
    }

    private async Task<string> ReadLogAsync()
    {
        var log = Path.Combine(_root, "server.log");
        return File.Exists(log) ? string.Join('\n', (await File.ReadAllLinesAsync(log)).TakeLast(20)) : "(no log)";
    }

    private static async Task<bool> CanConnectAsync(string socket)
    {
        if (!File.Exists(socket))
        {
            return false;
        }

        try
        {
            await RunAsync("mariadb-admin", "--no-defaults", $"--socket={socket}", "-uroot", "ping");
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(CancellationToken.None);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await errors}{await output}");
        }
    }
}
