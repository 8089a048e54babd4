using System.Diagnostics;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TaskFlow.Functions.Durable;

namespace TaskFlow.Functions.Tests;

/// <summary>The worker's spans and metrics: what AddTaskFlowFunctionApp registers exports TaskFlow's activity span (in
/// the invocation's trace) and its run time, once an OTLP endpoint is set, and nothing without one.</summary>
public sealed class FunctionAppTelemetryTests(FunctionAppServicesFixture app) : IClassFixture<FunctionAppServicesFixture>
{
    [Fact]
    public async Task AnActivityInvocation_IsASpanInTheInvocationsTrace_AndItsRunTimeIsRecorded()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        await using ServiceProvider services = this.Services(
            new()
            {
                [FunctionAppTelemetry.TracingEndpointSetting] = "http://127.0.0.1:4317",
                [FunctionAppTelemetry.MetricsEndpointSetting] = "http://127.0.0.1:4317",
            },
            collection => collection
                .ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans))
                .ConfigureOpenTelemetryMeterProvider(meters => meters.AddInMemoryExporter(metrics)));
        TracerProvider tracer = services.GetRequiredService<TracerProvider>();
        MeterProvider meter = services.GetRequiredService<MeterProvider>();

        JsonElement? output = await services.GetRequiredService<TaskRunner>().RunActivityAsync(
            "echo", JsonDocument.Parse("\"traced\"").RootElement, Invocations.Activity("order-7", "00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));

        Assert.Equal("traced", output?.GetString());
        tracer.ForceFlush();
        meter.ForceFlush();
        Activity span;
        lock (spans)
        {
            span = Assert.Single(spans, s => s.TraceId.ToHexString() == "5bf92f3577b34da6a3ce929d0e0e4736");
        }

        Assert.Equal("taskflow.activity echo", span.OperationName);
        Assert.Equal("00f067aa0ba902b7", span.ParentSpanId.ToHexString());
        Assert.Equal("order-7", span.GetTagItem("taskflow.instance.id"));
        Assert.Equal(ActivityStatusCode.Ok, span.Status);
        Metric duration = Assert.Single(metrics, m => m.Name == "taskflow.activity.duration");
        var points = new List<long>();
        foreach (ref readonly MetricPoint point in duration.GetMetricPoints())
        {
            foreach (KeyValuePair<string, object?> tag in point.Tags)
            {
                if (tag is { Key: "activity", Value: "echo" })
                {
                    points.Add(point.GetHistogramCount());
                }
            }
        }

        Assert.True(points.Sum() >= 1, "No run time was recorded for echo.");
    }

    [Fact]
    public async Task WithoutAnOtlpEndpoint_NoSpansOrMetricsAreCollected()
    {
        await using ServiceProvider services = this.Services([], _ => { });

        Assert.Null(services.GetService<TracerProvider>());
        Assert.Null(services.GetService<MeterProvider>());
    }

    private ServiceProvider Services(Dictionary<string, string?> settings, Action<IServiceCollection> configure)
    {
        settings[FunctionAppServices.ConnectionSetting] = app.Database.ConnectionString;
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(configuration);
        services.AddTaskFlowFunctionApp(configuration);
        configure(services);
        return services.BuildServiceProvider();
    }
}
