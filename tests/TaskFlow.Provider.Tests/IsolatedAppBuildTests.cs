using System.Diagnostics;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Provider.Tests;

/// <summary>An isolated Function App that references the worker-side package builds from artifacts/feed, and the
/// Functions Worker SDK's build puts TaskFlow's host-side extension where the Functions host loads extensions from.</summary>
/// <remarks>What the host then does with it (load it, pick the provider by host.json) is what <see cref="DurableExtensionTests"/>
/// shows in a WebJobs host; the Functions host itself cannot be installed here.</remarks>
public sealed class IsolatedAppBuildTests : IDisposable
{
    private readonly DirectoryInfo app = Directory.CreateTempSubdirectory("taskflow-isolated-app-");

    [Fact]
    public async Task IsolatedApp_ReferencingTheWorkerPackage_BuildsWithTaskFlowsStartupInItsExtensions()
    {
        string feed = Repository.PathTo("artifacts", "feed");
        await File.WriteAllTextAsync(Path.Combine(this.app.FullName, "app.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <AzureFunctionsVersion>v4</AzureFunctionsVersion>
                <OutputType>Exe</OutputType>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.Azure.Functions.Worker" Version="2.52.0" />
                <PackageReference Include="Microsoft.Azure.Functions.Worker.Sdk" Version="2.1.0" />
                <PackageReference Include="Microsoft.Azure.Functions.Worker.Extensions.DurableTask" Version="1.21.1" />
                <PackageReference Include="TaskFlow.Functions.Worker.Extensions.DurableTask" Version="1.0.0" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(this.app.FullName, "Program.cs"), """
            using Microsoft.Extensions.Hosting;
            new HostBuilder().ConfigureFunctionsWorkerDefaults().Build().Run();
            """);
        await File.WriteAllTextAsync(Path.Combine(this.app.FullName, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="taskflow" value="{feed}" />
              </packageSources>
            </configuration>
            """);

        // The packages keep their version from build to build: a copy an earlier build left in the NuGet cache is stale.
        foreach (string package in new[] { "taskflow.core", "taskflow.webjobs.extensions.durabletask", "taskflow.functions.worker.extensions.durabletask" })
        {
            string cached = Path.Combine(NuGetPackagesFolder(), package);
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }
        }

        (int exitCode, string output) = await RunAsync("dotnet", "build", "-c", "Release", "-nologo", "-v", "quiet");
        Assert.True(exitCode == 0, output);

        string bin = Path.Combine(this.app.FullName, "bin", "Release", "net10.0");
        using JsonDocument extensions = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(bin, "extensions.json")));
        JsonElement taskFlow = Assert.Single(
            extensions.RootElement.GetProperty("extensions").EnumerateArray(),
            e => e.GetProperty("typeName").GetString()!.StartsWith("TaskFlow.WebJobs.TaskFlowDurabilityProviderStartup, TaskFlow.WebJobs.Extensions.DurableTask,", StringComparison.Ordinal));
        Assert.Equal("./.azurefunctions/TaskFlow.WebJobs.Extensions.DurableTask.dll", taskFlow.GetProperty("hintPath").GetString());
        Assert.True(File.Exists(Path.Combine(bin, ".azurefunctions", "TaskFlow.Core.dll")));
        Assert.True(File.Exists(Path.Combine(bin, ".azurefunctions", "Npgsql.dll")));
    }

    public void Dispose() => this.app.Delete(recursive: true);

    private static string NuGetPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private async Task<(int ExitCode, string Output)> RunAsync(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { WorkingDirectory = this.app.FullName, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(patience.Token);
        return (process.ExitCode, await output + await errors);
    }
}
