namespace TaskFlow.Testing;

/// <summary>Paths in the checkout the tests run from.</summary>
public static class Repository
{
    /// <summary>The folder holding TaskFlow.Functions.sln, found above the test output.</summary>
    public static string Root { get; } = FindRoot();

    public static string PathTo(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The checked-in files under <paramref name="folder"/> (relative to the root) matching <paramref name="pattern"/>,
    /// without build output (bin/, obj/).</summary>
    public static IEnumerable<string> SourceFiles(string folder, string pattern) =>
        Directory.EnumerateFiles(PathTo(folder), pattern, SearchOption.AllDirectories)
            .Where(path => !Path.GetRelativePath(Root, path).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));

    private static string FindRoot()
    {
        DirectoryInfo? folder = new(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "TaskFlow.Functions.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("TaskFlow.Functions.sln not found above the test output.");
    }
}
