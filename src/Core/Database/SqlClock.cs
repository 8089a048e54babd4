using Npgsql;
using NpgsqlTypes;

namespace TaskFlow.Database;

/// <summary>Supplies the <c>@now</c> parameter every time-dependent statement takes.</summary>
/// <remarks>With <see cref="TimeProvider.System"/> it passes NULL, so the SQL's <c>coalesce(@now, now())</c>
/// makes PostgreSQL's clock the only clock for leases and timers. A test's fake clock is passed as is.</remarks>
internal sealed class SqlClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;

    public NpgsqlParameter Now() => new("now", NpgsqlDbType.TimestampTz)
    {
        Value = ReferenceEquals(this.Time, TimeProvider.System) ? DBNull.Value : this.Time.GetUtcNow(),
    };
}
