using System.Net;
using System.Text.Json;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Parity.Tests.Backends;

/// <summary>Microsoft.DurableTask.InProcessTestHost's sidecar (<see cref="TaskHubGrpcServer"/>: the Durable Task
/// Framework's dispatch over an <see cref="IOrchestrationService"/>) on 127.0.0.1, with the real
/// <c>Microsoft.DurableTask.Worker.Grpc</c> worker and <c>Client.Grpc</c> client connected to it, as
/// <c>DurableTaskTestHost</c> builds them (built here to choose the orchestration service and the concurrency).</summary>
public abstract class SidecarBackend : IDurableBackend
{
    private readonly WebApplication sidecar;
    private readonly GrpcChannel channel;
    private readonly IHost worker;

    protected SidecarBackend(Sidecar parts)
    {
        (this.sidecar, this.channel, this.worker) = parts;
        this.Client = this.worker.Services.GetRequiredService<DurableTaskClient>();
    }

    public abstract string Name { get; }

    public DurableTaskClient Client { get; }

    public abstract Task<IReadOnlyList<string>> HistoryKindsAsync(string instanceId);

    /// <summary>Nothing to drop: this worker runs without extended sessions and replays every episode in full.</summary>
    public Task RedeployAsync(string instanceId) => Task.CompletedTask;

    public abstract Task<string> DescribeAsync(string instanceId);

    public virtual async ValueTask DisposeAsync()
    {
        await this.worker.StopAsync();
        this.worker.Dispose();
        await this.channel.ShutdownAsync();
        this.channel.Dispose();
        await this.sidecar.StopAsync();
        await this.sidecar.DisposeAsync();
    }

    /// <param name="json">The data converter's options: the same as TaskFlow's, so outputs compare as equal text.</param>
    protected static async Task<Sidecar> StartSidecarAsync(
        IOrchestrationService service, IOrchestrationServiceClient client, Action<DurableTaskRegistry> tasks, JsonSerializerOptions json)
    {
        WebApplicationBuilder sidecarBuilder = WebApplication.CreateSlimBuilder();
        sidecarBuilder.Logging.ClearProviders();
        sidecarBuilder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        sidecarBuilder.Services.AddGrpc();
        sidecarBuilder.Services.AddSingleton(service);
        sidecarBuilder.Services.AddSingleton(client);
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
        return new Sidecar(sidecar, channel, worker);
    }

    protected sealed record Sidecar(WebApplication Server, GrpcChannel Channel, IHost Worker);
}
