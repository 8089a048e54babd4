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
    public static string New(DateTimeOffset now)
    {
        // Guid.CreateVersion7's layout (RFC 9562) by hand, as .NET 8 (the Functions host's runtime, which loads this
        // with the Durable storage provider) has no such method: 48 bits of Unix milliseconds, the version, random
        // bits, the variant. One implementation on both runtimes, so the one tested is the one shipped.
        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        long milliseconds = now.ToUnixTimeMilliseconds();
        for (int i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(milliseconds >> (8 * (5 - i)));
        }

        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true).ToString();
    }

    /// <summary><paramref name="id"/> if valid; else an exception that names the rule.</summary>
    public static string Check(string id, string parameterName) => IsValid(id)
        ? id
        : throw new ArgumentException($"'{id}' is not a valid instance id: use {Rule}.", parameterName);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
