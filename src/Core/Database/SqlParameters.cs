using Npgsql;
using NpgsqlTypes;

namespace TaskFlow.Database;

/// <summary>Parameters the statements share a shape for.</summary>
internal static class SqlParameters
{
    /// <summary>A typed parameter that is SQL NULL when <paramref name="value"/> is null (the type tells PostgreSQL what NULL it is).</summary>
    public static NpgsqlParameter Nullable(string name, NpgsqlDbType type, object? value) => new(name, type) { Value = value ?? DBNull.Value };
}
