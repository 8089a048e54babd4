namespace TaskFlow.Testing;

/// <summary>Ports on 127.0.0.1 free at the moment of asking, for processes a test starts.</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
