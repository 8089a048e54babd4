using System.Buffers.Text;
using System.Globalization;
using System.Text;
using TaskFlow.Instances;

namespace TaskFlow.Api.Endpoints;

/// <summary>Reads the filters of <c>GET /api/tasks</c> and its opaque keyset cursor.</summary>
internal static class TaskQueryParser
{
    private static readonly string[] Parameters = ["status", "type", "tag", "createdFrom", "createdTo", "cursor", "limit"];

    public static (TaskQuery? Query, IDictionary<string, string[]> Errors) Parse(IQueryCollection query)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (string unknown in query.Keys.Where(key => !Parameters.Contains(key)))
        {
            errors[unknown] = [$"Unknown query parameter.{Suggestions.DidYouMean(unknown, Parameters)} Known: {string.Join(", ", Parameters)}."];
        }

        string? status = query["status"].FirstOrDefault();
        if (status is not null && !TaskStatuses.All.Contains(status))
        {
            errors["status"] = [$"Unknown status '{status}'. Use one of: {string.Join(", ", TaskStatuses.All)}."];
        }

        var tags = new Dictionary<string, string>();
        foreach (string? tag in query["tag"])
        {
            string[] parts = (tag ?? string.Empty).Split(':', 2);
            if (parts.Length != 2 || parts[0].Length == 0)
            {
                errors["tag"] = [$"Use tag=name:value, e.g. tag=customer:42 (got '{tag}'). Repeat it to require several tags."];
                continue;
            }

            tags[parts[0]] = parts[1];
        }

        DateTimeOffset? createdFrom = ParseTime(query, "createdFrom", errors);
        DateTimeOffset? createdTo = ParseTime(query, "createdTo", errors);
        int limit = 50;
        if (query["limit"].FirstOrDefault() is { } limitText && (!int.TryParse(limitText, out limit) || limit is < 1 or > 500))
        {
            errors["limit"] = [$"Must be a whole number from 1 to 500 (got '{limitText}')."];
        }

        TaskCursor? after = null;
        if (query["cursor"].FirstOrDefault() is { } cursorText && (after = DecodeCursor(cursorText)) is null)
        {
            errors["cursor"] = ["Not a cursor this API issued; pass the 'nextCursor' of the previous page as it is."];
        }

        return errors.Count > 0
            ? (null, errors)
            : (new TaskQuery(status, query["type"].FirstOrDefault(), tags, createdFrom, createdTo, after, limit), errors);
    }

    public static string EncodeCursor(TaskCursor cursor) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{cursor.CreatedAt.UtcTicks}|{cursor.Id}"));

    private static TaskCursor? DecodeCursor(string text)
    {
        try
        {
            string[] parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split('|', 2);
            return parts.Length == 2 && long.TryParse(parts[0], out long ticks) && InstanceIds.IsValid(parts[1])
                ? new TaskCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static DateTimeOffset? ParseTime(IQueryCollection query, string name, Dictionary<string, string[]> errors)
    {
        if (query[name].FirstOrDefault() is not { } text)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time))
        {
            return time;
        }

        errors[name] = [$"Must be an RFC 3339 date-time such as 2030-01-31T09:00:00Z (got '{text}')."];
        return null;
    }
}
