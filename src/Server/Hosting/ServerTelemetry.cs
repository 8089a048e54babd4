using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TaskFlow.Api.Telemetry;

namespace TaskFlow.Server.Hosting;

/// <summary>What a TaskFlow process tells its operators: metrics (on by default), spans (when asked for) and JSON logs
/// (when asked for). Every setting is documented in docs/operations.md.</summary>
internal static class ServerTelemetry
{
    /// <summary>Metrics unless <c>TaskFlow:Metrics:Enabled</c> is false. An API process serves them at <c>/metrics</c>;
    /// a worker-only process (no Kestrel) at <c>/metrics</c> on <c>TaskFlow:Metrics:Port</c> when set (bound to
    /// <c>TaskFlow:Metrics:Host</c>, localhost unless set; <c>*</c> for every interface); either pushes them over OTLP
    /// to <c>TaskFlow:Metrics:OtlpEndpoint</c> when set.</summary>
    public static void AddMetrics(IHostApplicationBuilder builder, bool servesHttp)
    {
        IConfiguration settings = builder.Configuration;
        if (!MetricsEnabled(settings))
        {
            return;
        }

        int? port = settings.GetValue<int?>("TaskFlow:Metrics:Port");
        string host = settings["TaskFlow:Metrics:Host"] is { Length: > 0 } named ? named : "localhost";
        string? otlp = settings["TaskFlow:Metrics:OtlpEndpoint"];
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("taskflow"))
            .WithMetrics(metrics =>
            {
                metrics.AddTaskFlowMeters();
                if (servesHttp)
                {
                    metrics.AddPrometheusExporter();
                }
                else if (port is { } listening)
                {
                    metrics.AddPrometheusHttpListener(listener => (listener.Host, listener.Port) = (host, listening));
                }

                if (!string.IsNullOrEmpty(otlp))
                {
                    metrics.AddOtlpExporter(exporter => exporter.Endpoint = new Uri(otlp));
                }
            });
    }

    public static bool MetricsEnabled(IConfiguration settings) => settings.GetValue("TaskFlow:Metrics:Enabled", defaultValue: true);

    /// <summary>Spans (submit, episodes, activity attempts, Npgsql's commands) when <c>TaskFlow:Tracing:Enabled</c> or an
    /// OTLP endpoint (<c>TaskFlow:Tracing:OtlpEndpoint</c>) is set; off by default, as the spans would go nowhere.</summary>
    public static void AddTracing(IHostApplicationBuilder builder)
    {
        string? otlp = builder.Configuration["TaskFlow:Tracing:OtlpEndpoint"];
        if (!builder.Configuration.GetValue<bool>("TaskFlow:Tracing:Enabled") && string.IsNullOrEmpty(otlp))
        {
            return;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("taskflow"))
            .WithTracing(tracing =>
            {
                tracing.AddTaskFlowSources();
                if (!string.IsNullOrEmpty(otlp))
                {
                    tracing.AddOtlpExporter(exporter => exporter.Endpoint = new Uri(otlp));
                }
            });
    }

    /// <summary><c>TaskFlow:Logging:Json</c>: one JSON object per line, with the scopes (task, instance, activity,
    /// attempt) in each.</summary>
    public static void AddJsonLogs(IHostApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue<bool>("TaskFlow:Logging:Json"))
        {
            return;
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(json =>
        {
            json.IncludeScopes = true;
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
    }
}
