using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TaskFlow.Functions.Tests;

/// <summary>TaskFlow's default data converter writes and reads what Durable Functions' isolated worker does by default
/// (the Functions worker's own serializer, taken from the worker package, not restated): an orchestration's output
/// reads the same on the TaskFlow server, in this Function App and on Microsoft's backends.</summary>
public sealed class DataConverterTests(FunctionAppServicesFixture app) : IClassFixture<FunctionAppServicesFixture>
{
    [Fact]
    public async Task DefaultConverter_WritesDeclaredNames_AndReadsAnyCase_AsTheFunctionsWorkersDefaultSerializer()
    {
        var worker = new ServiceCollection();
        worker.AddFunctionsWorkerDefaults();
        await using ServiceProvider workerServices = worker.BuildServiceProvider();
        Azure.Core.Serialization.ObjectSerializer functions = workerServices.GetRequiredService<IOptions<WorkerOptions>>().Value.Serializer!;
        DataConverter taskFlow = app.Services.GetRequiredService<DataConverter>();
        var receipt = new Receipt("order-42", 12.5m, ["a", "b"], null, TimeSpan.FromMinutes(90));

        string written = taskFlow.Serialize(receipt)!;
        Assert.Equal(functions.Serialize(receipt).ToString(), written);
        Assert.Contains("\"OrderId\":\"order-42\"", written);
        Assert.Contains("\"Note\":null", written);

        const string camel = """{"orderId":"order-7","total":3,"lines":["x"],"elapsed":"00:01:00"}""";
        Receipt fromCamel = taskFlow.Deserialize<Receipt>(camel)!;
        Assert.Equal((Receipt)functions.Deserialize(new BinaryData(camel).ToStream(), typeof(Receipt), default)!, fromCamel, ReceiptComparer.Instance);
        Assert.Equal("order-7", fromCamel.OrderId);
    }

    [Fact]
    public void SampleOutputs_KeepTheirDocumentedNames_UnderTheDefaultConverter()
    {
        DataConverter taskFlow = app.Services.GetRequiredService<DataConverter>();
        Assert.Equal("""{"count":100,"sum":4950}""", taskFlow.Serialize(new Api.Samples.FanOutOrchestrator.Summary(100, 4950)));
        Assert.Equal(TimeSpan.FromHours(1), taskFlow.Deserialize<Api.Samples.ApprovalOrchestrator.Input>("""{"timeout":"PT1H"}""")!.Timeout);
    }

    public sealed record Receipt(string OrderId, decimal Total, string[] Lines, string? Note, TimeSpan Elapsed);

    private sealed class ReceiptComparer : IEqualityComparer<Receipt>
    {
        public static ReceiptComparer Instance { get; } = new();

        public bool Equals(Receipt? x, Receipt? y) => x is not null && y is not null && x.OrderId == y.OrderId && x.Total == y.Total
            && x.Lines.SequenceEqual(y.Lines) && x.Note == y.Note && x.Elapsed == y.Elapsed;

        public int GetHashCode(Receipt obj) => obj.OrderId.GetHashCode(StringComparison.Ordinal);
    }
}
