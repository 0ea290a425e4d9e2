namespace Portal.Bench;

using System.Globalization;
using System.Runtime.InteropServices;

/// <summary>CPU time of a running process and the children it waited for, from /proc/&lt;pid&gt;/stat, and the page cache.</summary>
internal static class ProcessCpu
{
    private const int ClockTicksName = 2; // _SC_CLK_TCK

    private static readonly double TicksPerSecond = SystemConfiguration(ClockTicksName) is > 0 and var ticks ? ticks : 100;

    /// <summary>utime + stime + cutime + cstime of the process, in seconds.</summary>
    public static double Seconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name may hold spaces and parentheses; the fields after its closing one start at field 3 (state).
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>
    /// Writes back dirty pages and drops the page cache (needs root); false when it cannot, so the run reads warm files
    /// and must say so.
    /// </summary>
    public static bool DropPageCache()
    {
        Sync();
        try
        {
            File.WriteAllText("/proc/sys/vm/drop_caches", "3\n");
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SystemConfiguration(int name);

    [DllImport("libc", EntryPoint = "sync")]
    private static extern void Sync();
}
