namespace Portal.Bench;

using System.Diagnostics;
using System.Net.Sockets;

/// <summary>A server the benchmark starts itself as a child process on a loopback port, and stops by its process id.</summary>
internal static class ChildServer
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Starts the server and waits until it accepts a connection on its port; stops it and throws if it exits or does not listen in time.</summary>
    public static async Task<Process> StartAsync(ProcessStartInfo start, int port, string name, CancellationToken cancellationToken)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start.");
        try
        {
            await WaitUntilListeningAsync(process, port, name, cancellationToken);
            return process;
        }
        catch
        {
            await StopAsync(process);
            throw;
        }
    }

    private static async Task WaitUntilListeningAsync(Process process, int port, string name, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, cancellationToken);
                return;
            }
            catch (SocketException) when (clock.Elapsed < StartTimeout && !process.HasExited)
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (SocketException e)
            {
                throw new InvalidOperationException($"{name} is not listening on 127.0.0.1:{port} ({(process.HasExited ? $"exited with {process.ExitCode}" : "timed out")}).", e);
            }
        }
    }

    /// <summary>Kills the server (only the process the benchmark started) and waits for it to exit.</summary>
    public static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
        }

        await process.WaitForExitAsync();
        process.Dispose();
    }
}
