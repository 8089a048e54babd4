using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using TaskFlow.Activities;
using TaskFlow.Instances;
using TaskFlow.Retries;

namespace TaskFlow.Functions.Endpoints;

/// <summary>Turns the JSON of one task request into a <see cref="TaskSubmission"/>, or into errors that name
/// each wrong field and say how to fix it. Nothing is written until every field is valid.</summary>
internal sealed partial class TaskRequestParser(ActivityRegistry activities, ApiOptions options)
{
    private static readonly string[] Fields = ["type", "input", "priority", "runAt", "delay", "retry", "timeout", "idempotencyKey", "tags"];
    private static readonly string[] RetryFields = ["maxAttempts", "initialInterval", "backoffCoefficient", "maxInterval", "jitter"];

    /// <param name="body">The task's JSON.</param>
    /// <param name="prefix">Where the task sits in the request ("" or "tasks[3].") for error keys.</param>
    /// <param name="headerIdempotencyKey">The <c>Idempotency-Key</c> header, if sent.</param>
    /// <param name="errors">Collects what is wrong, by field.</param>
    public TaskSubmission? Parse(JsonElement body, string prefix, string? headerIdempotencyKey, Dictionary<string, string[]> errors)
    {
        int errorsBefore = errors.Count;
        void Error(string field, string message) => errors[prefix + field] = [message];

        if (body.ValueKind != JsonValueKind.Object)
        {
            Error("body", $"A task must be a JSON object, e.g. {{\"type\":\"echo\",\"input\":{{\"hello\":\"world\"}}}} (got {Describe(body)}).");
            return null;
        }

        foreach (JsonProperty property in body.EnumerateObject().Where(p => !Fields.Contains(p.Name)))
        {
            Error(property.Name, $"Unknown field '{property.Name}'.{Suggestions.DidYouMean(property.Name, Fields)} Known fields: {string.Join(", ", Fields)}.");
        }

        string? type = this.ReadType(body, Error, out JsonElement? input);
        int priority = ReadInteger(body, "priority", 0, 9, 5, Error);
        DateTimeOffset? runAt = ReadRunAt(body, Error);
        TimeSpan? delay = ReadDuration(body, "delay", TimeSpan.Zero, TimeSpan.FromDays(366), Error);
        if (runAt is not null && delay is not null)
        {
            Error("delay", "Give either 'runAt' or 'delay', not both.");
        }

        RetryPolicy retry = ReadRetry(body, Error);
        TimeSpan? timeout = ReadDuration(body, "timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(7), Error) ?? options.DefaultTimeout;
        string? idempotencyKey = ReadIdempotencyKey(body, headerIdempotencyKey, Error);
        Dictionary<string, string> tags = ReadTags(body, Error);

        if (errors.Count > errorsBefore || type is null)
        {
            return null;
        }

        return new TaskSubmission(type, input?.GetRawText(), priority, runAt, delay, retry, timeout, idempotencyKey, tags, RequestHash(body));
    }

    private string? ReadType(JsonElement body, Action<string, string> error, out JsonElement? input)
    {
        input = body.TryGetProperty("input", out JsonElement given) && given.ValueKind != JsonValueKind.Null ? given : null;
        string registered = string.Join(", ", activities.Names.Order());
        if (!body.TryGetProperty("type", out JsonElement typeElement))
        {
            error("type", $"Required: the task type to run. Registered: {registered}.");
            return null;
        }

        if (typeElement.ValueKind != JsonValueKind.String || typeElement.GetString() is not { Length: > 0 } type)
        {
            error("type", $"Must be a non-empty string naming a task type (got {Describe(typeElement)}). Registered: {registered}.");
            return null;
        }

        if (!activities.TryGet(type, out ActivityRegistration registration))
        {
            error("type", $"No task type named '{type}' is registered.{Suggestions.DidYouMean(type, activities.Names)} Registered: {registered}.");
            return null;
        }

        if (registration.DescribeInputMismatch(input) is { } mismatch)
        {
            error("input", mismatch);
        }

        return type;
    }

    private static int ReadInteger(JsonElement body, string field, int min, int max, int fallback, Action<string, string> error)
    {
        if (!body.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number) || number < min || number > max)
        {
            error(field, $"Must be a whole number from {min} to {max} (got {Describe(value)}).");
            return fallback;
        }

        return number;
    }

    private static DateTimeOffset? ReadRunAt(JsonElement body, Action<string, string> error)
    {
        if (!body.TryGetProperty("runAt", out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && Rfc3339WithOffset().IsMatch(value.GetString()!)
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset runAt))
        {
            return runAt;
        }

        error("runAt", $"Must be an RFC 3339 date-time with an offset, e.g. \"2030-01-31T09:00:00Z\" or \"2030-01-31T10:00:00+01:00\" (got {Describe(value)}).");
        return null;
    }

