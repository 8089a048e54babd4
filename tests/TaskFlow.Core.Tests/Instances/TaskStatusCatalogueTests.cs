using System.Text.RegularExpressions;
using DurableTask.Core;
using TaskFlow.Instances;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Instances;

/// <summary>The task statuses are declared in C# (<see cref="TaskStatuses"/>) and in SQL (migration 0014's functions);
/// everything else uses one of the two. These fail when a place disagrees: a status added on one side only, a .sql file
/// listing statuses of its own or naming an unknown one, a Durable mapping left behind, a list kept in the dashboard.</summary>
public sealed partial class TaskStatusCatalogueTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static IEnumerable<string> Stored => TaskStatuses.All.Where(status => status != TaskStatuses.Scheduled);

    [Fact]
    public async Task SqlStatusSets_AreTheOnesCSharpDeclares()
    {
        Assert.Equal(TaskStatuses.Unfinished, await database.ColumnAsync("SELECT unnest(taskflow.unfinished_statuses())"));
        Assert.Equal(TaskStatuses.Finished, await database.ColumnAsync("SELECT unnest(taskflow.finished_statuses())"));
        Assert.Equal(TaskStatuses.Runnable, await database.ColumnAsync("SELECT unnest(taskflow.runnable_statuses())"));
        Assert.Equal(Stored.Order(), TaskStatuses.Unfinished.Concat(TaskStatuses.Finished).Order());
    }

    [Fact]
    public async Task InstancesStatusConstraints_AcceptExactlyTheStoredStatuses_AndTheFinishedOnesWithACompletionTime()
    {
        string known = await this.ConstraintAsync("status_is_known");
        string completed = await this.ConstraintAsync("terminal_has_completed_at");
        foreach (string status in TaskStatuses.All.Append("paused"))
        {
            bool accepted = await database.ScalarAsync<bool>($"SELECT {known} FROM (VALUES (@status)) AS candidate (status)", ("status", status));
            Assert.True(accepted == Stored.Contains(status), $"status_is_known {(accepted ? "accepts" : "refuses")} '{status}'.");
            bool needsCompletion = !await database.ScalarAsync<bool>(
                $"SELECT {completed} FROM (VALUES (@status, NULL::timestamptz)) AS candidate (status, completed_at)", ("status", status));
            Assert.True(needsCompletion == TaskStatuses.IsFinished(status), $"terminal_has_completed_at {(needsCompletion ? "wants" : "does not want")} a completion time for '{status}'.");
        }
    }

    private Task<string> ConstraintAsync(string name) => database.ScalarAsync<string>(
        "SELECT pg_get_expr(conbin, conrelid) FROM pg_constraint WHERE conname = @name AND conrelid = 'taskflow.instances'::regclass",
        ("name", name));

    [Fact]
    public void SqlFiles_NameStatusSetsThroughTheFunctions_AndOnlyKnownStatuses()
    {
        var problems = new List<string>();
        int literals = 0;
        foreach (string file in Repository.SourceFiles("src", "*.sql")
                     .Where(path => path.Contains($"{Path.DirectorySeparatorChar}Sql{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            string sql = File.ReadAllText(file);
            string name = Path.GetRelativePath(Repository.Root, file);
            problems.AddRange(StatusList().Matches(sql).Select(match => $"{name}: lists statuses ({match.Value}…); use taskflow.*_statuses()"));
            IEnumerable<string> compared = StatusLiteral().Matches(sql).Select(match => match.Groups["status"].Value);
            IEnumerable<string> assigned = StatusCase().Matches(sql)
                .SelectMany(match => CaseResult().Matches(match.Groups["body"].Value).Select(result => result.Groups["status"].Value));
            literals += compared.Concat(assigned).Count();
            problems.AddRange(compared.Concat(assigned)
                .Where(status => !Stored.Contains(status))
                .Select(status => $"{name}: '{status}' is not a stored status"));
        }

        Assert.Empty(problems);
        Assert.True(literals > 10, $"Only {literals} status literals found: the patterns no longer match the SQL.");
    }

    [Fact]
    public void DurableMapping_CoversEveryStatus_BothWays()
    {
        foreach (string status in Stored)
        {
            OrchestrationStatus durable = DurableStatuses.ToDurable(status);
            Assert.True(DurableStatuses.Stored(durable).Contains(status), $"'{status}' reads as {durable}, which does not query back to it.");
        }

        Assert.Equal(OrchestrationStatus.Pending, DurableStatuses.ToDurable(TaskStatuses.Scheduled));
    }

    [Fact]
    public void Dashboard_KeepsNoStatusListOfItsOwn()
    {
        string script = File.ReadAllText(Repository.PathTo("src", "Server", "Dashboard", "dashboard.js"));
        Assert.DoesNotMatch(@"\[\s*""(" + string.Join('|', TaskStatuses.All) + @")""\s*,", script);
        Assert.Contains("/api/statuses", script);
    }

    [GeneratedRegex(@"(?<![@\w])status\s+(NOT\s+)?IN\s*\(", RegexOptions.IgnoreCase)]
    private static partial Regex StatusList();

    // The stored column compared or set: status = 'x', i.status <> 'x', SET status = 'x' (not @status, the shown status).
    [GeneratedRegex(@"(?<![@\w])status\s*(=|<>|!=)\s*'(?<status>[a-z_]+)'")]
    private static partial Regex StatusLiteral();

    // SET status = CASE … END: the statuses it may set.
    [GeneratedRegex(@"(?<![@\w])status\s*=\s*CASE\b(?<body>[^;]*?)\bEND\b")]
    private static partial Regex StatusCase();

    [GeneratedRegex(@"\b(THEN|ELSE)\s+'(?<status>[a-z_]+)'")]
    private static partial Regex CaseResult();
}
