namespace Portal.Testing;

using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

/// <summary>
/// The built Portal.Web as a child process, as an operator runs it: Development (un-published bin, so static assets work),
/// on a free loopback port, over one data folder, with extra configuration passed as <c>--Section:Key=value</c>.
/// It can be stopped gracefully (SIGTERM) or killed (SIGKILL) and started again on the same data folder, with the same or
/// changed <see cref="Settings"/>. Its stdout and stderr are kept in <see cref="Output"/> for failure messages.
/// The test project must build Portal.Web first:
/// <c>&lt;ProjectReference Include="…/src/Portal.Web/Portal.Web.csproj" ReferenceOutputAssembly="false" /&gt;</c>.
/// </summary>
public sealed class PortalProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly bool _ownsDataPath;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private Process? _process;
    private Uri? _baseUri;
    private int _starts;

    /// <param name="dataPath">Portal's data folder (<c>Portal:DataPath</c>); null makes a temp folder that dispose deletes.</param>
    public PortalProcess(string? dataPath = null)
    {
        _ownsDataPath = dataPath is null;
        DataPath = dataPath ?? Directory.CreateTempSubdirectory("portal-process-").FullName;
    }

    public string DataPath { get; }

    /// <summary>Configuration passed on the command line at each start; a null value leaves the key out.</summary>
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Extra environment variables of the process (ASPNETCORE_ENVIRONMENT is Development); a null value removes one.</summary>
    public Dictionary<string, string?> EnvironmentVariables { get; } = new(StringComparer.Ordinal);

    /// <summary>The umask Portal starts under, e.g. "0022" (through /bin/sh); null keeps the test process's.</summary>
    public string? Umask { get; set; }

    /// <summary>Where the running Portal answers, e.g. http://127.0.0.1:41234/ (a new port at each start).</summary>
    public Uri BaseUri => _baseUri ?? throw new InvalidOperationException("Portal is not running.");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The running Portal's process id (the dotnet host itself when no umask is set), e.g. to read its CPU time.</summary>
    public int ProcessId => Running().Id;

    /// <summary>The exit code of the last run once it stopped (0 after a graceful stop, 137 after SIGKILL).</summary>
    public int? ExitCode { get; private set; }

    /// <summary>Every start's stdout and stderr, each start headed by a line naming it.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The last start's stderr alone (Output has it too, mixed with stdout).</summary>
    public string StandardError
    {
        get
        {
            lock (_output)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Starts a Portal with these settings and waits until /health answers.</summary>
    public static async Task<PortalProcess> StartAsync(string? dataPath, IReadOnlyDictionary<string, string?>? settings, CancellationToken cancellationToken)
    {
        var portal = new PortalProcess(dataPath);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            portal.Settings[key] = value;
        }

        try
        {
            await portal.StartAsync(cancellationToken);
            return portal;
        }
        catch
        {
            await portal.DisposeAsync();
            throw;
        }
    }

    /// <summary>Replaces the declared projects (every <c>Projects:…</c> setting) with these, for the next start.</summary>
    public PortalProcess Declare<T>(params IEnumerable<T> projects)
        where T : notnull
    {
        foreach (var key in Settings.Keys.Where(k => k.StartsWith(ConfigurationPairs.ProjectsSection + ":", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            Settings.Remove(key);
        }

        foreach (var (key, value) in ConfigurationPairs.Projects(projects))
        {
            Settings[key] = value;
        }

        return this;
    }

    /// <summary>Starts Portal and waits until /health answers; throws with its output if it exits or does not answer in time.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var process = Launch();
        try
        {
            await WaitUntilHealthyAsync(process, cancellationToken);
        }
        catch
        {
            await KillAsync();
            throw;
        }
    }

    /// <summary>Starts Portal expecting it to refuse: waits for it to exit on its own and returns its exit code; kills it and throws if it starts serving instead.</summary>
    public async Task<int> StartExpectingExitAsync(CancellationToken cancellationToken)
    {
        var process = Launch();
        using var http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (!process.HasExited)
        {
            if (clock.Elapsed > StartTimeout || await AnswersHealthAsync(http, cancellationToken))
            {
                await KillAsync();
                throw new InvalidOperationException($"Portal started instead of refusing to:\n{Output}");
            }

            await Task.Delay(200, cancellationToken);
        }

        await process.WaitForExitAsync(cancellationToken);
        return Exited(process);
    }

    private Process Launch()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("Portal is already running; stop or kill it first.");
        }

        var web = RepositoryPaths.Of("src", "Portal.Web");
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        var dll = Path.Combine(web, "bin", output.Parent!.Name, output.Name, "Portal.Web.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build src/Portal.Web (the test project should reference it with ReferenceOutputAssembly=false).");
        }

        var port = Loopback.FreePort();
        var start = new ProcessStartInfo(Umask is null ? "dotnet" : "/bin/sh")
        {
            WorkingDirectory = web, // the content root: appsettings and static web assets resolve from the project folder
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Umask is not null)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"umask {Umask} && exec dotnet \"$@\"");
            start.ArgumentList.Add("sh");
        }

        start.ArgumentList.Add(dll);
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        start.ArgumentList.Add($"--Portal:DataPath={DataPath}");
        foreach (var (key, value) in Settings.Where(s => s.Value is not null))
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (var (name, value) in EnvironmentVariables)
        {
            start.Environment[name] = value;
        }

        Append($"--- Portal start {++_starts} on port {port} ---");
        ExitCode = null;
        lock (_output)
        {
            _error.Clear();
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data, error: true);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        _baseUri = new Uri($"http://127.0.0.1:{port}/");
        return process;
    }

    /// <summary>SIGTERM, as a container stop or systemd sends it: Portal shuts down gracefully. Returns the exit code.</summary>
    public async Task<int> StopAsync(CancellationToken cancellationToken)
    {
        var process = Running();
        if (SendSignal(process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {process.Id} failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StopTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await KillAsync();
            throw new TimeoutException($"Portal did not stop within {StopTimeout.TotalSeconds:0} s of SIGTERM:\n{Output}");
        }

        return Exited(process);
    }

    /// <summary>SIGKILL to Portal and anything it started, as a crash or an OOM kill would; nothing of Portal runs afterwards.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own meanwhile.
        }

        await process.WaitForExitAsync(CancellationToken.None);
        Exited(process);
    }

    /// <summary>A client of the running Portal that keeps cookies and does not follow redirects.</summary>
    public HttpClient CreateClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A client signed in as a user Portal knows (a demo user or a declared admin) through the Development sign-in; it sends X-Requested-With, as state-changing API calls need.</summary>
    public async Task<HttpClient> SignedInClientAsync(string userId, CancellationToken cancellationToken)
    {
        var client = CreateClient();
        var response = await client.GetAsync(new Uri($"account/local-login?user={Uri.EscapeDataString(userId)}&returnUrl=/health", UriKind.Relative), cancellationToken);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            client.Dispose();
            throw new InvalidOperationException($"Signing in as {userId} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        client.DefaultRequestHeaders.Add("X-Requested-With", "Portal.Testing");
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        if (_ownsDataPath && Directory.Exists(DataPath))
        {
            try
            {
                Directory.Delete(DataPath, recursive: true);
            }
            catch (IOException)
            {
                // A file a dying child still held; the temp folder is the OS's to clean.
            }
        }
    }

    private async Task WaitUntilHealthyAsync(Process process, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(cancellationToken);
                throw new InvalidOperationException($"Portal exited with code {process.ExitCode} before answering /health:\n{Output}");
            }

            if (await AnswersHealthAsync(http, cancellationToken))
            {
                return;
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"Portal did not answer /health within {StartTimeout.TotalSeconds:0} s:\n{Output}");
    }

    private static async Task<bool> AnswersHealthAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            return (await http.GetAsync(new Uri("health", UriKind.Relative), cancellationToken)).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false; // Not listening yet.
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false; // Still starting (migrations, declared projects, demo seed).
        }
    }

    private Process Running() =>
        _process is { HasExited: false } process ? process : throw new InvalidOperationException($"Portal is not running:\n{Output}");

    private int Exited(Process process)
    {
        ExitCode = process.ExitCode;
        Append($"--- Portal exited with code {ExitCode} ---");
        process.Dispose();
        _process = null;
        _baseUri = null;
        return ExitCode.Value;
    }

    private void Append(string? line, bool error = false)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (error)
            {
                _error.AppendLine(line);
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
