using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;

namespace TaskFlow.Api.Endpoints;

/// <summary>Reads typed fields of a JSON request and reports each wrong one with what to send instead.</summary>
/// <remarks>Absent or null fields return the fallback (or null) and report nothing.</remarks>
internal static partial class JsonFields
{
    public static int ReadInteger(JsonElement body, string field, int min, int max, int fallback, Action<string, string> error)
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

    public static DateTimeOffset? ReadTimestamp(JsonElement body, string field, Action<string, string> error)
    {
        if (!body.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && Rfc3339WithOffset().IsMatch(value.GetString()!)
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset timestamp))
        {
            return timestamp;
        }

        error(field, $"Must be an RFC 3339 date-time with an offset, e.g. \"2030-01-31T09:00:00Z\" or \"2030-01-31T10:00:00+01:00\" (got {Describe(value)}).");
        return null;
    }

    public static TimeSpan? ReadDuration(JsonElement body, string field, TimeSpan min, TimeSpan max, Action<string, string> error)
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

    public static double ReadNumber(JsonElement body, string field, double min, double max, double fallback, Action<string, string> error)
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

    /// <summary>Durations in ISO 8601; years and months are refused because their length varies.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
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

    public static string Describe(JsonElement value) => value.ValueKind switch
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
