using TaskFlow.Database;

namespace TaskFlow.Orchestrations;

/// <summary>Commits this worker's episodes in groups, continuations (<see cref="EpisodeStore.ContinueAsync"/>) and leased
/// episodes (<see cref="EpisodeStore.CommitAsync(IReadOnlyList{EpisodeToCommit}, CancellationToken)"/>) each in their
/// own: every member that arrives while a group is being written goes into a next one, so under load the episodes of
/// many orchestrations share one round trip, one transaction, one WAL flush and one statement for each kind of write
/// (<see cref="EpisodeWrites"/>), and a lone member is still written at once (no timer, no added wait).</summary>
/// <remarks>
/// <para>A member that cannot commit is dealt with inside the store (the group is undone and each member committed
/// alone); a group that fails as a whole fails each of its callers.</para>
/// <para>One writer commits at most <see cref="MaxGroup"/> per round trip, a group's statements one after another in one
/// server process. When the database slowed, that fell below the rate steps arrived at: in the soak, the continuations'
/// queue grew for 30 s (their activities' slots held, 460 of the worker's 512) while the database was not stuck. So a
/// writer that takes a full group and leaves more waiting starts another, up to <see cref="MaxWriters"/>: the groups are
/// of different orchestrations (one continuation per instance is in flight), so they commit side by side.</para>
/// </remarks>
/// <typeparam name="TMember">What one member commits.</typeparam>
internal sealed class GroupCommits<TMember>(Func<IReadOnlyList<TMember>, Task<EpisodeCommit[]>> commitGroup)
{
    internal const int MaxGroup = 64;
    internal const int MaxWriters = 4;

    private readonly CallBatcher<TMember, EpisodeCommit> groups =
        new(async group => await commitGroup(group), MaxGroup, isolate: _ => false, MaxWriters);

    /// <summary>How many members wait for a group to take them.</summary>
    public int Waiting => this.groups.Waiting;

    public Task<EpisodeCommit> CommitAsync(TMember member) => this.groups.CallAsync(member);
}
