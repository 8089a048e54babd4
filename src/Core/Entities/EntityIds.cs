using System.Globalization;

namespace TaskFlow.Entities;

/// <summary>Durable entities' instance ids, as the Durable Task Framework and SDK write them: <c>@name@key</c> (the
/// name lower-cased by the SDK, the key any text). At most 100 characters, as every instance id in the store.</summary>
public static class EntityIds
{
    /// <summary>Whether <paramref name="instanceId"/> names an entity (a message to it creates it).</summary>
    public static bool IsEntity(string? instanceId) =>
        instanceId is { Length: >= 3 and <= 100 } && instanceId[0] == '@' && instanceId.IndexOf('@', 1) > 1;

    /// <summary>When a message is due: the framework names a signal scheduled for later <c>op@&lt;UTC time&gt;</c>
    /// (EntityMessageEventNames.ScheduledRequestMessageEventName); null for a message due now.</summary>
    public static DateTimeOffset? DueTime(string eventName) =>
        eventName.Length > 3 && eventName[2] == '@'
        && DateTime.TryParse(eventName.AsSpan(3), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime due)
            ? new DateTimeOffset(due, TimeSpan.Zero)
            : null;
}
