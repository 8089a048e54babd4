using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace TaskFlow.AzureQueues;

/// <summary>Signs a request with the account key: the Shared Key scheme of the Azure Storage REST API.</summary>
/// <remarks>The string to sign is the verb, eleven standard headers (Content-Length empty when zero), the
/// <c>x-ms-</c> headers sorted, and the resource: <c>/account/path</c> then each query parameter on its own
/// line, names lower-cased and sorted, values decoded.</remarks>
internal static class SharedKeySigner
{
    public static void Sign(HttpRequestMessage request, QueueConnection connection)
    {
        string signature = Convert.ToBase64String(HMACSHA256.HashData(connection.AccountKey, Encoding.UTF8.GetBytes(StringToSign(request, connection.AccountName))));
        request.Headers.Authorization = new AuthenticationHeaderValue("SharedKey", $"{connection.AccountName}:{signature}");
    }

    internal static string StringToSign(HttpRequestMessage request, string accountName)
    {
        HttpContentHeaders? content = request.Content?.Headers;
        long? length = content?.ContentLength;
        var builder = new StringBuilder()
            .Append(request.Method.Method).Append('\n')
            .Append(string.Join(',', content?.ContentEncoding ?? [])).Append('\n')
            .Append(string.Join(',', content?.ContentLanguage ?? [])).Append('\n')
            .Append(length is null or 0 ? string.Empty : length.Value.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(content?.ContentMD5 is { } md5 ? Convert.ToBase64String(md5) : string.Empty).Append('\n')
            .Append(content?.ContentType?.ToString() ?? string.Empty).Append('\n')
            .Append('\n') // Date: we send x-ms-date instead
            .Append("\n\n\n\n\n"); // If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since, Range

        foreach (KeyValuePair<string, IEnumerable<string>> header in request.Headers
            .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .OrderBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal))
        {
            builder.Append(header.Key.ToLowerInvariant()).Append(':').Append(string.Join(',', header.Value).Trim()).Append('\n');
        }

        Uri uri = request.RequestUri!;
        builder.Append('/').Append(accountName).Append(uri.AbsolutePath);
        foreach (IGrouping<string, string> parameter in QueryParameters(uri.Query)
            .GroupBy(p => p.Name.ToLowerInvariant(), p => p.Value)
            .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            builder.Append('\n').Append(parameter.Key).Append(':').Append(string.Join(',', parameter.Order(StringComparer.Ordinal)));
        }

        return builder.ToString();
    }

    private static IEnumerable<(string Name, string Value)> QueryParameters(string query)
    {
        foreach (string pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=');
            yield return equals < 0
                ? (Uri.UnescapeDataString(pair), string.Empty)
                : (Uri.UnescapeDataString(pair[..equals]), Uri.UnescapeDataString(pair[(equals + 1)..]));
        }
    }
}
