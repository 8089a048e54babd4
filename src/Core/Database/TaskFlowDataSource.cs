using System.Data.Common;
using System.Diagnostics;
using Npgsql;

namespace TaskFlow.Database;

/// <summary>The connection pool every TaskFlow component shares, with the settings TaskFlow relies on.</summary>
internal static class TaskFlowDataSource
{
    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "taskflow";

        // Prepare repeated statements on each connection, so leases, completions and episodes skip parsing and
        // planning (before and after in docs/benchmarks.md). Queries with optional filters keep custom plans
        // (OptionalFilterQuery). A connection string that names the setting wins: Max Auto Prepare=0 behind a
        // pooler that cannot keep prepared statements.
        if (!NamesSetting(connectionString, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        }

        // A pooled connection goes back as it came: TaskFlow keeps no session state on one (its settings are
        // transaction-local, its advisory locks transaction-scoped, LISTEN only on the listener's own connection, which
        // the pool never gets back while it works). Npgsql's reset would otherwise run six statements (DISCARD
        // SEQUENCES, RESET ALL, pg_advisory_unlock_all() among them) at every checkout, each planned anew: 0.12 ms of
        // the database's time per orchestration episode in pg_stat_statements. A connection string that names the
        // setting wins.
        if (!NamesSetting(connectionString, "No Reset On Close", "NoResetOnClose"))
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }

        // A connection a process stopped needing is kept for an hour, not Npgsql's five minutes. Every idle lifetime,
        // Npgsql closes as many connections as its samples found idle at the median, and under a steady load with
        // short slowdowns (autovacuum, a checkpoint) the next slowdown opens them again, cold: a new backend, its caches
        // empty, every statement prepared anew. In the soak that made every fifth minute's p99 two to three times the
        // others' (docs/benchmarks.md). A connection string that names the setting wins.
        if (!NamesSetting(connectionString, "Connection Idle Lifetime", "ConnectionIdleLifetime"))
        {
            builder.ConnectionStringBuilder.ConnectionIdleLifetime = 3600;
        }

        // Every transaction here is short; one left open by a bug must not hold locks and bloat the queue.
        builder.ConnectionStringBuilder.Options = string.Join(' ',
            builder.ConnectionStringBuilder.Options, "-c idle_in_transaction_session_timeout=60000").Trim();

        // PostgreSQL compiles a plan to machine code once its estimated cost passes jit_above_cost, which costs hundreds
        // of milliseconds of a core at every call. Every TaskFlow statement runs in milliseconds without it, but some
        // estimates reach the line (listing pending tasks during a backlog is estimated just under it), and a statement
        // planned with a scan type turned off that still had to scan that way carried the "disabled" cost past every
        // threshold: 1.0-1.2 s of compiling a call (docs/benchmarks.md, "Where the soak's CPU goes"). So JIT is off on
        // TaskFlow's connections. A connection string whose Options name a JIT setting wins.
        if (!(builder.ConnectionStringBuilder.Options ?? string.Empty).Contains("jit", StringComparison.OrdinalIgnoreCase))
        {
            builder.ConnectionStringBuilder.Options += " -c jit=off";
        }

        // Npgsql's metrics label the pool with this name, not with the connection string.
        builder.Name ??= "taskflow";

#if NET10_0_OR_GREATER
        // Spans only for commands that run inside a span (a submit, an episode, an activity): the leasing, heartbeat
        // and snapshot loops would each start a trace of their own, thousands a minute, none about a task. (Npgsql 8,
        // which the provider's .NET 8 build uses, has no such filter; the Functions host exports no Npgsql spans.)
        builder.ConfigureTracing(tracing => tracing
            .ConfigureCommandFilter(_ => Activity.Current is not null)
            .ConfigureBatchFilter(_ => Activity.Current is not null)
            .EnableFirstResponseEvent(false));
#endif
        return builder.Build();
    }

    private static bool NamesSetting(string connectionString, params string[] names)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return names.Any(given.ContainsKey);
    }
}
