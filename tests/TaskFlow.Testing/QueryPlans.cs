using Npgsql;
using TaskFlow.Database;

namespace TaskFlow.Testing;

/// <summary>The plan PostgreSQL makes for a statement, as the plan tests read it.</summary>
internal static class QueryPlans
{
    /// <summary>Runs a batch of planner settings followed by an <c>EXPLAIN</c> (as <see cref="OptionalFilterQuery"/> runs a
    /// query, in one implicit transaction) and returns the plan's lines as one text.</summary>
    public static async Task<string> ExplainAsync(NpgsqlBatch settingsThenExplain)
    {
        await using NpgsqlDataReader reader = await settingsThenExplain.ExecuteQueryAsync(CancellationToken.None);
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return lines.Count > 0 ? string.Join('\n', lines) : throw new InvalidOperationException("The EXPLAIN returned no plan.");
    }
}
