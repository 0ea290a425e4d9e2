namespace Portal.Testing;

using System.Globalization;
using System.Net;
using System.Net.Sockets;

public static class Loopback
{
    /// <summary>Ports handed out count up from a random start below the kernel's ephemeral range, so two callers never share one.</summary>
    private static int _next = -1;

    /// <summary>Read once: the kernel's setting does not change while the tests run.</summary>
    private static readonly (int Low, int High) Range = OwnRange();

    /// <summary>
    /// A TCP port on 127.0.0.1 that nothing listens on right now (for a server to start on, or to find closed). It lies below
    /// the kernel's ephemeral range (ip_local_port_range): a port from that range could be taken, between this check and the
    /// server's bind, as the local end of any outgoing connection a test makes meanwhile ("address already in use").
    /// </summary>
    public static int FreePort()
    {
        var (low, high) = Range;
        if (high <= low)
        {
            return AnyFreePort();
        }

        Interlocked.CompareExchange(ref _next, low + Random.Shared.Next(high - low), -1);
        for (var attempt = 0; attempt < high - low; attempt++)
        {
            var port = low + ((Interlocked.Increment(ref _next) - low) % (high - low));
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Someone listens there; try the next.
            }
        }

        return AnyFreePort();
    }

    /// <summary>From 10000 up to the ephemeral range's start (32768 by default); empty when that range starts lower.</summary>
    private static (int Low, int High) OwnRange()
    {
        try
        {
            var start = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], CultureInfo.InvariantCulture);
            return (10_000, start);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return (10_000, 32_768);
        }
    }

    private static int AnyFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
