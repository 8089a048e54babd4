using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TaskFlow.Api.Telemetry;

namespace TaskFlow.Functions;

/// <summary>The worker's metrics and spans: TaskFlow's meter and activity source (the names the server exports), the
/// Durable client's source and Npgsql's, with the Functions worker's invocation context. A Function App scales out and
/// in, so nothing is scraped: they are pushed over OTLP, each only when its endpoint is set.</summary>
internal static class FunctionAppTelemetry
{
    public const string TracingEndpointSetting = "TaskFlow:Tracing:OtlpEndpoint";
    public const string MetricsEndpointSetting = "TaskFlow:Metrics:OtlpEndpoint";

    public static IServiceCollection AddTaskFlowTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        string? traces = configuration[TracingEndpointSetting];
        string? metrics = configuration[MetricsEndpointSetting];
        if (string.IsNullOrEmpty(traces) && string.IsNullOrEmpty(metrics))
        {
            return services; // nowhere to send them: collect nothing
        }

        IOpenTelemetryBuilder telemetry = services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .ConfigureResource(resource => resource.AddService("taskflow-functions"));
        if (!string.IsNullOrEmpty(traces))
        {
            telemetry.WithTracing(tracing => tracing
                .AddTaskFlowSources()
                .AddSource("Microsoft.DurableTask") // the Durable client's span around a start
                .AddOtlpExporter(exporter => exporter.Endpoint = new Uri(traces)));
        }

        if (!string.IsNullOrEmpty(metrics))
        {
            telemetry.WithMetrics(meters => meters
                .AddTaskFlowMeters()
                .AddOtlpExporter(exporter => exporter.Endpoint = new Uri(metrics)));
        }

        return services;
    }
}
