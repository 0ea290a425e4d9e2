namespace Portal.Bench;

using System.Diagnostics;
using System.Globalization;
using Portal.Testing;

/// <summary>
/// An s3rver of the benchmark's own (the version build.sh installs for the tests) on a free loopback port, over http or, with a
/// certificate made for it, https; its data in a folder of the run, so nothing else's objects or requests share it and its
/// CPU time can be read. Stopped by its process id.
/// </summary>
internal sealed class PrivateS3rver : IAsyncDisposable
{
    /// <summary>The one bucket, created at start.</summary>
    public const string Bucket = "portal-bench";

    private const string Version = "3.7.1";
    private readonly Process _process;

    private PrivateS3rver(Process process, int port, string? certificate)
    {
        _process = process;
        CertificatePath = certificate;
        ServiceUrl = $"{(certificate is null ? "http" : "https")}://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    public string ServiceUrl { get; }

    /// <summary>The self-signed certificate an https server presents (PEM), for its clients to trust; null over http.</summary>
    public string? CertificatePath { get; }

    /// <summary>s3rver's own credentials, which it accepts (not a secret), as the AWS SDK's and restic's environment variables.</summary>
    public static Dictionary<string, string> Credentials => new()
    {
        ["AWS_ACCESS_KEY_ID"] = TestServers.S3AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = TestServers.S3SecretKey,
    };

    /// <summary>PORTAL_BENCH_S3RVER, else where build.sh installs it (PORTAL_S3RVER_DIR or ~/.cache/portal-test/s3rver-3.7.1).</summary>
    public static string Script =>
        Environment.GetEnvironmentVariable("PORTAL_BENCH_S3RVER") is { Length: > 0 } script ? script
        : Path.Combine(
            Environment.GetEnvironmentVariable("PORTAL_S3RVER_DIR") is { Length: > 0 } dir ? dir
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache ? cache : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "portal-test", "s3rver-" + Version),
            "node_modules", "s3rver", "bin", "s3rver.js");

    /// <summary>Whether node and s3rver are there; says what to run otherwise.</summary>
    public static async Task<bool> AvailableAsync(CancellationToken cancellationToken)
    {
        if (!await BenchArguments.ToolsAsync(["node", "openssl"], "nodejs openssl", cancellationToken))
        {
            return false;
        }

        if (!File.Exists(Script))
        {
            Console.Error.WriteLine($"s3rver {Version} is not at {Script}: run `./build.sh servers` once (it installs it with npm), or set PORTAL_BENCH_S3RVER to its bin/s3rver.js.");
            return false;
        }

        return true;
    }

    public static async Task<PrivateS3rver> StartAsync(string folder, bool https, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        string? certificate = null;
        List<string> arguments = [Script, "--silent", "-d", Path.Combine(folder, "data"), "-a", "127.0.0.1", "--configure-bucket", Bucket];
        if (https)
        {
            certificate = Path.Combine(folder, "cert.pem");
            var key = Path.Combine(folder, "key.pem");
            await Shell.RunAsync($"openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
                + $"-keyout {Shell.Q(key)} -out {Shell.Q(certificate)} 2>/dev/null", null, cancellationToken);
            arguments.AddRange(["--key", key, "--cert", certificate]);
        }

        var port = Loopback.FreePort();
        arguments.AddRange(["-p", port.ToString(CultureInfo.InvariantCulture)]);
        // Its one line ("S3rver listening on …", printed despite --silent) and any error go to a log file of the run.
        var log = Path.Combine(folder, "s3rver.log");
        var script = string.Join(' ', arguments.Select(Shell.Q));
        // s3rver creates the bucket before it listens.
        var process = await ChildServer.StartAsync(new ProcessStartInfo("bash", ["-c", $"exec node {script} >{Shell.Q(log)} 2>&1"]), port, "s3rver", cancellationToken);
        return new PrivateS3rver(process, port, certificate);
    }

    /// <summary>
    /// Points this Portal's snapshot store at a prefix of the bucket with Portal's default part size and parallelism, the
    /// credentials in its environment as the AWS SDK's default chain reads them, and over https this server's certificate
    /// as the only one it trusts.
    /// </summary>
    public PortalProcess Serve(PortalProcess portal, string prefix)
    {
        portal.Settings["Engine:StoreKind"] = "S3";
        portal.Settings["Engine:S3:ServiceUrl"] = ServiceUrl;
        portal.Settings["Engine:S3:Bucket"] = Bucket;
        portal.Settings["Engine:S3:Prefix"] = prefix;
        portal.Settings["Engine:S3:ForcePathStyle"] = "true";
        foreach (var (name, value) in Credentials)
        {
            portal.EnvironmentVariables[name] = value;
        }

        // No instance-metadata probe on a machine that is not in EC2.
        portal.EnvironmentVariables["AWS_EC2_METADATA_DISABLED"] = "true";
        if (CertificatePath is not null)
        {
            // The AWS SDK trusts AWS_CA_BUNDLE alone when it is set (as on this machine), else the system's roots (SSL_CERT_FILE).
            portal.EnvironmentVariables["AWS_CA_BUNDLE"] = CertificatePath;
            portal.EnvironmentVariables["SSL_CERT_FILE"] = CertificatePath;
        }

        return portal;
    }

    /// <summary>The server's CPU time so far (user + system), in seconds.</summary>
    public double CpuSeconds => ProcessCpu.Seconds(_process.Id);

    public async ValueTask DisposeAsync() => await ChildServer.StopAsync(_process);
}
