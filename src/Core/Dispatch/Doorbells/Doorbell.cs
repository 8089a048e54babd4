using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskFlow.Dispatch.Doorbells;

/// <summary>A queue message that says "work item N may be ready": ids only, no state. The work item in
/// PostgreSQL decides what happens, so a duplicated, late, early or lost doorbell changes nothing.</summary>
internal sealed record Doorbell(
    [property: JsonPropertyName("workItemId")] long WorkItemId,
    [property: JsonPropertyName("instanceId")] string InstanceId)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Reads a doorbell; null when the text is not one (it goes to the poison queue).</summary>
    public static Doorbell? TryParse(string text)
    {
        try
        {
            Doorbell? doorbell = JsonSerializer.Deserialize<Doorbell>(text);
            return doorbell is { WorkItemId: > 0 } ? doorbell : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
