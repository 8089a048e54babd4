using System.Text.Json.Serialization;
using Microsoft.DurableTask;
using TaskFlow.Json;

namespace TaskFlow.Api.Samples;

/// <summary>Sample orchestration <c>approval</c>: waits for the external event <c>approved</c> (true or false) up to
/// <c>timeout</c> (default one day), then records the decision with the <c>echo</c> activity.</summary>
internal sealed class ApprovalOrchestrator : TaskOrchestrator<ApprovalOrchestrator.Input?, ApprovalOrchestrator.Decision>
{
    public override async Task<Decision> RunAsync(TaskOrchestrationContext context, Input? input)
    {
        context.SetCustomStatus("waiting for approval");
        Decision decision;
        try
        {
            bool approved = await context.WaitForExternalEvent<bool>("approved", input?.Timeout ?? TimeSpan.FromDays(1));
            decision = new Decision(approved, TimedOut: false);
        }
        catch (TaskCanceledException)
        {
            // The SDK cancels the wait when its timer fires first.
            decision = new Decision(Approved: false, TimedOut: true);
        }

        context.SetCustomStatus(decision.Approved ? "approved" : "rejected");
        return await context.CallActivityAsync<Decision>("echo", decision);
    }

    /// <summary>How long to wait for the decision.</summary>
    public sealed record Input([property: JsonConverter(typeof(TaskFlowJson.IsoDurationJsonConverter))] TimeSpan? Timeout);

    /// <summary>What was decided.</summary>
    public sealed record Decision([property: JsonPropertyName("approved")] bool Approved, [property: JsonPropertyName("timedOut")] bool TimedOut);
}
