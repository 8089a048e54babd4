namespace TaskFlow.DurableHost;

/// <summary>How slow the sample work is, from the environment (crash tests make it slow enough to be caught in flight).</summary>
public static class HostTuning
{
    public static TimeSpan EpisodeDelay { get; set; } = Milliseconds("TASKFLOW_HOST_EPISODE_MS");

    public static TimeSpan ActivityDelay { get; set; } = Milliseconds("TASKFLOW_HOST_ACTIVITY_MS");

    public static TimeSpan EntityDelay { get; set; } = Milliseconds("TASKFLOW_HOST_ENTITY_MS");

    private static TimeSpan Milliseconds(string variable) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), out int ms) ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero;
}
