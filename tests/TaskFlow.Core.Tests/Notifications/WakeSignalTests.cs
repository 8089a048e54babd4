using TaskFlow.Dispatch;
using TaskFlow.Notifications;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Notifications;

/// <summary>Every loop that waits on the signal gets each wake-up, however the others use it.</summary>
public sealed class WakeSignalTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task ASignalSetWhileTwoLoopsAreBusy_WakesEach_NotOnlyTheFirstToWait()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var signal = new WakeSignal();
        WakeSignal.Listener episodes = signal.Listen();
        WakeSignal.Listener activities = signal.Listen();

        signal.Set(); // e.g. an activity's completion readied an episode while both loops were querying

        // Neither wait may sleep until the poll: the fake clock never advances here.
        await activities.WaitAsync(Poll, time, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        await episodes.WaitAsync(Poll, time, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AListener_WaitsForTheNextSignal_OnceItHasSeenThePreviousOne()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var signal = new WakeSignal();
        WakeSignal.Listener loop = signal.Listen();
        signal.Set();
        await loop.WaitAsync(Poll, time, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        Task waiting = loop.WaitAsync(Poll, time, CancellationToken.None);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        signal.Set();
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ASignalForOtherWork_DoesNotWakeALoop_ButOneForItsWorkDoes_AndOneForAnyWakesEvery()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var signal = new WakeSignal();
        WakeSignal.Listener activities = signal.Listen(WakeUps.Activities);
        WakeSignal.Listener everything = signal.Listen();

        Task waiting = activities.WaitAsync(Poll, time, CancellationToken.None);
        signal.Set(WakeUps.Episodes); // e.g. activity results readied their orchestrations' episodes
        await everything.WaitAsync(Poll, time, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted, "A signal for episodes woke the loop that leases activities.");

        signal.Set(WakeUps.Activities);
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));

        signal.Set();
        await activities.WaitAsync(Poll, time, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        await everything.WaitAsync(Poll, time, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WithoutASignal_AWaitEndsAtItsTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        Task waiting = new WakeSignal().Listen().WaitAsync(Poll, time, CancellationToken.None);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        time.Advance(Poll);
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
