using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using TaskFlow.Retries;

namespace TaskFlow.AzureQueues;

/// <summary><see cref="IQueueStorage"/> over the Azure Queue Storage REST API with Shared Key signing.
/// Works against Azure and Azurite alike.</summary>
/// <remarks>Message text travels base64-encoded, the Azure Functions queue trigger's default encoding, so
/// a function app reads what TaskFlow puts. Busy, failing (5xx) and timed-out requests are retried with
/// exponential backoff and jitter; a retried put can leave a duplicate message, which is why TaskFlow's
/// messages only ever ring a doorbell and carry no state.</remarks>
public sealed partial class AzureQueueRestClient(HttpClient http, QueueConnection connection, TimeProvider time) : IQueueStorage
{
    /// <summary>The REST API version sent with every request.</summary>
    public const string ApiVersion = "2021-12-02";

    /// <summary>How far apart the tries of one request are.</summary>
    private static readonly RetryPolicy Retries = new()
    {
        MaxAttempts = 4,
        InitialInterval = TimeSpan.FromMilliseconds(200),
        MaxInterval = TimeSpan.FromSeconds(5),
        Jitter = 0.5,
    };

    /// <inheritdoc/>
    public async Task CreateQueueIfMissingAsync(string queue, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await this.SendAsync(
            HttpMethod.Put, queue, string.Empty, null, $"create queue '{queue}'", cancellationToken, HttpStatusCode.Created, HttpStatusCode.NoContent);
    }

    /// <inheritdoc/>
    public async Task DeleteQueueIfExistsAsync(string queue, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await this.SendAsync(
            HttpMethod.Delete, queue, string.Empty, null, $"delete queue '{queue}'", cancellationToken, HttpStatusCode.NoContent, HttpStatusCode.NotFound);
    }

