using System.Net;
using System.Net.Sockets;

namespace TaskFlow.Activities.BuiltIn;

/// <summary>Keeps webhook tasks off internal networks (SSRF): refuses private, loopback, link-local (cloud
/// metadata) and other non-public addresses unless the host is allow-listed.</summary>
/// <remarks>The check runs on the address actually connected to, inside the connect callback, so a host name
/// that resolves to a public address when checked and a private one when used (DNS rebinding) cannot slip through.</remarks>
internal static class DestinationGuard
{
    public static async ValueTask<Stream> ConnectAsync(
        SocketsHttpConnectionContext context, IReadOnlyCollection<string> allowedHosts, CancellationToken cancellationToken)
    {
        string host = context.DnsEndPoint.Host;
        bool allowListed = allowedHosts.Contains(host, StringComparer.OrdinalIgnoreCase);
        IPAddress[] addresses = IPAddress.TryParse(host, out IPAddress? literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        IPAddress? permitted = addresses.FirstOrDefault(address => allowListed || IsPublic(address));
        if (permitted is null)
        {
            throw new DestinationRefusedException(
                $"Refused to call '{host}': it resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}, a private, loopback or link-local address. " +
                $"If this destination is intended, add '{host}' to TaskFlow:Http:AllowedHosts.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(permitted, context.DnsEndPoint.Port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            byte first = address.GetAddressBytes()[0];
            bool uniqueLocal = (first & 0xFE) == 0xFC; // fc00::/7
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || uniqueLocal);
        }

        byte[] b = address.GetAddressBytes();
        return !(b[0] == 0                                  // 0.0.0.0/8 "this network"
            || b[0] == 10                                   // 10.0.0.0/8
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)   // 100.64.0.0/10 carrier-grade NAT
            || (b[0] == 169 && b[1] == 254)                 // 169.254.0.0/16 link-local, cloud metadata
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)    // 172.16.0.0/12
            || (b[0] == 192 && b[1] == 168)                 // 192.168.0.0/16
            || b[0] >= 224);                                // multicast and reserved
    }
}

/// <summary>The destination of an <c>http</c> task is not allowed.</summary>
internal sealed class DestinationRefusedException(string message) : Exception(message);
