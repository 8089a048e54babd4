using System.Security.Cryptography;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;

namespace TaskFlow.Security;

/// <summary>API keys in PostgreSQL. A key reads <c>tfk_{prefix}_{secret}</c>: the prefix (12 characters, not secret)
/// finds the row, and the SHA-256 of the whole key is compared with the stored one in constant time. The secret is
/// returned once, at creation, and never stored or logged.</summary>
internal sealed class ApiKeyStore
{
    internal const string Scheme = "tfk";
    private readonly NpgsqlDataSource dataSource;
    private readonly SqlClock clock;

    internal ApiKeyStore(NpgsqlDataSource dataSource, SqlClock clock)
    {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /// <summary>Creates a key; the returned secret is the only copy.</summary>
    public async Task<CreatedApiKey> CreateAsync(
        string name, IReadOnlyList<string> roles, int? requestsPerMinute, DateTimeOffset? expiresAt, string actor, CancellationToken cancellationToken = default)
    {
        string prefix = Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        string secret = $"{Scheme}_{prefix}_{Base64Url(RandomNumberGenerator.GetBytes(32))}";
        string id = $"key_{prefix}";
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Security/Sql/CreateApiKey.sql"));
        command.Parameters.Add(this.clock.Now());
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("prefix", prefix);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("secret_hash", Hash(secret));
        command.Parameters.AddWithValue("roles", roles.Distinct().ToArray());
        command.Parameters.Add(new NpgsqlParameter("requests_per_minute", NpgsqlDbType.Integer) { Value = requestsPerMinute ?? (object)DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("expires_at", NpgsqlDbType.TimestampTz) { Value = expiresAt ?? (object)DBNull.Value });
        command.Parameters.AddWithValue("actor", actor);
        var createdAt = (DateTime)(await command.Positional().ExecuteScalarAsync(cancellationToken))!;
        var key = new ApiKey(id, name, roles.Distinct().ToList(), requestsPerMinute, expiresAt, new DateTimeOffset(createdAt, TimeSpan.Zero), actor, null, null);
        return new CreatedApiKey(key, secret);
    }

    /// <summary>The key a request presents, when it is one of ours and its secret matches; whether it is still usable
    /// (not revoked or expired) is the caller's to check, so that it can say which.</summary>
    public async Task<ApiKey?> FindAsync(string presented, CancellationToken cancellationToken = default)
    {
        string[] parts = presented.Split('_', 3); // the secret's base64url may hold '_' too
        if (parts is not [Scheme, { Length: 12 } prefix, { Length: > 0 }])
        {
            return null;
        }

        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Security/Sql/FindApiKey.sql"));
        command.Parameters.AddWithValue("prefix", prefix);
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        byte[] stored = reader.GetFieldValue<byte[]>(2);
        return CryptographicOperations.FixedTimeEquals(stored, Hash(presented)) ? Read(reader, prefixedId: $"key_{prefix}") : null;
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Security/Sql/ListApiKeys.sql"));
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(Read(reader, prefixedId: reader.GetString(0)));
        }

        return keys;
    }

    /// <returns>False when there is no such key or it was revoked already.</returns>
    public Task<bool> RevokeAsync(string id, string actor, CancellationToken cancellationToken = default) =>
        this.ChangeAsync("Security/Sql/RevokeApiKey.sql", id, actor, cancellationToken);

    /// <returns>False when there is no such key or it has not been revoked (revoke it first).</returns>
    public Task<bool> DeleteAsync(string id, string actor, CancellationToken cancellationToken = default) =>
        this.ChangeAsync("Security/Sql/DeleteApiKey.sql", id, actor, cancellationToken);

    public async Task<IReadOnlyList<ApiKeyEvent>> EventsAsync(string id, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Security/Sql/ApiKeyEvents.sql"));
        command.Parameters.AddWithValue("id", id);
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        var events = new List<ApiKeyEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new ApiKeyEvent(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return events;
    }

    private async Task<bool> ChangeAsync(string sqlPath, string id, string actor, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get(sqlPath));
        command.Parameters.Add(this.clock.Now());
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("actor", actor);
        return await command.Positional().ExecuteScalarAsync(cancellationToken) is string;
    }

    private static ApiKey Read(NpgsqlDataReader reader, string prefixedId) => new(
        prefixedId,
        reader.GetString(1),
        reader.GetFieldValue<string[]>(3),
        reader.IsDBNull(4) ? null : reader.GetInt32(4),
        reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.GetString(7),
        reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
        reader.IsDBNull(9) ? null : reader.GetString(9));

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
