namespace TaskFlow.AzureQueues;

/// <summary>Where the queue service is and the account key that signs requests, read from a storage
/// connection string in the standard form.</summary>
public sealed record QueueConnection(Uri QueueEndpoint, string AccountName, byte[] AccountKey)
{
    /// <summary>Azurite's well-known development account. Its key is published in Microsoft's emulator
    /// documentation, so it is not a secret.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    private const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Reads <c>UseDevelopmentStorage=true</c> (Azurite on 127.0.0.1:10001), or
    /// <c>AccountName=…;AccountKey=…</c> with <c>DefaultEndpointsProtocol</c> and <c>EndpointSuffix</c> or an
    /// explicit <c>QueueEndpoint</c>.</summary>
    /// <exception cref="FormatException">The string lacks what Shared Key signing needs; the message says what to add.</exception>
    public static QueueConnection Parse(string connectionString)
    {
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int equals = part.IndexOf('=');
            if (equals <= 0)
            {
                throw new FormatException($"The storage connection string has a part without 'name=value': '{Redact(part)}'.");
            }

            parts[part[..equals]] = part[(equals + 1)..];
        }

        if (parts.TryGetValue("UseDevelopmentStorage", out string? development) && bool.TryParse(development, out bool useDevelopment) && useDevelopment)
        {
            return new QueueConnection(
                new Uri($"http://127.0.0.1:10001/{DevelopmentAccountName}"), DevelopmentAccountName, Convert.FromBase64String(DevelopmentAccountKey));
        }

        if (parts.ContainsKey("SharedAccessSignature"))
        {
            throw new FormatException("Shared access signatures are not supported: give AccountName and AccountKey (the storage account's access key).");
        }

        string account = Required(parts, "AccountName");
        byte[] key;
        try
        {
            key = Convert.FromBase64String(Required(parts, "AccountKey"));
        }
        catch (FormatException)
        {
            throw new FormatException("AccountKey in the storage connection string is not base64; copy it whole from the storage account's Access keys.");
        }

        Uri endpoint = parts.TryGetValue("QueueEndpoint", out string? explicitEndpoint)
            ? new Uri(explicitEndpoint.TrimEnd('/'))
            : new Uri($"{parts.GetValueOrDefault("DefaultEndpointsProtocol", "https")}://{account}.queue.{parts.GetValueOrDefault("EndpointSuffix", "core.windows.net")}");
        return new QueueConnection(endpoint, account, key);
    }

    private static string Required(Dictionary<string, string> parts, string name) =>
        parts.TryGetValue(name, out string? value) && value.Length > 0
            ? value
            : throw new FormatException(
                $"The storage connection string has no {name}. Give 'AccountName=…;AccountKey=…' (and QueueEndpoint or EndpointSuffix), or 'UseDevelopmentStorage=true' for Azurite.");

    private static string Redact(string part) => part.Length > 12 ? part[..12] + "…" : part;
}
