using System.Collections.Concurrent;
using System.Reflection;

namespace TaskFlow.Database;

/// <summary>Loads the embedded <c>.sql</c> files by their path in the source tree, e.g. <c>Leases/Sql/RenewLeases.sql</c>.</summary>
/// <remarks>One statement per file, so each can be pasted into psql as it is; no SQL is built from values.
/// The one exception: the lease statements are a chooser file followed by the shared <c>LeaseChosen.sql</c>.</remarks>
internal static class SqlText
{
    private static readonly Assembly CoreAssembly = typeof(SqlText).Assembly;
    private static readonly ConcurrentDictionary<string, string> Cache = new();

    public static string Get(string path) => Cache.GetOrAdd(path, Load);

    public static IEnumerable<string> Under(string folder) =>
        CoreAssembly.GetManifestResourceNames()
            .Select(name => name.Replace('\\', '/'))
            .Where(name => name.StartsWith(folder + "/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    private static string Load(string path)
    {
        string? resource = CoreAssembly.GetManifestResourceNames()
            .FirstOrDefault(name => name.Replace('\\', '/') == path);
        if (resource is null)
        {
            throw new InvalidOperationException($"No embedded SQL file '{path}'. Is it under src/Core and named *.sql?");
        }

        using Stream stream = CoreAssembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
