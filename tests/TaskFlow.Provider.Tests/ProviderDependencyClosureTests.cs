using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using TaskFlow.Testing;

namespace TaskFlow.Provider.Tests;

/// <summary>The provider's .NET 8 build loads into the .NET 8 Functions host. That host unifies Microsoft.Extensions.*,
/// System.* and Microsoft.Bcl.* to its own 8.x assemblies (its runtimeassemblies.json, policy "minorMatchOrLower") and
/// an extension cannot bring newer ones: a reference to version 10 fails with FileNotFoundException at start-up. So every
/// such reference in the packed net8.0 assemblies, and in those of the packages they depend on, is to version 8 or lower,
/// or to no higher a version than the Durable extension itself (loaded in the same host) references.</summary>
/// <remarks>Checked from the packages in artifacts/feed, as a Function App's build receives them; the real host run is
/// in the README (Functions section) and docs/architecture.md.</remarks>
public sealed class ProviderDependencyClosureTests
{
    private const int HostMajor = 8;
    private const string Net8 = "net8.0";

    [Fact]
    public void Net8Assemblies_AndTheirPackages_ReferenceOnlyWhatTheNet8FunctionsHostLoads()
    {
        const string Durable = "Microsoft.Azure.WebJobs.Extensions.DurableTask";
        IReadOnlyDictionary<string, Version> durableExtension = References(
            PackageAssembly(Durable, DependencyVersion("TaskFlow.WebJobs.Extensions.DurableTask", Durable)) ?? throw new InvalidOperationException($"{Durable} has no assembly."));
        var checkedAssemblies = new List<string>();
        var violations = new List<string>();
        foreach (string id in new[] { "TaskFlow.Core", "TaskFlow.WebJobs.Extensions.DurableTask" })
        {
            using ZipArchive package = OpenFeedPackage(id);
            ZipArchiveEntry entry = package.GetEntry($"lib/{Net8}/{id}.dll") ?? throw new InvalidOperationException($"{id} has no {Net8} build.");
            using var copy = new MemoryStream();
            using (Stream stream = entry.Open())
            {
                stream.CopyTo(copy);
            }

            Check(id, References(copy.ToArray()), durableExtension, violations);
            checkedAssemblies.Add(id);
            foreach ((string dependency, string version) in Net8Dependencies(package).Where(d => !d.Id.StartsWith("TaskFlow.", StringComparison.Ordinal)))
            {
                if (IsUnified(dependency) && new Version(version.Split('-')[0]).Major > HostMajor && !(durableExtension.TryGetValue(dependency, out Version? allowed) && allowed.Major >= new Version(version.Split('-')[0]).Major))
                {
                    violations.Add($"{id}'s {Net8} dependency group asks for {dependency} {version}");
                }

                if (PackageAssembly(dependency, version) is { } assembly)
                {
                    Check($"{dependency} {version} (a dependency of {id})", References(assembly), durableExtension, violations);
                    checkedAssemblies.Add(dependency);
                }
            }
        }

        Assert.Contains("Npgsql", checkedAssemblies);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    private static void Check(string what, IReadOnlyDictionary<string, Version> references, IReadOnlyDictionary<string, Version> durableExtension, List<string> violations)
    {
        foreach ((string name, Version version) in references.Where(r => IsUnified(r.Key) && r.Value.Major > HostMajor))
        {
            if (!(durableExtension.TryGetValue(name, out Version? allowed) && version <= allowed))
            {
                violations.Add($"{what} references {name} {version}: the .NET 8 Functions host has {HostMajor}.x" +
                    (durableExtension.TryGetValue(name, out Version? its) ? $" and the Durable extension references {its}" : string.Empty));
            }
        }
    }

    private static bool IsUnified(string assembly) =>
        assembly.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) && assembly != "Microsoft.Extensions.Azure"
        || assembly.StartsWith("System.", StringComparison.Ordinal) || assembly.StartsWith("Microsoft.Bcl.", StringComparison.Ordinal);

    private static Dictionary<string, Version> References(byte[] image)
    {
        using var reader = new PEReader(new MemoryStream(image));
        MetadataReader metadata = reader.GetMetadataReader();
        return metadata.AssemblyReferences.Select(metadata.GetAssemblyReference)
            .GroupBy(r => metadata.GetString(r.Name)).ToDictionary(g => g.Key, g => g.Max(r => r.Version)!);
    }

    private static ZipArchive OpenFeedPackage(string id)
    {
        string path = Repository.PathTo("artifacts", "feed", $"{id}.1.0.0.nupkg");
        return File.Exists(path) ? ZipFile.OpenRead(path) : throw new FileNotFoundException($"The build packs {id} into artifacts/feed; it is not there.", path);
    }

    private static IEnumerable<(string Id, string Version)> Net8Dependencies(ZipArchive package)
    {
        using Stream stream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        XElement group = XDocument.Load(stream).Descendants().Single(e => e.Name.LocalName == "group" && (string?)e.Attribute("targetFramework") == Net8);
        return group.Elements().Select(d => ((string)d.Attribute("id")!, ((string)d.Attribute("version")!).Trim('[', ']', '(', ')').Split(',')[0]));
    }

    private static string DependencyVersion(string id, string dependency) =>
        Net8Dependencies(OpenFeedPackage(id)).Single(d => d.Id == dependency).Version;

    /// <summary>The package's assembly for .NET 8 (or the .NET Standard one it falls back to) from the NuGet cache the
    /// build restored it into; null for a package without one (a metapackage).</summary>
    private static byte[]? PackageAssembly(string id, string version)
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string folder = Path.Combine(root, id.ToLowerInvariant(), version.ToLowerInvariant(), "lib");
        Assert.True(Directory.Exists(folder), $"{id} {version} is not in the NuGet cache ({folder}); the build restores it.");
        string? assembly = new[] { Net8, "net7.0", "net6.0", "netstandard2.1", "netstandard2.0" }
            .Select(framework => Path.Combine(folder, framework, $"{id}.dll"))
            .FirstOrDefault(File.Exists);
        return assembly is null ? null : File.ReadAllBytes(assembly);
    }
}
