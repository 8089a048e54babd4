using System.Text.Json;

namespace TaskFlow.Api.Endpoints;

/// <summary>Reads a JSON request body within a size limit, refusing what PostgreSQL could not store.</summary>
internal static class JsonBodyReader
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 64 };

    /// <returns>The parsed body, or the problem to answer with.</returns>
    public static async Task<(JsonDocument? Body, IResult? Problem)> ReadAsync(HttpRequest request, int maxBytes)
    {
        if (request.ContentType is not { } contentType || !IsJson(contentType))
        {
            return (null, ApiProblems.UnsupportedMediaType(request.ContentType));
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, ApiProblems.TooLarge(maxBytes));
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (null, ApiProblems.TooLarge(maxBytes));
            }

            buffer.Write(chunk, 0, read);
        }

        byte[] bytes = buffer.ToArray();
        if (FirstInvalidUtf8Byte(bytes) is { } invalidAt)
        {
            return (null, ApiProblems.Invalid("body", $"The body is not valid UTF-8 (byte {invalidAt + 1}); send JSON encoded as UTF-8.", "Malformed encoding"));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, ParseOptions);
        }
        catch (JsonException exception)
        {
            string where = exception.LineNumber is { } line ? $" (line {line + 1}, byte {exception.BytePositionInLine + 1})" : string.Empty;
            return (null, ApiProblems.Invalid("body", $"The body is not valid JSON{where}: {exception.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}", "Malformed JSON"));
        }

        if (FindProblem(document.RootElement, string.Empty) is { } found)
        {
            document.Dispose();
            return (null, ApiProblems.Invalid(found.Path, found.Problem, found.Title));
        }

        return (document, null);
    }

    /// <summary>Where the bytes stop being UTF-8, or null when they all are.</summary>
    private static int? FirstInvalidUtf8Byte(ReadOnlySpan<byte> bytes)
    {
        int at = 0;
        while (at < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[at..], out _, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                return at;
            }

            at += consumed;
        }

        return null;
    }

    private static bool IsJson(string contentType)
    {
        string mediaType = contentType.Split(';')[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The first thing in the document that must not be taken as it is: a property named twice in one object
    /// (it would be read as its last value, silently), or a string (value or name) that PostgreSQL cannot store.</summary>
    private static (string Path, string Problem, string Title)? FindProblem(JsonElement element, string path)
    {
        string here = path.Length == 0 ? "body" : path;
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return Unstorable(() => element.GetString()!) is { } problem ? (here, problem, "Malformed encoding") : null;
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    if (Unstorable(() => property.Name) is { } nameProblem)
                    {
                        return (here, $"A property name: {nameProblem}", "Malformed encoding");
                    }

                    string child = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    if (!names.Add(property.Name))
                    {
                        return (child, "A property is named more than once in the same object; name each once.", "Duplicate property");
                    }

                    if (FindProblem(property.Value, child) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                int index = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (FindProblem(item, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static string? Unstorable(Func<string> read)
    {
        string text;
        try
        {
            text = read();
        }
        catch (InvalidOperationException)
        {
            return "Contains an escaped UTF-16 surrogate without its pair (e.g. \\ud800 alone), which is not a character. Send the character itself, or both halves of the pair.";
        }

        return text.Contains('\0')
            ? "Contains the character U+0000 (NUL), which cannot be stored. Remove it or encode the data (e.g. base64)."
            : null;
    }
}
