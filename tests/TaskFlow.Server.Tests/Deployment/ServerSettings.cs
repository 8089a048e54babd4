using System.Collections;
using System.Reflection;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Deployment;

/// <summary>Whether a configuration key is one the server reads: a property of one of its options classes (found by their
/// <c>Section</c> constant), or a key its code reads by name. An environment variable with a misspelt key would be ignored
/// without a word, so the chart's are checked against these.</summary>
internal static class ServerSettings
{
    private static readonly Assembly[] Assemblies =
        [typeof(TaskFlow.Workers.WorkerOptions).Assembly, typeof(TaskFlow.Api.Security.SecurityOptions).Assembly, typeof(Program).Assembly];

    private static readonly Dictionary<string, Type> Sections = Assemblies
        .SelectMany(a => a.GetTypes())
        .Select(type => (type, field: type.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
        .Where(t => t.field is { IsLiteral: true } && t.field.FieldType == typeof(string))
        .ToDictionary(t => (string)t.field!.GetRawConstantValue()!, t => t.type, StringComparer.OrdinalIgnoreCase);

    private static readonly Lazy<string> Source = new(() => string.Join('\n', new[] { "src/Core", "src/Api", "src/Server" }
        .SelectMany(folder => Repository.SourceFiles(folder, "*.cs"))
        .Select(File.ReadAllText)));

    /// <summary>The configuration key an environment variable sets (<c>__</c> is <c>:</c>).</summary>
    public static string KeyOf(string environmentVariable) => environmentVariable.Replace("__", ":", StringComparison.Ordinal);

    public static bool IsRead(string key)
    {
        if (key.Equals("ConnectionStrings:TaskFlow", StringComparison.OrdinalIgnoreCase) || Source.Value.Contains($"\"{key}\"", StringComparison.Ordinal))
        {
            return true;
        }

        string[] parts = key.Split(':');
        for (int length = parts.Length - 1; length >= 1; length--)
        {
            if (Sections.TryGetValue(string.Join(':', parts[..length]), out Type? options))
            {
                return IsProperty(options, parts[length..]);
            }
        }

        return false;
    }

    private static bool IsProperty(Type type, string[] path)
    {
        if (path.Length == 0 || typeof(IEnumerable).IsAssignableFrom(type) && type != typeof(string))
        {
            return true; // a list or a dictionary: any index or key below it binds
        }

        if (type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is not { } property)
        {
            return false;
        }

        Type propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return path.Length == 1 || IsProperty(propertyType, path[1..]);
    }
}
