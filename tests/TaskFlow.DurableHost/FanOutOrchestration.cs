using DurableTask.Core;

namespace TaskFlow.DurableHost;

/// <summary>Squares 1..N in parallel activities and sums them (N = 10 gives 385), in the Durable Task Framework's own
/// programming model. Each episode can be made slow (<see cref="HostTuning.EpisodeDelay"/>), so a test that kills the
/// host finds episodes in flight.</summary>
public sealed class FanOutOrchestration : TaskOrchestration<int, int>
{
    public override async Task<int> RunTask(OrchestrationContext context, int count)
    {
        if (!context.IsReplaying && HostTuning.EpisodeDelay > TimeSpan.Zero)
        {
            Thread.Sleep(HostTuning.EpisodeDelay); // user code that takes time; replay does not change what it decides
        }

        int[] squares = await Task.WhenAll(Enumerable.Range(1, count).Select(i => context.ScheduleTask<int>(typeof(SquareActivity), i)));
        return squares.Sum();
    }
}
