namespace TaskFlow.Api.Endpoints;

/// <summary>"Did you mean …?" for misspelt names.</summary>
internal static class Suggestions
{
    /// <summary>A candidate that <paramref name="input"/> begins, else the closest within a few edits, or null.</summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        int allowed = Math.Max(2, input.Length / 3);
        string? extended = input.Length >= 3
            ? candidates.FirstOrDefault(candidate => candidate.StartsWith(input, StringComparison.OrdinalIgnoreCase))
            : null;
        return extended ?? candidates
            .Select(candidate => (Candidate: candidate, Distance: EditDistance(input.ToLowerInvariant(), candidate.ToLowerInvariant())))
            .Where(pair => pair.Distance <= allowed)
            .OrderBy(pair => pair.Distance)
            .Select(pair => pair.Candidate)
            .FirstOrDefault();
    }

    public static string DidYouMean(string input, IEnumerable<string> candidates) =>
        Closest(input, candidates) is { } closest ? $" Did you mean '{closest}'?" : string.Empty;

    private static int EditDistance(string a, string b)
    {
        int[] previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int[] current = new int[b.Length + 1];
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
