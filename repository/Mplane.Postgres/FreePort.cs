using System.Net;
using System.Net.Sockets;

namespace Mplane.Postgres;

/// <summary>Finds TCP ports on the loopback interface.</summary>
public static class FreePort
{
    /// <summary>A port the kernel reports free on 127.0.0.1 at this moment.</summary>
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether <paramref name="port"/> can be bound on 127.0.0.1 now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
