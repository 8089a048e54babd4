namespace TaskFlow.Api.Endpoints;

/// <summary>Reads the paging of <c>GET /api/tasks/{id}/history</c>: <c>after</c> (the last sequence already read,
/// default 0) and <c>limit</c> (1 to 1,000, default 1,000).</summary>
internal static class HistoryPageParser
{
    public const int MaxLimit = 1_000;
    private static readonly string[] Parameters = ["after", "limit"];

    public static (int After, int Limit, IDictionary<string, string[]> Errors) Parse(IQueryCollection query)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (string unknown in query.Keys.Where(key => !Parameters.Contains(key)))
        {
            errors[unknown] = [$"Unknown query parameter.{Suggestions.DidYouMean(unknown, Parameters)} Known: {string.Join(", ", Parameters)}."];
        }

        int after = 0;
        if (query["after"].FirstOrDefault() is { } afterText && (!int.TryParse(afterText, out after) || after < 0))
        {
            errors["after"] = [$"Must be a history sequence number, 0 or more (got '{afterText}'): the last 'sequence' you read."];
        }

        int limit = MaxLimit;
        if (query["limit"].FirstOrDefault() is { } limitText && (!int.TryParse(limitText, out limit) || limit is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"Must be a whole number from 1 to {MaxLimit:N0} (got '{limitText}')."];
        }

        return (after, limit, errors);
    }
}