    private static TimeSpan? ReadDuration(JsonElement body, string field, TimeSpan min, TimeSpan max, Action<string, string> error)
    {
        if (!body.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && TryParseDuration(value.GetString()!, out TimeSpan duration))
        {
            if (duration >= min && duration <= max)
            {
                return duration;
            }

            error(field, $"Must be from {XmlConvert.ToString(min)} to {XmlConvert.ToString(max)} (got {value.GetString()}).");
            return null;
        }

        error(field, $"Must be an ISO 8601 duration such as \"PT30S\", \"PT5M\" or \"P1D\" (got {Describe(value)}).");
        return null;
    }

    private static RetryPolicy ReadRetry(JsonElement body, Action<string, string> error)
    {
        var fallback = new RetryPolicy();
        if (!body.TryGetProperty("retry", out JsonElement retry) || retry.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (retry.ValueKind != JsonValueKind.Object)
        {
            error("retry", $"Must be an object such as {{\"maxAttempts\":5,\"initialInterval\":\"PT2S\",\"backoffCoefficient\":2,\"maxInterval\":\"PT5M\"}} (got {Describe(retry)}).");
            return fallback;
        }

        foreach (JsonProperty property in retry.EnumerateObject().Where(p => !RetryFields.Contains(p.Name)))
        {
            error($"retry.{property.Name}", $"Unknown field.{Suggestions.DidYouMean(property.Name, RetryFields)} Known: {string.Join(", ", RetryFields)}.");
        }

        void Nested(string field, string message) => error($"retry.{field}", message);
        TimeSpan initial = ReadDuration(retry, "initialInterval", TimeSpan.Zero, TimeSpan.FromDays(1), Nested) ?? fallback.InitialInterval;
        TimeSpan max = ReadDuration(retry, "maxInterval", TimeSpan.Zero, TimeSpan.FromDays(7), Nested) ?? fallback.MaxInterval;
        if (max < initial)
        {
            Nested("maxInterval", $"Must not be shorter than initialInterval ({XmlConvert.ToString(initial)}).");
        }

        return new RetryPolicy
        {
            MaxAttempts = ReadInteger(retry, "maxAttempts", 1, 100, fallback.MaxAttempts, Nested),
            InitialInterval = initial,
            BackoffCoefficient = ReadNumber(retry, "backoffCoefficient", 1, 100, fallback.BackoffCoefficient, Nested),
            MaxInterval = max,
            Jitter = ReadNumber(retry, "jitter", 0, 1, fallback.Jitter, Nested),
        };
    }

    private static double ReadNumber(JsonElement body, string field, double min, double max, double fallback, Action<string, string> error)
    {
        if (!body.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (value.ValueKind != JsonValueKind.Number || value.GetDouble() is var number && (number < min || number > max))
        {
            error(field, $"Must be a number from {min} to {max} (got {Describe(value)}).");
            return fallback;
        }

        return number;
    }

    private static string? ReadIdempotencyKey(JsonElement body, string? header, Action<string, string> error)
    {
        string? key = header;
        if (body.TryGetProperty("idempotencyKey", out JsonElement value) && value.ValueKind != JsonValueKind.Null)
        {
            if (value.ValueKind != JsonValueKind.String)
            {
                error("idempotencyKey", $"Must be a string (got {Describe(value)}).");
                return null;
            }

            if (header is not null && header != value.GetString())
            {
                error("idempotencyKey", "Differs from the Idempotency-Key header; send the key once, in either place.");
                return null;
            }

            key = value.GetString();
        }

        if (key is not null && (key.Length is 0 or > 256 || key.Any(char.IsControl)))
        {
            error("idempotencyKey", "Must be 1 to 256 characters with no control characters, e.g. a UUID or \"order-1234-charge\".");
            return null;
        }

        return key;
    }

    private static Dictionary<string, string> ReadTags(JsonElement body, Action<string, string> error)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!body.TryGetProperty("tags", out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return tags;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            error("tags", $"Must be an object of string values, e.g. {{\"customer\":\"42\",\"source\":\"checkout\"}} (got {Describe(value)}).");
            return tags;
        }

        foreach (JsonProperty tag in value.EnumerateObject())
        {
            if (tag.Name.Length is 0 or > 64 || tag.Value.ValueKind != JsonValueKind.String || tag.Value.GetString()!.Length > 256)
            {
                error($"tags.{tag.Name}", "Tag names must be 1 to 64 characters and values strings of at most 256 characters.");
                continue;
            }

            tags[tag.Name] = tag.Value.GetString()!;
        }

        if (tags.Count > 32)
        {
            error("tags", $"At most 32 tags per task (got {tags.Count}).");
        }

        return tags;
    }

    /// <summary>Durations in ISO 8601; years and months are refused because their length varies.</summary>
    private static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (!IsoDuration().IsMatch(text))
        {
            return false;
        }

        try
        {
            duration = XmlConvert.ToTimeSpan(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>Identifies "the same request" for idempotency: the body as compact JSON, without its key.</summary>
    private static byte[] RequestHash(JsonElement body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (JsonProperty property in body.EnumerateObject().Where(p => p.Name != "idempotencyKey").OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return SHA256.HashData(buffer.ToArray());
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"\"{Truncate(value.GetString()!)}\"",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => value.GetRawText(),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339WithOffset();

    [GeneratedRegex(@"^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")]
    private static partial Regex IsoDuration();
}
