namespace Portal.Infrastructure.Tests.Support;

using System.Diagnostics;
using Portal.Core.Activities;
using Activity = Portal.Core.Activities.Activity;

/// <summary>The built Portal.Web run as its own process on a test's data folder, so a test can SIGKILL it mid-activity.</summary>
public static class PortalProcess
{
    public static Process Start(string dataPath)
    {
        var testOutput = AppContext.BaseDirectory;
        var configuration = new DirectoryInfo(testOutput).Parent!.Name;
        var repository = Path.GetFullPath(Path.Combine(testOutput, "..", "..", "..", "..", ".."));
        var web = Path.Combine(repository, "src", "Portal.Web");
        var dll = Path.Combine(web, "bin", configuration, "net10.0", "Portal.Web.dll");
        Assert.True(File.Exists(dll), $"Portal.Web is not built at {dll}");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = web,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { dll, "--urls", "http://127.0.0.1:0", "--Portal:DataPath", dataPath, "--Activities:PollMilliseconds", "100", "--Activities:ProgressFlushMilliseconds", "100" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    /// <summary>Kills Portal unless it already exited; for a test's finally block.</summary>
    public static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone or disposed.
        }
    }

    /// <summary>Polls the activity until it runs with at least <paramref name="percent"/> done, failing if Portal exits or never gets there.</summary>
    public static async Task<Activity> WaitUntilRunningAsync(PortalTestHost host, Process portal, string activityId, int percent, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            await Task.Delay(20, cancellationToken);
            var current = await host.ReadActivityAsync(activityId);
            if (current.State == ActivityState.InProgress && current.CompletionPercent >= percent)
            {
                return current;
            }

            if (portal.HasExited)
            {
                Assert.Fail("Portal exited on its own: " + await portal.StandardError.ReadToEndAsync(cancellationToken));
            }

            Assert.True(current.State != ActivityState.Complete, $"activity {activityId} completed ({current.Result}: {current.Reason}) before reaching {percent} %");
            Assert.True(DateTime.UtcNow < deadline, $"activity {activityId} never reached {percent} %");
        }
    }
}
