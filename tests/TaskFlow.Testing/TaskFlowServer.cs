using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using System.Net.Http.Headers;
using TaskFlow.Security;
using TaskFlow.Server.Hosting;

namespace TaskFlow.Testing;

/// <summary>TaskFlow in this process on a real Kestrel at 127.0.0.1 (a free port), against a test database.</summary>
public sealed class TaskFlowServer : IAsyncDisposable
{
    /// <summary>Short leases and intervals, so tests see rescues and retries in seconds.</summary>
    public static readonly string[] FastWorkerSettings =
    [
        "--TaskFlow:Lease:Duration=00:00:05",
        "--TaskFlow:Lease:RenewInterval=00:00:01",
        "--TaskFlow:Lease:RescueInterval=00:00:01",
        "--TaskFlow:Worker:HeartbeatInterval=00:00:01",
        "--TaskFlow:Worker:PollInterval=00:00:01",
        "--TaskFlow:Worker:ShutdownGracePeriod=00:00:02",
    ];

    private TaskFlowServer(IHost host, Uri address)
    {
        this.Host = host;
        this.Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public IHost Host { get; }

    public HttpClient Client { get; }

    public static Task<TaskFlowServer> StartAsync(string connectionString, string role = "all", TimeProvider? time = null, params string[] settings) =>
        StartAsync(connectionString, _ => { }, role, time, settings);

    /// <param name="configureServices">Registers what a test adds, e.g. its own orchestrators.</param>
    public static async Task<TaskFlowServer> StartAsync(
        string connectionString, Action<IServiceCollection> configureServices, string role = "all", TimeProvider? time = null, params string[] settings)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--role", role,
            $"--ConnectionStrings:TaskFlow={connectionString}",
            "--Logging:LogLevel:Default=Warning",
            .. FastWorkerSettings,
            .. settings,
        ];
        IHost host = TaskFlowApp.Build(args, services =>
        {
            if (time is not null)
            {
                services.AddSingleton(time);
            }

            configureServices(services);
        });
        await host.StartAsync();
        string address = host.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        var server = new TaskFlowServer(host, new Uri(address));

        // Authentication is on, as in production: the client calls as an admin whose rate no test reaches.
        CreatedApiKey admin = await host.Services.GetRequiredService<ApiKeyStore>().CreateAsync("tests", [Roles.Admin], 1_000_000, null, "tests");
        server.AdminKey = admin.Secret;
        server.AdminKeyId = admin.Key.Id;
        server.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", admin.Secret);
        return server;
    }

    /// <summary>The admin key <see cref="Client"/> sends.</summary>
    public string AdminKey { get; private set; } = string.Empty;

    /// <summary>Its id: the actor its calls are recorded as.</summary>
    public string AdminKeyId { get; private set; } = string.Empty;

    /// <summary>A client of this server that sends <paramref name="key"/> (none when null).</summary>
    public HttpClient ClientWith(string? key)
    {
        var client = new HttpClient { BaseAddress = this.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        }

        return client;
    }

    public T Service<T>()
        where T : notnull => this.Host.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        this.Client.Dispose();
        await this.Host.StopAsync();
        this.Host.Dispose();
    }
}
