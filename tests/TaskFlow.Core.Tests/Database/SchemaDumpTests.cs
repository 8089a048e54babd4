using System.Diagnostics;
using Npgsql;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Database;

/// <summary>src/Core/Database/schema.sql is the schema the migrations build, dumped by pg_dump, so a schema change shows
/// in review as a diff of that file. Stale, this test fails; <c>scripts/schema.sh</c> (or TASKFLOW_UPDATE_SCHEMA=1) rewrites it.</summary>
public sealed class SchemaDumpTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const string Header = """
        -- The taskflow schema as src/Core/Database/Migrations builds it, dumped by pg_dump (generated: do not edit).
        -- A test fails when it is stale; scripts/schema.sh rewrites it.

        """;

    private static readonly string CheckedIn = Repository.PathTo("src", "Core", "Database", "schema.sql");

    [Fact]
    public async Task SchemaSql_IsTheDumpOfAFreshlyMigratedDatabase()
    {
        string dump = Header + Normalize(await PgDumpAsync(database.ConnectionString));
        if (Environment.GetEnvironmentVariable("TASKFLOW_UPDATE_SCHEMA") == "1")
        {
            await File.WriteAllTextAsync(CheckedIn, dump);
        }

        string checkedIn = File.Exists(CheckedIn) ? (await File.ReadAllTextAsync(CheckedIn)).ReplaceLineEndings("\n") : string.Empty;
        Assert.True(
            checkedIn == dump,
            $"src/Core/Database/schema.sql is not the schema the migrations build. Run scripts/schema.sh and commit the file. " +
            $"First difference at line {FirstDifferentLine(checkedIn, dump)}.");
    }

    // The version lines name the client and server builds, and \restrict carries a random key per dump: neither is the schema.
    private static string Normalize(string dump) => string.Join('\n', dump.ReplaceLineEndings("\n").Split('\n')
        .Where(line => !line.StartsWith("-- Dumped from database version", StringComparison.Ordinal)
                       && !line.StartsWith("-- Dumped by pg_dump version", StringComparison.Ordinal)
                       && !line.StartsWith("\\restrict", StringComparison.Ordinal)
                       && !line.StartsWith("\\unrestrict", StringComparison.Ordinal)));

    private static int FirstDifferentLine(string left, string right)
    {
        string[] a = left.Split('\n'), b = right.Split('\n');
        int line = 0;
        while (line < a.Length && line < b.Length && a[line] == b[line])
        {
            line++;
        }

        return line + 1;
    }

    private static async Task<string> PgDumpAsync(string connectionString)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(PgDump())
        {
            ArgumentList =
            {
                "--schema-only", "--schema=taskflow", "--no-owner", "--no-privileges", "--no-tablespaces",
                "--host", target.Host!, "--port", target.Port.ToString(), "--username", target.Username!, "--dbname", target.Database!,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (target.Password is { Length: > 0 } password)
        {
            start.Environment["PGPASSWORD"] = password;
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pg_dump failed: {error}");
        return await output;
    }

    // The newest PostgreSQL's pg_dump (Debian keeps it under /usr/lib/postgresql/N/bin, where test.sh finds initdb), else PATH's.
    private static string PgDump()
    {
        string? onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, "pg_dump"))
            .FirstOrDefault(File.Exists);
        string? installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(folder => Path.Combine(folder, "bin", "pg_dump"))
                .Where(File.Exists)
                .OrderByDescending(path => int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(path))), out int version) ? version : 0)
                .FirstOrDefault()
            : null;
        return installed ?? onPath ?? throw new InvalidOperationException("pg_dump not found on PATH or under /usr/lib/postgresql/*/bin; install PostgreSQL's client.");
    }
}
