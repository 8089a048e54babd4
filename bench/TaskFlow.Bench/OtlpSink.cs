using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Bench;

/// <summary>Where the benchmarked processes export their spans (OTLP over HTTP): it reads each export to the end and
/// answers 200, as a collector would, and counts what it got. The spans' cost is paid in full by the processes.</summary>
internal sealed class OtlpSink : IAsyncDisposable
{
    private readonly WebApplication app;
    private long exports;
    private long bytes;

    private OtlpSink(WebApplication app) => this.app = app;

    /// <summary>The URL to export traces to (the exporter posts to it as given).</summary>
    public string TracesEndpoint { get; private set; } = string.Empty;

    public long Exports => Interlocked.Read(ref this.exports);

    public long Bytes => Interlocked.Read(ref this.bytes);

    public static async Task<OtlpSink> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var sink = new OtlpSink(builder.Build());
        sink.app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            byte[] buffer = new byte[81920];
            long read = 0;
            for (int n; (n = await request.Body.ReadAsync(buffer)) > 0;)
            {
                read += n;
            }

            Interlocked.Increment(ref sink.exports);
            Interlocked.Add(ref sink.bytes, read);
            return Results.Ok();
        });
        await sink.app.StartAsync();
        string address = sink.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        sink.TracesEndpoint = $"{address}/v1/traces";
        return sink;
    }

    public ValueTask DisposeAsync() => this.app.DisposeAsync();
}
