using System.Text.RegularExpressions;

namespace TaskFlow.Instances;

/// <summary>What an instance id may be: 1 to 100 characters, letters, digits and <c>- _ . : @</c>, starting with a
/// letter or digit (<c>order-42</c>, <c>invoice:2026-11:7</c>). Generated ids are a UUID's text. Every writer
/// checks the rule before it writes; the database checks only the length (migration 0011 says why).</summary>
public static partial class InstanceIds
{
    /// <summary>The rule, for error messages.</summary>
    public const string Rule = "1 to 100 characters: letters, digits and - _ . : @, starting with a letter or digit (e.g. 'order-42')";

    /// <summary>Whether <paramref name="id"/> is a valid instance id.</summary>
    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    /// <summary>A new id: a version 7 UUID's text, so ids sort roughly by creation time.</summary>
    public static string New(DateTimeOffset now) => Guid.CreateVersion7(now).ToString();

    /// <summary><paramref name="id"/> if valid; else an exception that names the rule.</summary>
    public static string Check(string id, string parameterName) => IsValid(id)
        ? id
        : throw new ArgumentException($"'{id}' is not a valid instance id: use {Rule}.", parameterName);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
