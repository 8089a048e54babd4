using System.Reflection;
using System.Text.RegularExpressions;
using TaskFlow.Logging;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Logging;

/// <summary>Log event ids come from one catalogue (<see cref="EventIds"/>): each id once, each used by one message.</summary>
public sealed partial class EventIdsTests
{
    private static readonly FieldInfo[] Catalogue = typeof(EventIds).GetFields(BindingFlags.Public | BindingFlags.Static);

    [Fact]
    public void EveryId_IsDistinct()
    {
        IEnumerable<string> shared = Catalogue.GroupBy(field => (int)field.GetRawConstantValue()!)
            .Where(group => group.Count() > 1)
            .Select(group => $"{group.Key}: {string.Join(", ", group.Select(f => f.Name))}");
        Assert.Empty(shared);
    }

    [Fact]
    public void EveryLogMessage_TakesItsIdFromTheCatalogue_AndEveryIdIsUsedOnce()
    {
        string[] sources = Repository.SourceFiles("src", "*.cs")
            .Select(File.ReadAllText)
            .ToArray();

        Assert.Empty(sources.SelectMany(source => LiteralId().Matches(source)).Select(match => match.Value));
        var uses = sources.SelectMany(source => CatalogueId().Matches(source)).GroupBy(match => match.Groups["name"].Value).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Catalogue.Select(field => $"{field.Name}: 1").Order(), Catalogue.Select(field => $"{field.Name}: {uses.GetValueOrDefault(field.Name)}").Order());
    }

    [GeneratedRegex(@"\[LoggerMessage\([^)]*EventId\s*=\s*\d+")]
    private static partial Regex LiteralId();

    [GeneratedRegex(@"\[LoggerMessage\(EventId = EventIds\.(?<name>\w+)")]
    private static partial Regex CatalogueId();
}
