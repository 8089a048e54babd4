using Microsoft.Extensions.Configuration;
using Npgsql;

namespace TaskFlow.Database;

/// <summary>Where every TaskFlow host reads its PostgreSQL connection string: once, at start-up, checked, with one
/// message saying what to set (the server, the Function App and the Durable provider all come through here).</summary>
internal static class ConnectionSettings
{
    /// <summary>The name TaskFlow looks for unless told another (host.json's <c>storageProvider.connectionStringName</c>).</summary>
    public const string DefaultName = "TaskFlow";

    /// <summary>Reads <c>ConnectionStrings:{name}</c>, else the app setting <c>{name}</c> (Azure Functions' Values), and
    /// checks that it is a PostgreSQL connection string naming a host.</summary>
    public static string Read(IConfiguration configuration, string name = DefaultName)
    {
        string connectionString = configuration.GetConnectionString(name) is { Length: > 0 } named
            ? named
            : configuration[name] is { Length: > 0 } setting
                ? setting
                : throw new InvalidOperationException($"No PostgreSQL connection string: set {WhereToSet(name)}, e.g. \"{Example}\".");
        try
        {
            if (string.IsNullOrWhiteSpace(new NpgsqlConnectionStringBuilder(connectionString).Host))
            {
                throw new ArgumentException("it names no Host.");
            }
        }
        catch (ArgumentException invalid)
        {
            // The message names the part that is wrong; the string itself may hold a password, so it is not repeated.
            throw new InvalidOperationException(
                $"The PostgreSQL connection string in {WhereToSet(name)} is not valid: {invalid.Message} It looks like \"{Example}\".", invalid);
        }

        return connectionString;
    }

    /// <summary>The settings a connection string is read from, as an operator sets them.</summary>
    public static string WhereToSet(string name = DefaultName) =>
        $"ConnectionStrings:{name} (environment variable ConnectionStrings__{name}) or, in a Function App, the app setting '{name}'";

    private const string Example = "Host=127.0.0.1;Port=5432;Database=taskflow;Username=postgres";
}
