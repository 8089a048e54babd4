using System.Globalization;
using System.Text.Json;
using TaskFlow.AzureQueues;
using TaskFlow.Dispatch.Doorbells;
using TaskFlow.Schedules;
using TaskFlow.WorkItems;

namespace TaskFlow.Functions.Triggers;

/// <summary>The custom handler's trigger endpoints. A queue invocation carries one doorbell; it is answered
/// 200 once its work is done (the host then deletes the message) and non-2xx when the work could not be saved
/// or the doorbell cannot be read, so the host retries it and, past its maxDequeueCount, moves it to the
/// poison queue.</summary>
internal static class TriggerEndpoints
{
    public static void MapTriggerEndpoints(this IEndpointRouteBuilder app)
    {
        // The host checks that its handler is up with GET /.
        app.MapGet("/", () => Results.Ok(new { service = "TaskFlow", api = "/api/tasks", openApi = "/openapi.json", health = "/healthz" }))
            .ExcludeFromDescription();

        foreach ((string function, string kind) in new[]
        {
            (FunctionsHost.ActivityDoorbell, WorkKinds.Activity),
            (FunctionsHost.OrchestrationDoorbell, WorkKinds.Orchestration),
            (FunctionsHost.TimerDoorbell, WorkKinds.Timer),
        })
        {
            app.MapPost($"/{function}", (InvocationRequest invocation, DoorbellHandler handler, DoorbellQueues queues, CancellationToken cancellationToken) =>
                AnswerDoorbellAsync(invocation, queues.For(kind), handler, cancellationToken))
                .ExcludeFromDescription();
        }

        app.MapPost($"/{FunctionsHost.Maintenance}", RunMaintenanceAsync).ExcludeFromDescription();
    }

    private static async Task<IResult> AnswerDoorbellAsync(
        InvocationRequest invocation, string queue, DoorbellHandler handler, CancellationToken cancellationToken)
    {
        if (ReadMessage(invocation) is not { } message)
        {
            return Failed("The invocation has no queue message: expected Data.doorbell (the message text) and Metadata.Id.");
        }

        DoorbellHandler.Handled handled = (await handler.HandleAsync(queue, [message], cancellationToken)).Single();
        string log = $"Doorbell {message.Id} (dequeue {message.DequeueCount}) on {queue}: {handled.Verdict}";
        return handled switch
        {
            { Work: { } work } when !await work => Failed($"{log}; its outcome could not be saved, so the host should deliver it again."),
            { Verdict: DoorbellVerdict.Busy } => Failed($"{log}; the work item was locked, so the host should deliver it again."),
            _ => Results.Ok(InvocationResponse.Done(log)),
        };
    }

    private static async Task<IResult> RunMaintenanceAsync(
        ScheduleFirer schedules, LeaseRescuer rescuer, DoorbellRinger ringer, CancellationToken cancellationToken)
    {
        int fired = await schedules.FireDueAsync(cancellationToken);
        int rescued = await rescuer.RescueAsync(cancellationToken);
        int rung = await ringer.RingDueAsync(cancellationToken);
        return Results.Ok(InvocationResponse.Done($"Schedules handled: {fired}; expired leases rescued: {rescued}; doorbells rung: {rung}."));
    }

    /// <summary>The queue message of a queue-trigger invocation. The host gives the message text as a JSON
    /// string, or as the JSON itself when the text is JSON; both are accepted.</summary>
    private static QueueMessage? ReadMessage(InvocationRequest invocation)
    {
        if (invocation.Data is null || !invocation.Data.TryGetValue("doorbell", out JsonElement data) || invocation.Metadata is not { } metadata)
        {
            return null;
        }

        string text = data.ValueKind == JsonValueKind.String ? data.GetString()! : data.GetRawText();
        return new QueueMessage(
            Id: Text(metadata, "Id") ?? string.Empty,
            PopReceipt: Text(metadata, "PopReceipt"),
            Text: text,
            DequeueCount: int.TryParse(Text(metadata, "DequeueCount"), CultureInfo.InvariantCulture, out int count) ? count : 1,
            InsertedAt: Time(metadata, "InsertionTime") ?? DateTimeOffset.MinValue,
            ExpiresAt: Time(metadata, "ExpirationTime") ?? DateTimeOffset.MaxValue,
            NextVisibleAt: Time(metadata, "NextVisibleTime"));
    }

    private static string? Text(Dictionary<string, JsonElement> metadata, string name) =>
        metadata.TryGetValue(name, out JsonElement value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;

    private static DateTimeOffset? Time(Dictionary<string, JsonElement> metadata, string name) =>
        DateTimeOffset.TryParse(Text(metadata, name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time) ? time : null;

    private static IResult Failed(string log) =>
        Results.Json(new InvocationResponse([], [log], null), statusCode: StatusCodes.Status500InternalServerError);
}
