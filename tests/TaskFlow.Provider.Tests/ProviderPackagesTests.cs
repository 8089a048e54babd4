using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;
using Microsoft.Azure.WebJobs.Hosting;
using TaskFlow.Testing;
using TaskFlow.WebJobs;

namespace TaskFlow.Provider.Tests;

/// <summary>The provider's packages as the build leaves them in artifacts/feed, the folder feed a Function App restores
/// from: what the Functions host and the isolated worker's build read from them.</summary>
public sealed class ProviderPackagesTests
{
    private const string HostPackage = "TaskFlow.WebJobs.Extensions.DurableTask";
    private const string WorkerPackage = "TaskFlow.Functions.Worker.Extensions.DurableTask";

    [Fact]
    public void HostPackage_HasNet8AndNet10Builds_AndDependsOnTheDurableExtensionAndTaskFlowCore()
    {
        using ZipArchive package = Open(HostPackage);

        // The Functions host runs on .NET 8 and loads the extension into its own process.
        Assert.Contains($"lib/net8.0/{HostPackage}.dll", Entries(package));
        Assert.Contains($"lib/net10.0/{HostPackage}.dll", Entries(package));
        string[] dependencies = Dependencies(package);
        Assert.Contains("TaskFlow.Core", dependencies);
        Assert.Contains("Microsoft.Azure.WebJobs.Extensions.DurableTask", dependencies);

        using ZipArchive core = Open("TaskFlow.Core");
        Assert.Contains("lib/net8.0/TaskFlow.Core.dll", Entries(core));
    }

    [Fact]
    public void HostAssembly_NamesItsStartup_WhichTheFunctionsHostRunsToRegisterTheProvider()
    {
        WebJobsStartupAttribute startup = Assert.Single(typeof(TaskFlowDurabilityProviderStartup).Assembly.GetCustomAttributes<WebJobsStartupAttribute>());
        Assert.Equal(typeof(TaskFlowDurabilityProviderStartup), startup.WebJobsStartupType);
    }

    [Fact]
    public void WorkerPackage_PointsTheIsolatedBuildAtTheHostPackageOfTheSameVersion()
    {
        using ZipArchive package = Open(WorkerPackage);
        Assert.Contains($"lib/netstandard2.0/{WorkerPackage}.dll", Entries(package));

        ExtensionInformationAttribute extension = Assert.Single(Assembly.Load(WorkerPackage).GetCustomAttributes<ExtensionInformationAttribute>());
        Assert.Equal(HostPackage, extension.ExtensionPackage);
        Assert.Equal(Version(package), extension.ExtensionVersion);
        Assert.True(extension.EnableImplicitRegistration);
    }

    private static ZipArchive Open(string id)
    {
        string feed = Repository.PathTo("artifacts", "feed");
        string path = Path.Combine(feed, $"{id}.1.0.0.nupkg");
        return File.Exists(path) ? ZipFile.OpenRead(path) : throw new FileNotFoundException($"The build packs {id} into {feed}; it is not there.", path);
    }

    private static string[] Entries(ZipArchive package) => package.Entries.Select(entry => entry.FullName).ToArray();

    private static XDocument Nuspec(ZipArchive package)
    {
        using Stream stream = package.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }

    private static string[] Dependencies(ZipArchive package) =>
        Nuspec(package).Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).Distinct().ToArray();

    private static string Version(ZipArchive package) => Nuspec(package).Descendants().Single(e => e.Name.LocalName == "version").Value;
}