    /// <inheritdoc/>
    public async Task<QueueMessage> PutMessageAsync(
        string queue, string text, TimeSpan visibilityDelay, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        string query = $"visibilitytimeout={Seconds(visibilityDelay)}" + (timeToLive is { } ttl ? $"&messagettl={Seconds(ttl)}" : string.Empty);
        using HttpResponseMessage response = await this.SendAsync(
            HttpMethod.Post, $"{queue}/messages", query, MessageBody(text), $"put a message on '{queue}'", cancellationToken, HttpStatusCode.Created);
        QueueMessage put = (await ReadMessagesAsync(response, cancellationToken)).Single();
        return put with { Text = text };
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<QueueMessage>> GetMessagesAsync(
        string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, 32);
        using HttpResponseMessage response = await this.SendAsync(
            HttpMethod.Get, $"{queue}/messages", $"numofmessages={maxMessages}&visibilitytimeout={Seconds(visibilityTimeout)}", null,
            $"receive messages from '{queue}'", cancellationToken, HttpStatusCode.OK);
        return await ReadMessagesAsync(response, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<QueueMessage>> PeekMessagesAsync(string queue, int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, 32);
        using HttpResponseMessage response = await this.SendAsync(
            HttpMethod.Get, $"{queue}/messages", $"peekonly=true&numofmessages={maxMessages}", null,
            $"peek at '{queue}'", cancellationToken, HttpStatusCode.OK);
        return await ReadMessagesAsync(response, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<QueueMessage> UpdateMessageAsync(
        string queue, QueueMessage message, TimeSpan visibilityTimeout, string? newText, CancellationToken cancellationToken)
    {
        string query = $"popreceipt={Uri.EscapeDataString(ReceiptOf(message))}&visibilitytimeout={Seconds(visibilityTimeout)}";
        using HttpResponseMessage response = await this.SendAsync(
            HttpMethod.Put, $"{queue}/messages/{message.Id}", query, newText is null ? null : MessageBody(newText),
            $"update message {message.Id} on '{queue}'", cancellationToken, HttpStatusCode.NoContent);
        return message with
        {
            PopReceipt = Header(response, "x-ms-popreceipt"),
            NextVisibleAt = DateTimeOffset.Parse(Header(response, "x-ms-time-next-visible"), CultureInfo.InvariantCulture),
            Text = newText ?? message.Text,
        };
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteMessageAsync(string queue, QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            using HttpResponseMessage response = await this.SendAsync(
                HttpMethod.Delete, $"{queue}/messages/{message.Id}", $"popreceipt={Uri.EscapeDataString(ReceiptOf(message))}", null,
                $"delete message {message.Id} from '{queue}'", cancellationToken, HttpStatusCode.NoContent, HttpStatusCode.NotFound);
            return response.StatusCode == HttpStatusCode.NoContent;
        }
        catch (QueueStorageException refused) when (refused.ErrorCode == "PopReceiptMismatch")
        {
            // Received again since (by us or another receiver): whoever holds it now deletes it.
            return false;
        }
    }

    /// <inheritdoc/>
    public async Task<int> GetApproximateMessageCountAsync(string queue, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await this.SendAsync(
            HttpMethod.Get, queue, "comp=metadata", null, $"count the messages on '{queue}'", cancellationToken, HttpStatusCode.OK);
        return int.Parse(Header(response, "x-ms-approximate-messages-count"), CultureInfo.InvariantCulture);
    }

    /// <summary>Sends a signed request, retrying busy, failing and timed-out ones; returns the response when
    /// its status is one of <paramref name="expected"/> and throws <see cref="QueueStorageException"/> otherwise.</summary>
    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string path, string query, string? body, string what, CancellationToken cancellationToken, params HttpStatusCode[] expected)
    {
        for (int attempt = 1; ; attempt++)
        {
            using HttpRequestMessage request = this.NewRequest(method, path, query, body);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (attempt < Retries.MaxAttempts)
                {
                    await Task.Delay(Retries.DelayAfter(attempt, Random.Shared.NextDouble()), time, cancellationToken);
                    continue;
                }

                throw new QueueStorageException(null, null, $"Could not {what} at {connection.QueueEndpoint} after {attempt} tries: {exception.Message}", exception);
            }

            if (expected.Contains(response.StatusCode))
            {
                return response;
            }

            using (response)
            {
                bool transient = (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout;
                if (transient && attempt < Retries.MaxAttempts)
                {
                    await Task.Delay(Retries.DelayAfter(attempt, Random.Shared.NextDouble()), time, cancellationToken);
                    continue;
                }

                throw await RefusedAsync(response, what, cancellationToken);
            }
        }
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string path, string query, string? body)
    {
        var uri = new Uri($"{connection.QueueEndpoint.AbsoluteUri.TrimEnd('/')}/{path}{(query.Length > 0 ? "?" + query : string.Empty)}");
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Add("x-ms-date", time.GetUtcNow().ToString("R", CultureInfo.InvariantCulture));
        request.Headers.Add("x-ms-version", ApiVersion);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/xml");
        }
        else if (method == HttpMethod.Put || method == HttpMethod.Post)
        {
            // The service wants an explicit zero length on bodiless writes.
            request.Content = new ByteArrayContent([]);
        }

        SharedKeySigner.Sign(request, connection);
        return request;
    }

    private async Task<QueueStorageException> RefusedAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        string text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? code = response.Headers.TryGetValues("x-ms-error-code", out IEnumerable<string>? codes) ? codes.First() : null;
        string detail = string.Empty;
        try
        {
            XElement error = XDocument.Parse(text).Root!;
            code ??= error.Element("Code")?.Value;
            detail = (error.Element("Message")?.Value ?? string.Empty).Split('\n')[0].Trim();
        }
        catch (System.Xml.XmlException)
        {
            // No XML error body (HEAD-like answers, proxies): the status and header code have to do.
        }

        string hint = code switch
        {
            "AuthenticationFailed" => " Check AccountName and AccountKey in the storage connection string (the key must be the account's current access key).",
            "QueueNotFound" => " The queue does not exist; TaskFlow creates its queues at start-up, so check the queue name prefix.",
            _ => string.Empty,
        };
        return new QueueStorageException(
            response.StatusCode, code,
            $"Azure Queue Storage refused to {what}: {(int)response.StatusCode} {code ?? response.ReasonPhrase}. {detail}{hint}".TrimEnd());
    }

    private static async Task<IReadOnlyList<QueueMessage>> ReadMessagesAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        XDocument document = XDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return document.Root!.Elements("QueueMessage").Select(element => new QueueMessage(
            Id: element.Element("MessageId")!.Value,
            PopReceipt: element.Element("PopReceipt")?.Value,
            Text: element.Element("MessageText") is { } text ? Encoding.UTF8.GetString(Convert.FromBase64String(text.Value)) : string.Empty,
            DequeueCount: element.Element("DequeueCount") is { } count ? int.Parse(count.Value, CultureInfo.InvariantCulture) : 0,
            InsertedAt: Time(element, "InsertionTime")!.Value,
            ExpiresAt: Time(element, "ExpirationTime")!.Value,
            NextVisibleAt: Time(element, "TimeNextVisible"))).ToList();
    }

    private static DateTimeOffset? Time(XElement message, string name) =>
        message.Element(name) is { } value ? DateTimeOffset.Parse(value.Value, CultureInfo.InvariantCulture) : null;

    private static string MessageBody(string text) =>
        new XElement("QueueMessage", new XElement("MessageText", Convert.ToBase64String(Encoding.UTF8.GetBytes(text)))).ToString(SaveOptions.DisableFormatting);

    private static string ReceiptOf(QueueMessage message) =>
        message.PopReceipt ?? throw new ArgumentException($"Message {message.Id} was peeked, not received: it has no pop receipt.", nameof(message));

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values)
            ? values.First()
            : throw new QueueStorageException(response.StatusCode, null, $"Azure Queue Storage's answer lacks the {name} header.");

    private static long Seconds(TimeSpan span) => (long)Math.Ceiling(Math.Max(0, span.TotalSeconds));
}
