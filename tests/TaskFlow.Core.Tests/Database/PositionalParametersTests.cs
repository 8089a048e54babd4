using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Database;

/// <summary>Parameters added by name, in any order, reach PostgreSQL as the numbers their names became.</summary>
public sealed class PositionalParametersTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const string Sql = "-- says @c first, in a comment\nSELECT @b::text || '@a' || @a::text || @b::text";

    [Fact]
    public async Task ACommand_GetsItsParametersInTheTextsOrder_AndRunsAsSent()
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(Sql);
        command.Parameters.AddWithValue("a", "1");
        command.Parameters.AddWithValue("b", "2");
        command.Parameters.AddWithValue("unused", "3");

        Assert.Equal("2@a12", await command.Positional().ExecuteScalarAsync());
        Assert.Equal("-- says @c first, in a comment\nSELECT $1::text || '@a' || $2::text || $1::text", command.CommandText);
        Assert.Equal(["2", "1"], command.Parameters.Select(p => (string)p.Value!));
        Assert.All(command.Parameters, p => Assert.Equal(string.Empty, p.ParameterName));
    }

    [Fact]
    public async Task ACommandRunAgain_AsARetryDoes_RunsTheSame()
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(Sql);
        command.Parameters.AddWithValue("b", "2");
        command.Parameters.AddWithValue("a", "1");

        Assert.Equal("2@a12", await command.Positional().ExecuteScalarAsync());
        Assert.Equal("2@a12", await command.Positional().ExecuteScalarAsync());
    }

    [Fact]
    public async Task ABatch_BindsEachCommandOnItsOwn()
    {
        await using NpgsqlBatch batch = database.DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(Sql) { Parameters = { new("b", "x"), new("a", "y") } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT @n::int * 2") { Parameters = { new("n", NpgsqlDbType.Integer) { Value = 21 } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT 'no parameters'"));

        await using NpgsqlDataReader reader = await batch.Positional().ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("x@ayx", reader.GetString(0));
        Assert.True(await reader.NextResultAsync() && await reader.ReadAsync());
        Assert.Equal(42, reader.GetInt32(0));
        Assert.True(await reader.NextResultAsync() && await reader.ReadAsync());
        Assert.Equal("no parameters", reader.GetString(0));
    }

    [Fact]
    public async Task AParameterTheTextNamesButTheCommandLacks_IsNamedInTheError()
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(Sql);
        command.Parameters.AddWithValue("a", "1");

        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => command.Positional().ExecuteScalarAsync());
        Assert.Contains("@b", missing.Message, StringComparison.Ordinal);
    }
}
