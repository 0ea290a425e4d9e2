namespace Portal.Cli.Tests.Support;

using System.Diagnostics;

/// <summary>A temp folder a test owns, deleted with it; can be made a git repository with a branch checked out.</summary>
public sealed class TempFolder : IDisposable
{
    private static readonly string[] GitIdentity = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=master"];

    public string Path { get; } = Directory.CreateTempSubdirectory("portal-cli-").FullName;

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes the seed's project settings file, <c>.portal/local/project.yaml</c>, under <paramref name="folder"/> (default: the root).</summary>
    public void WriteProjectSettings(string content, string? folder = null)
    {
        var directory = System.IO.Path.Combine(folder ?? Path, ".portal", "local");
        Directory.CreateDirectory(directory);
        File.WriteAllText(System.IO.Path.Combine(directory, "project.yaml"), content);
    }

    /// <summary>Runs git in <paramref name="folder"/> (default: the root) and returns its stdout; fails the test if git does.</summary>
    public string Git(string? folder, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = folder ?? Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in GitIdentity.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        using var git = Process.Start(start)!;
        var output = git.StandardOutput.ReadToEnd();
        var error = git.StandardError.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', args)} failed: {error}");
        return output;
    }

    /// <summary>A git repository with one commit and <paramref name="branch"/> checked out.</summary>
    public void GitRepository(string branch)
    {
        Git(null, "init", "-q");
        File.WriteAllText(Combine("README"), "shop\n");
        Git(null, "add", "README");
        Git(null, "commit", "-q", "-m", "first");
        Git(null, "checkout", "-q", "-b", branch);
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
