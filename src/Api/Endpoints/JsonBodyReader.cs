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

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.ToArray(), ParseOptions);
        }
        catch (JsonException exception)
        {
            string where = exception.LineNumber is { } line ? $" (line {line + 1}, byte {exception.BytePositionInLine + 1})" : string.Empty;
            return (null, ApiProblems.Invalid("body", $"The body is not valid JSON{where}: {exception.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}", "Malformed JSON"));
        }

        if (FindNulCharacter(document.RootElement, string.Empty) is { } path)
        {
            document.Dispose();
            return (null, ApiProblems.Invalid(path, "Contains the character U+0000 (NUL), which cannot be stored. Remove it or encode the data (e.g. base64)."));
        }

        return (document, null);
    }

    private static bool IsJson(string contentType)
    {
        string mediaType = contentType.Split(';')[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static string? FindNulCharacter(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return element.GetString()!.Contains('\0') ? (path.Length == 0 ? "body" : path) : null;
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    string name = property.Name.Replace("\0", "\\u0000");
                    string child = path.Length == 0 ? name : $"{path}.{name}";
                    if (property.Name.Contains('\0'))
                    {
                        return child;
                    }

                    if (FindNulCharacter(property.Value, child) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                int index = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (FindNulCharacter(item, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }
}
