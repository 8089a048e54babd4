using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace TaskFlow.Activities.BuiltIn;

/// <summary>The built-in <c>http</c> task type: calls a URL (webhooks).</summary>
/// <remarks>2xx succeeds; 5xx, 408, 429 and time-outs fail the attempt and are retried per the task's policy;
/// other answers (4xx, redirects, which are not followed) fail the task at once. Destinations on private,
/// loopback and link-local addresses are refused unless allow-listed (<see cref="HttpActivityOptions.AllowedHosts"/>).</remarks>
internal sealed class HttpActivity(IHttpClientFactory clients, IOptions<HttpActivityOptions> options)
    : TaskActivity<HttpActivity.Request, HttpActivity.Response>
{
    public const string Name = "http";
    public const string ClientName = "taskflow-http";

    public override async Task<Response> RunAsync(TaskActivityContext context, Request input)
    {
        if (input is null || !Uri.TryCreate(input.Url, UriKind.Absolute, out Uri? url) || url.Scheme is not ("http" or "https"))
        {
            throw new NonRetryableException(DescribeDestinationProblem(input?.Url, []) ?? $"'url' must be an absolute http or https URL (got '{input?.Url}').");
        }

        using var request = new HttpRequestMessage(new HttpMethod(input.Method ?? (input.Body is null ? "GET" : "POST")), url);
        if (input.Body is { } body)
        {
            request.Content = new StringContent(body.GetRawText(), Encoding.UTF8, "application/json");
        }

        foreach ((string name, string value) in input.Headers ?? [])
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        request.Headers.TryAddWithoutValidation("Idempotency-Key", context.GetIdempotencyKey());

        HttpClient client = clients.CreateClient(ClientName);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(context.GetCancellationToken());
        attempt.CancelAfter(options.Value.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, attempt.Token);
        }
        catch (HttpRequestException exception) when (exception.InnerException is DestinationRefusedException refused)
        {
            throw new NonRetryableException(refused.Message, exception);
        }
        catch (OperationCanceledException exception) when (!context.GetCancellationToken().IsCancellationRequested)
        {
            throw new TimeoutException($"{request.Method} {url} did not answer within {options.Value.RequestTimeout}.", exception);
        }

        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(context.GetCancellationToken());
            if (text.Length > options.Value.MaxResponseBodyChars)
            {
                text = text[..options.Value.MaxResponseBodyChars];
            }

            int status = (int)response.StatusCode;
            string summary = $"{request.Method} {url} answered {status} {response.ReasonPhrase}";
            return status switch
            {
                >= 200 and < 300 => new Response(status, ContentType(response.Content.Headers), text),
                >= 500 or 408 or 429 => throw new HttpRequestException($"{summary}; will retry."),
                _ => throw new NonRetryableException($"{summary}; not retried (only 5xx, 408, 429 and time-outs are)."),
            };
        }
    }

    private static string? ContentType(HttpContentHeaders headers) => headers.ContentType?.ToString();

    /// <summary>What an <c>http</c> task's input holds.</summary>
    public sealed record Request(string Url, string? Method = null, Dictionary<string, string>? Headers = null, JsonElement? Body = null);

    /// <summary>Checks a destination when the task is submitted: an absolute http(s) URL whose host is not a literal
    /// loopback, private, link-local (cloud metadata), unspecified or <c>localhost</c> address, in any notation the URL
    /// parser reads (dotted, decimal, hex, octal, IPv4-mapped IPv6), unless allow-listed. Names that resolve to such
    /// addresses are caught when the task runs (<see cref="DestinationGuard"/>).</summary>
    /// <returns>Null when it may be called, else what is wrong.</returns>
    public static string? DescribeDestinationProblem(string? url, IReadOnlyCollection<string> allowedHosts)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
        {
            return $"'url' must be an absolute http or https URL (got '{url}').";
        }

        string host = uri.IdnHost.Trim('[', ']');
        if (allowedHosts.Contains(uri.Host, StringComparer.OrdinalIgnoreCase) || allowedHosts.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        bool local = uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
            ? !DestinationGuard.IsPublic(System.Net.IPAddress.Parse(host))
            : host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
        return local
            ? $"'url' points at {host}, a loopback, private, link-local or unspecified address, which http tasks may not call. " +
              $"If this destination is intended, add '{uri.Host}' to TaskFlow:Http:AllowedHosts."
            : null;
    }

    /// <summary>What an <c>http</c> task's output holds, named as the README documents it under any data converter.</summary>
    public sealed record Response(
        [property: JsonPropertyName("status")] int Status,
        [property: JsonPropertyName("contentType")] string? ContentType,
        [property: JsonPropertyName("body")] string Body);
}
