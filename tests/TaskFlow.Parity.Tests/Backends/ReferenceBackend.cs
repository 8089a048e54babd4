using System.Net;
using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.History;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Parity.Tests.Backends;

/// <summary>The reference: Microsoft.DurableTask.InProcessTestHost's sidecar (<see cref="TaskHubGrpcServer"/>, with the
/// Durable Task Framework's own dispatcher over its in-memory store) on 127.0.0.1, and the real
/// <c>Microsoft.DurableTask.Worker.Grpc</c> worker and <c>Client.Grpc</c> client connected to it, as
/// <c>DurableTaskTestHost</c> builds them; built here to record histories and raise the sidecar's concurrency.</summary>
public sealed class ReferenceBackend : IDurableBackend
{
    private readonly WebApplication sidecar;
    private readonly GrpcChannel channel;
    private readonly IHost worker;
    private readonly RecordingOrchestrationService store;

    private ReferenceBackend(WebApplication sidecar, GrpcChannel channel, IHost worker, RecordingOrchestrationService store)
    {
        this.sidecar = sidecar;
        this.channel = channel;
        this.worker = worker;
        this.store = store;
        this.Client = worker.Services.GetRequiredService<DurableTaskClient>();
    }

    public string Name => "in-memory (Microsoft.DurableTask.InProcessTestHost)";

    public DurableTaskClient Client { get; }

    /// <param name="json">The data converter's options: the same as TaskFlow's, so outputs compare as equal text.</param>
    public static async Task<ReferenceBackend> StartAsync(Action<DurableTaskRegistry> tasks, JsonSerializerOptions json)
    {
        var memory = new InMemoryOrchestrationService();
        var store = new RecordingOrchestrationService(memory);
        WebApplicationBuilder sidecarBuilder = WebApplication.CreateSlimBuilder();
        sidecarBuilder.Logging.ClearProviders();
        sidecarBuilder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        sidecarBuilder.Services.AddGrpc();
        sidecarBuilder.Services.AddSingleton<IOrchestrationService>(store);
        sidecarBuilder.Services.AddSingleton<IOrchestrationServiceClient>(memory);
        sidecarBuilder.Services.AddSingleton<TaskHubGrpcServer>();
        WebApplication sidecar = sidecarBuilder.Build();
        sidecar.MapGrpcService<TaskHubGrpcServer>();
        await sidecar.StartAsync();

        GrpcChannel channel = GrpcChannel.ForAddress(sidecar.Urls.First());
        HostApplicationBuilder workerBuilder = Host.CreateApplicationBuilder();
        workerBuilder.Logging.ClearProviders();
        var converter = new JsonDataConverter(json);
        workerBuilder.Services.AddSingleton(TimeProvider.System); // the sleep sample takes one, as a Function App registers it
        workerBuilder.Services.AddDurableTaskWorker(builder => builder.UseGrpc(channel).AddTasks(tasks));
        workerBuilder.Services.Configure<DurableTaskWorkerOptions>(options =>
        {
            options.DataConverter = converter;
            options.Concurrency.MaximumConcurrentActivityWorkItems = 32;
        });
        workerBuilder.Services.AddDurableTaskClient(builder =>
        {
            builder.UseGrpc(channel);
            builder.RegisterDirectly();
        });
        workerBuilder.Services.Configure<DurableTaskClientOptions>(options => options.DataConverter = converter);
        IHost worker = workerBuilder.Build();
        await worker.StartAsync();
        return new ReferenceBackend(sidecar, channel, worker, store);
    }

    public Task<IReadOnlyList<string>> HistoryKindsAsync(string instanceId) => Task.FromResult<IReadOnlyList<string>>(
        this.store.History(instanceId)
            .Where(e => e.EventType is not (EventType.OrchestratorStarted or EventType.OrchestratorCompleted))
            .Select(e => e.EventType.ToString())
            .ToList());

    /// <summary>Nothing to drop: this worker runs without extended sessions and replays every episode in full.</summary>
    public Task RedeployAsync(string instanceId) => Task.CompletedTask;

    public async Task<string> DescribeAsync(string instanceId) =>
        $"status {(await this.Client.GetInstanceAsync(instanceId))?.RuntimeStatus}; history {string.Join(", ", await this.HistoryKindsAsync(instanceId))}";

    public async ValueTask DisposeAsync()
    {
        await this.worker.StopAsync();
        this.worker.Dispose();
        await this.channel.ShutdownAsync();
        this.channel.Dispose();
        await this.sidecar.StopAsync();
        await this.sidecar.DisposeAsync();
    }
}
