namespace Portal.Engine.Adapters.Common;

using System.ComponentModel;
using System.Diagnostics;
using System.Text;

/// <summary>Runs a database client tool with its input and output streamed, so a dump is never held whole.</summary>
internal sealed class ExternalTool(string path, string service)
{
    private const int StderrKept = 4000;

    public string Path { get; } = path;

    /// <summary>Finds the first of names in Engine:ToolDirectory, then on PATH, or says which package provides it.</summary>
    public static ExternalTool Locate(EngineOptions options, string service, string package, params string[] names)
    {
        var folders = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.ToolDirectory))
        {
            folders.Add(options.ToolDirectory);
        }

        folders.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        foreach (var name in names)
        {
            foreach (var folder in folders)
            {
                var candidate = System.IO.Path.Combine(folder, name);
                if (File.Exists(candidate))
                {
                    return new ExternalTool(candidate, service);
                }
            }
        }

        throw new SnapshotEngineException(
            $"Service '{service}' needs the client tool {string.Join(" or ", names)}, which is not installed here (Debian package {package}, or set Engine:ToolDirectory).");
    }

    /// <summary>
    /// Runs the tool; stdin is fed by <paramref name="feed"/>, stdout goes to <paramref name="output"/>; a non-zero exit throws with
    /// its stderr. <paramref name="exited"/> completes as soon as the tool ends, for a feed that waits for something else meanwhile.
    /// </summary>
    public async Task RunAsync(
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment,
        Func<Stream, CancellationToken, Task>? feed,
        Stream? output,
        CancellationToken cancellationToken,
        TaskCompletionSource? exited = null)
    {
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardInput = feed is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var name = System.IO.Path.GetFileName(Path);
        using var process = new Process { StartInfo = info, EnableRaisingEvents = exited is not null };
        if (exited is not null)
        {
            process.Exited += (_, _) => exited.TrySetResult();
        }

        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new SnapshotEngineException($"Service '{service}': could not start {Path}: {ex.Message}", ex);
        }

        await using var kill = cancellationToken.Register(() => KillQuietly(process));
        var stderr = ReadTailAsync(process.StandardError);
        var stdout = output is null
            ? process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None)
            : process.StandardOutput.BaseStream.CopyToAsync(output, 1 << 20, CancellationToken.None);
        Exception? feedError = null;
        if (feed is not null)
        {
            try
            {
                await using var input = process.StandardInput.BaseStream;
                await feed(input, cancellationToken);
            }
            catch (IOException ex)
            {
                // The tool closed its input early, usually because it failed: its exit code and stderr say why.
                feedError = ex;
            }
            catch
            {
                KillQuietly(process);
                await process.WaitForExitAsync(CancellationToken.None);
                throw;
            }
        }

        try
        {
            await stdout;
        }
        catch
        {
            KillQuietly(process);
            throw;
        }
        finally
        {
            await process.WaitForExitAsync(CancellationToken.None);
        }

        var errors = await stderr;
        cancellationToken.ThrowIfCancellationRequested();
        if (process.ExitCode != 0)
        {
            throw new SnapshotEngineException($"Service '{service}': {name} failed (exit code {process.ExitCode}): {errors.Trim()}");
        }

        if (feedError is not null)
        {
            throw new SnapshotEngineException($"Service '{service}': {name} stopped reading its input: {feedError.Message} {errors.Trim()}", feedError);
        }
    }

    private static async Task<string> ReadTailAsync(StreamReader reader)
    {
        var tail = new StringBuilder();
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            tail.Append(buffer, 0, n);
            if (tail.Length > StderrKept * 2)
            {
                tail.Remove(0, tail.Length - StderrKept);
            }
        }

        return tail.Length > StderrKept ? tail.ToString(tail.Length - StderrKept, StderrKept) : tail.ToString();
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
