using System.Text.Json;
using TaskFlow.Activities;

namespace TaskFlow.Functions.Samples;

/// <summary>Sample task type <c>echo</c>: returns its input.</summary>
internal sealed class EchoActivity : Activity<JsonElement?, JsonElement?>
{
    public override Task<JsonElement?> RunAsync(ActivityContext context, JsonElement? input) => Task.FromResult(input);
}
