using System.Security.Cryptography;
using System.Text.Json;
using System.Xml;
using TaskFlow.Instances;
using TaskFlow.Retries;

namespace TaskFlow.Api.Endpoints;

/// <summary>Turns the JSON of one task request into a <see cref="TaskSubmission"/>, or into errors that name
/// each wrong field and say how to fix it. Nothing is written until every field is valid.</summary>
internal sealed class TaskRequestParser(TaskTypes taskTypes, ApiOptions options)
{
    private static readonly string[] Fields = ["id", "type", "input", "priority", "runAt", "delay", "retry", "timeout", "idempotencyKey", "tags"];
    private static readonly string[] TemplateFields = ["type", "input", "priority", "retry", "timeout", "tags"];
    private static readonly string[] RetryFields = ["maxAttempts", "initialInterval", "backoffCoefficient", "maxInterval", "jitter"];

    /// <param name="body">The task's JSON.</param>
    /// <param name="prefix">Where the task sits in the request ("" or "tasks[3].") for error keys.</param>
    /// <param name="headerIdempotencyKey">The <c>Idempotency-Key</c> header, if sent.</param>
    /// <param name="errors">Collects what is wrong, by field.</param>
    /// <param name="template">A schedule's task template: the timing fields and the idempotency key belong to the schedule, not the task.</param>
    public TaskSubmission? Parse(JsonElement body, string prefix, string? headerIdempotencyKey, Dictionary<string, string[]> errors, bool template = false)
    {
        string[] fields = template ? TemplateFields : Fields;
        int errorsBefore = errors.Count;
        void Error(string field, string message) => errors[prefix + field] = [message];

        if (body.ValueKind != JsonValueKind.Object)
        {
            Error("body", $"A task must be a JSON object, e.g. {{\"type\":\"echo\",\"input\":{{\"hello\":\"world\"}}}} (got {JsonFields.Describe(body)}).");
            return null;
        }

        foreach (JsonProperty property in body.EnumerateObject().Where(p => !fields.Contains(p.Name)))
        {
            Error(property.Name, $"Unknown field '{property.Name}'.{Suggestions.DidYouMean(property.Name, fields)} Known fields: {string.Join(", ", fields)}.");
        }

        string? type = this.ReadType(body, Error, out JsonElement? input);
        int priority = JsonFields.ReadInteger(body, "priority", 0, 9, 5, Error);
        DateTimeOffset? runAt = JsonFields.ReadTimestamp(body, "runAt", Error);
        TimeSpan? delay = JsonFields.ReadDuration(body, "delay", TimeSpan.Zero, TimeSpan.FromDays(366), Error);
        if (runAt is not null && delay is not null)
        {
            Error("delay", "Give either 'runAt' or 'delay', not both.");
        }

        RetryPolicy retry = ReadRetry(body, Error);
        TimeSpan? timeout = JsonFields.ReadDuration(body, "timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(7), Error) ?? options.DefaultTimeout;
        string? idempotencyKey = ReadIdempotencyKey(body, headerIdempotencyKey, Error);
        Dictionary<string, string> tags = ReadTags(body, Error);
        string? id = ReadId(body, Error);

        if (errors.Count > errorsBefore || type is null)
        {
            return null;
        }

        return new TaskSubmission(type, input?.GetRawText(), priority, runAt, delay, retry, timeout, idempotencyKey, tags, RequestHash(body), id);
    }

    /// <summary>The instance id the caller chose, if any (a business key such as <c>order-42</c>).</summary>
    private static string? ReadId(JsonElement body, Action<string, string> error)
    {
        if (!body.TryGetProperty("id", out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || !InstanceIds.IsValid(value.GetString()))
        {
            error("id", $"Must be {InstanceIds.Rule}; got {JsonFields.Describe(value)}. Leave it out to have one generated.");
            return null;
        }

        return value.GetString();
    }

    private string? ReadType(JsonElement body, Action<string, string> error, out JsonElement? input)
    {
        input = body.TryGetProperty("input", out JsonElement given) && given.ValueKind != JsonValueKind.Null ? given : null;
        string registered = string.Join(", ", taskTypes.Names);
        if (!body.TryGetProperty("type", out JsonElement typeElement))
        {
            error("type", $"Required: the task type to run. Registered: {registered}.");
            return null;
        }

        if (typeElement.ValueKind != JsonValueKind.String || typeElement.GetString() is not { Length: > 0 } type)
        {
            error("type", $"Must be a non-empty string naming a task type (got {JsonFields.Describe(typeElement)}). Registered: {registered}.");
            return null;
        }

        if (!taskTypes.Exists(type))
        {
            error("type", $"No task type named '{type}' is registered.{Suggestions.DidYouMean(type, taskTypes.Names)} Registered: {registered}.");
            return null;
        }

        if (taskTypes.DescribeInputMismatch(type, input) is { } mismatch)
        {
            error("input", mismatch);
        }

        if (taskTypes.IsOrchestration(type))
        {
            foreach (string activityOnly in new[] { "retry", "timeout" }.Where(field => body.TryGetProperty(field, out _)))
            {
                error(activityOnly, $"'{type}' is an orchestration: '{activityOnly}' applies to activity tasks. Give each CallActivityAsync its own retry policy in the orchestrator.");
            }
        }

        return type;
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
            error("retry", $"Must be an object such as {{\"maxAttempts\":5,\"initialInterval\":\"PT2S\",\"backoffCoefficient\":2,\"maxInterval\":\"PT5M\"}} (got {JsonFields.Describe(retry)}).");
            return fallback;
        }

        foreach (JsonProperty property in retry.EnumerateObject().Where(p => !RetryFields.Contains(p.Name)))
        {
            error($"retry.{property.Name}", $"Unknown field.{Suggestions.DidYouMean(property.Name, RetryFields)} Known: {string.Join(", ", RetryFields)}.");
        }

        void Nested(string field, string message) => error($"retry.{field}", message);
        TimeSpan initial = JsonFields.ReadDuration(retry, "initialInterval", TimeSpan.Zero, TimeSpan.FromDays(1), Nested) ?? fallback.InitialInterval;
        TimeSpan max = JsonFields.ReadDuration(retry, "maxInterval", TimeSpan.Zero, TimeSpan.FromDays(7), Nested) ?? fallback.MaxInterval;
        if (max < initial)
        {
            Nested("maxInterval", $"Must not be shorter than initialInterval ({XmlConvert.ToString(initial)}).");
        }

        return new RetryPolicy
        {
            MaxAttempts = JsonFields.ReadInteger(retry, "maxAttempts", 1, 100, fallback.MaxAttempts, Nested),
            InitialInterval = initial,
            BackoffCoefficient = JsonFields.ReadNumber(retry, "backoffCoefficient", 1, 100, fallback.BackoffCoefficient, Nested),
            MaxInterval = max,
            Jitter = JsonFields.ReadNumber(retry, "jitter", 0, 1, fallback.Jitter, Nested),
        };
    }

    private static string? ReadIdempotencyKey(JsonElement body, string? header, Action<string, string> error)
    {
        string? key = header;
        if (body.TryGetProperty("idempotencyKey", out JsonElement value) && value.ValueKind != JsonValueKind.Null)
        {
            if (value.ValueKind != JsonValueKind.String)
            {
                error("idempotencyKey", $"Must be a string (got {JsonFields.Describe(value)}).");
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
            error("tags", $"Must be an object of string values, e.g. {{\"customer\":\"42\",\"source\":\"checkout\"}} (got {JsonFields.Describe(value)}).");
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

}
