using TaskFlow.Database;

namespace TaskFlow.Orchestrations;

/// <summary>Commits continuations (<see cref="EpisodeStore.ContinueAsync"/>) in groups: every continuation that arrives
/// while a group is being written goes into a next one, so under load the steps of many orchestrations share one round
/// trip, one transaction and one WAL flush, and a lone continuation is still written at once (no timer, no added wait).</summary>
/// <remarks>
/// <para>A member that cannot commit is dealt with inside <see cref="EpisodeStore.ContinueAsync"/> (the group is undone
/// and each member committed alone); a group that fails as a whole fails each of its callers.</para>
/// <para>One writer commits at most <see cref="MaxGroup"/> per round trip, a group's statements one after another in one
/// server process. When the database slowed, that fell below the rate steps arrived at: in the soak, the continuations'
/// queue grew for 30 s (their activities' slots held, 460 of the worker's 512) while the database was not stuck. So a
/// writer that takes a full group and leaves more waiting starts another, up to <see cref="MaxWriters"/>: the groups are
/// of different orchestrations (one continuation per instance is in flight), so they commit side by side.</para>
/// </remarks>
internal sealed class ContinuationCommits(Func<IReadOnlyList<Continuation>, Task<EpisodeCommit[]>> commitGroup)
{
    internal const int MaxGroup = 64;
    internal const int MaxWriters = 4;

    private readonly CallBatcher<Continuation, EpisodeCommit> groups =
        new(async group => await commitGroup(group), MaxGroup, isolate: _ => false, MaxWriters);

    public ContinuationCommits(EpisodeStore store)
        : this(group => store.ContinueAsync(group, CancellationToken.None))
    {
    }

    public Task<EpisodeCommit> CommitAsync(Continuation continuation) => this.groups.CallAsync(continuation);
}
