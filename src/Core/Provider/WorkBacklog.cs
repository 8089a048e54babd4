namespace TaskFlow.Provider;

/// <summary>Orchestrations' work in the store at one moment, and how many hosts it would keep busy.</summary>
/// <param name="PerHostEpisodes">Episodes one host runs at once.</param>
/// <param name="PerHostActivities">Activities one host runs at once.</param>
public sealed record WorkBacklog(long EpisodesReady, long EpisodesRunning, long ActivitiesReady, long ActivitiesRunning, int PerHostEpisodes, int PerHostActivities)
{
    /// <summary>Enough hosts to run all of it at once (zero when there is none), whichever kind needs more.</summary>
    public int RecommendedWorkers => (int)Math.Max(
        Divide(this.EpisodesReady + this.EpisodesRunning, this.PerHostEpisodes),
        Divide(this.ActivitiesReady + this.ActivitiesRunning, this.PerHostActivities));

    private static long Divide(long work, int perHost) => (work + perHost - 1) / perHost;
}
