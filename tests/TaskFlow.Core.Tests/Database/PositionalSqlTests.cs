using TaskFlow.Database;

namespace TaskFlow.Core.Tests.Database;

/// <summary>A statement's <c>@names</c> become <c>$n</c> once, and only where PostgreSQL would read them as code.</summary>
public sealed class PositionalSqlTests
{
    [Fact]
    public void Names_BecomeNumbers_InOrderOfFirstUse_AndARepeatedNameKeepsItsNumber()
    {
        PositionalSql sql = PositionalSql.Rewrite("SELECT coalesce(@now, now()), @id, @now + @lease_duration, @ID");

        Assert.Equal("SELECT coalesce($1, now()), $2, $1 + $3, $2", sql.Text);
        Assert.Equal(["now", "id", "lease_duration"], sql.Names);
    }

    [Theory]
    [InlineData("SELECT 1 -- for @worker_id\nWHERE x = @a", "SELECT 1 -- for @worker_id\nWHERE x = $1")]
    [InlineData("SELECT /* @b /* nested @c */ still @d */ @a", "SELECT /* @b /* nested @c */ still @d */ $1")]
    [InlineData("SELECT '@b', 'it''s @c', @a", "SELECT '@b', 'it''s @c', $1")]
    [InlineData("SELECT E'\\' @b', @a", "SELECT E'\\' @b', $1")]
    [InlineData("SELECT \"@b\" FROM t WHERE c = @a", "SELECT \"@b\" FROM t WHERE c = $1")]
    [InlineData("SELECT $$ @b $$, $body$ @c $body$, @a", "SELECT $$ @b $$, $body$ @c $body$, $1")]
    [InlineData("SELECT tags @> @a::jsonb, x@@y", "SELECT tags @> $1::jsonb, x@@y")]
    [InlineData("SELECT @a::text[], @a;", "SELECT $1::text[], $1;")]
    public void OnlyCodeIsRewritten_NotCommentsStringsIdentifiersOrOperators(string named, string positional)
    {
        Assert.Equal(positional, PositionalSql.Rewrite(named).Text);
        Assert.Equal(["a"], PositionalSql.Rewrite(named).Names);
    }

    [Fact]
    public void ATextWithParametersAndTwoStatements_IsRefused_AndOneWithoutParametersIsKept()
    {
        var refused = Assert.Throws<ArgumentException>(() => PositionalSql.Rewrite("UPDATE t SET a = @a; DELETE FROM t"));
        Assert.Contains("one statement", refused.Message, StringComparison.Ordinal);
        Assert.Equal("CREATE TABLE t (a text); -- '@a'\nDROP TABLE t;", PositionalSql.Rewrite("CREATE TABLE t (a text); -- '@a'\nDROP TABLE t;").Text);
    }

    [Fact]
    public void EveryStatementFileWithParameters_IsOneStatement()
    {
        // Migrations run as they are, several statements each, with no parameters; every other file may run positional.
        string[] files = [.. typeof(SqlText).Assembly.GetManifestResourceNames()
            .Select(name => name.Replace('\\', '/'))
            .Where(path => path.EndsWith(".sql", StringComparison.Ordinal))
            .Where(path => !path.StartsWith("Database/Migrations/", StringComparison.Ordinal) && path != "Database/schema.sql")];

        Assert.True(files.Length > 50, $"Only {files.Length} statement files were found.");
        Assert.All(files, path => PositionalSql.Rewrite(SqlText.Get(path)));
    }
}
