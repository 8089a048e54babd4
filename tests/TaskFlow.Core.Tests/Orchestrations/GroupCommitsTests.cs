using System.Collections.Concurrent;
using TaskFlow.Orchestrations;

namespace TaskFlow.Core.Tests.Orchestrations;

/// <summary>How continuations are grouped into commits and how many groups are written at once, with the database's
/// commit replaced by one the test holds open (the commits themselves: <see cref="EpisodeContinuationTests"/>).</summary>
public sealed class GroupCommitsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ABacklog_IsWrittenByUpToFourWritersAtOnce_AndEachCallerGetsItsOwnCommit()
    {
        var store = new HeldStore();
        var commits = new GroupCommits<Continuation>(store.CommitAsync);
        var first = NewContinuation();
        Task<EpisodeCommit> lone = commits.CommitAsync(first);
        await store.WaitForGroupsInFlightAsync(1);

        // While the lone one is written, ten groups' worth queue up behind it.
        List<Continuation> queued = [.. Enumerable.Range(0, GroupCommits<Continuation>.MaxGroup * 10).Select(_ => NewContinuation())];
        List<Task<EpisodeCommit>> results = [.. queued.Select(commits.CommitAsync)];
        store.ReleaseOne();
        await store.WaitForGroupsInFlightAsync(GroupCommits<Continuation>.MaxWriters);
        store.ReleaseAll();

        Assert.Equal(store.SequenceOf(first), (await lone.WaitAsync(Patience)).LastSequence);
        EpisodeCommit[] committed = await Task.WhenAll(results).WaitAsync(Patience);
        Assert.Equal(queued.Select(store.SequenceOf), committed.Select(c => c.LastSequence));
        Assert.Equal(GroupCommits<Continuation>.MaxWriters, store.MostGroupsInFlight);
        Assert.Equal(1 + queued.Count, store.GroupSizes.Sum());
        Assert.All(store.GroupSizes, size => Assert.InRange(size, 1, GroupCommits<Continuation>.MaxGroup));
    }

    [Fact]
    public async Task LessThanAGroupQueued_IsWrittenByOneWriter_InOneGroup()
    {
        var store = new HeldStore();
        var commits = new GroupCommits<Continuation>(store.CommitAsync);
        Task<EpisodeCommit> lone = commits.CommitAsync(NewContinuation());
        await store.WaitForGroupsInFlightAsync(1);

        List<Task<EpisodeCommit>> results = [.. Enumerable.Range(0, GroupCommits<Continuation>.MaxGroup - 1).Select(_ => commits.CommitAsync(NewContinuation()))];
        store.ReleaseAll();

        await Task.WhenAll([lone, .. results]).WaitAsync(Patience);
        Assert.Equal(1, store.MostGroupsInFlight);
        Assert.Equal([1, GroupCommits<Continuation>.MaxGroup - 1], store.GroupSizes);
    }

    [Fact]
    public async Task AGroupThatFails_FailsEachOfItsCallers_AndTheNextIsWrittenStill()
    {
        var commits = new GroupCommits<Continuation>(group =>
            group.Count == 1 && group[0].LeaseActivity ? throw new TimeoutException("The database did not answer.") : Task.FromResult(group.Select(_ => new EpisodeCommit(EpisodeCommitOutcome.Committed, 7)).ToArray()));

        await Assert.ThrowsAsync<TimeoutException>(() => commits.CommitAsync(NewContinuation(leaseActivity: true)).WaitAsync(Patience));
        Assert.Equal(7, (await commits.CommitAsync(NewContinuation()).WaitAsync(Patience)).LastSequence);
    }

    // Each a distinct object: the fake store tells them apart by reference, not by their (empty) contents.
    private static Continuation NewContinuation(bool leaseActivity = false) => new(null!, null!, null!, leaseActivity);

    /// <summary>A store whose commits wait until the test releases them; each continuation's commit carries its own number.</summary>
    private sealed class HeldStore
    {
        private readonly ConcurrentDictionary<Continuation, int> sequences = new(ReferenceEqualityComparer.Instance);
        private readonly ConcurrentQueue<TaskCompletionSource> held = new();
        private readonly ConcurrentQueue<int> groupSizes = new();
        private int next;
        private int inFlight;
        private int mostInFlight;
        private volatile bool released;

        public int MostGroupsInFlight => Volatile.Read(ref this.mostInFlight);

        public IReadOnlyList<int> GroupSizes => [.. this.groupSizes];

        public int SequenceOf(Continuation continuation) => this.sequences.GetOrAdd(continuation, _ => Interlocked.Increment(ref this.next));

        public async Task<EpisodeCommit[]> CommitAsync(IReadOnlyList<Continuation> group)
        {
            this.groupSizes.Enqueue(group.Count);
            int now = Interlocked.Increment(ref this.inFlight);
            for (int most = this.mostInFlight; now > most; most = this.mostInFlight)
            {
                Interlocked.CompareExchange(ref this.mostInFlight, now, most);
            }

            if (!this.released)
            {
                var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                this.held.Enqueue(gate);
                if (this.released)
                {
                    gate.TrySetResult();
                }

                await gate.Task;
            }

            Interlocked.Decrement(ref this.inFlight);
            return [.. group.Select(c => new EpisodeCommit(EpisodeCommitOutcome.Committed, this.SequenceOf(c)))];
        }

        public async Task WaitForGroupsInFlightAsync(int count)
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (this.held.Count < count)
            {
                await Task.Delay(5, timeout.Token);
            }
        }

        public void ReleaseOne()
        {
            Assert.True(this.held.TryDequeue(out TaskCompletionSource? gate));
            gate!.SetResult();
        }

        public void ReleaseAll()
        {
            this.released = true;
            while (this.held.TryDequeue(out TaskCompletionSource? gate))
            {
                gate.TrySetResult();
            }
        }
    }
}
