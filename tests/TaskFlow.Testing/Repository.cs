namespace TaskFlow.Testing;

/// <summary>Paths in the checkout the tests run from.</summary>
public static class Repository
{
    /// <summary>The folder holding TaskFlow.Functions.sln, found above the test output.</summary>
    public static string Root { get; } = FindRoot();

    public static string PathTo(params string[] parts) => Path.Combine([Root, .. parts]);

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
