using System.Text.Json;
using Microsoft.DurableTask;

namespace TaskFlow.Api.Samples;

/// <summary>Sample task type <c>echo</c>: returns its input.</summary>
internal sealed class EchoActivity : TaskActivity<JsonElement?, JsonElement?>
{
    public override Task<JsonElement?> RunAsync(TaskActivityContext context, JsonElement? input) => Task.FromResult(input);
}
