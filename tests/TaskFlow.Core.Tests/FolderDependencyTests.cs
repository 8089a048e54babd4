using System.Text.RegularExpressions;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests;

/// <summary>src/Core's capability folders (one namespace each) depend on each other in one direction only, so each can
/// be read, changed and tested from the bottom up. Read from the source: a <c>using TaskFlow.X;</c> or a name qualified
/// with <c>X.</c> is a dependency on folder X; a type declared at the root (service registration) counts as a folder.</summary>
public sealed partial class FolderDependencyTests
{
    private const string Root = "(root)";

    [Fact]
    public void CoreFolders_DependOnEachOtherWithoutCycles()
    {
        Dictionary<string, HashSet<string>> dependencies = Dependencies();
        Assert.True(dependencies.Values.Sum(d => d.Count) > 20, "Too few dependencies found: the patterns no longer match the source.");

        var state = new Dictionary<string, bool>(); // false: on the current path; true: done
        var path = new Stack<string>();
        foreach (string folder in dependencies.Keys.Order())
        {
            if (FindCycle(folder) is { } cycle)
            {
                Assert.Fail($"src/Core has a folder cycle: {cycle}. Move the shared piece below both, or turn the dependency around.");
            }
        }

        string? FindCycle(string folder)
        {
            if (state.TryGetValue(folder, out bool done))
            {
                return done ? null : string.Join(" → ", path.Reverse().SkipWhile(f => f != folder).Append(folder));
            }

            state[folder] = false;
            path.Push(folder);
            foreach (string next in dependencies.GetValueOrDefault(folder, []).Order())
            {
                if (FindCycle(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.Pop();
            state[folder] = true;
            return null;
        }
    }

    private static Dictionary<string, HashSet<string>> Dependencies()
    {
        string core = Repository.PathTo("src", "Core");
        List<(string Folder, string Text)> files = Repository.SourceFiles(Path.Combine("src", "Core"), "*.cs")
            .Select(path => (FolderOf(Path.GetRelativePath(core, path)), File.ReadAllText(path)))
            .ToList();
        string[] folders = files.Select(f => f.Folder).Where(f => f != Root).Distinct().ToArray();
        string[] rootTypes = files.Where(f => f.Folder == Root)
            .SelectMany(f => TypeDeclaration().Matches(f.Text).Select(m => m.Groups["name"].Value)).ToArray();

        var dependencies = new Dictionary<string, HashSet<string>>();
        foreach ((string folder, string text) in files)
        {
            HashSet<string> used = dependencies.TryGetValue(folder, out HashSet<string>? set) ? set : dependencies[folder] = [];
            used.UnionWith(folders.Where(other => other != folder && Regex.IsMatch(
                text, $@"^using TaskFlow\.{other}(\.\w+)*;|(?<![\w.])(TaskFlow\.)?{other}\.[A-Z]", RegexOptions.Multiline)));
            if (folder != Root && rootTypes.Any(type => Regex.IsMatch(text, $@"(?<![\w.]){type}\b")))
            {
                used.Add(Root);
            }
        }

        return dependencies;
    }

    private static string FolderOf(string relativePath) =>
        relativePath.Split(Path.DirectorySeparatorChar) is { Length: > 1 } parts ? parts[0] : Root;

    [GeneratedRegex(@"\b(class|record|struct|interface|enum)\s+(?<name>[A-Z]\w*)")]
    private static partial Regex TypeDeclaration();
}
